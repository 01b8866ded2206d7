"""Pages and API of data comparison: the findings of one's township, the evidence and the amount,
resolving from the page, uploading a list with its rejected rows, list rows only for list holders."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from matching_world import AS_OF, death_row, list_file, upload
from registry_factories import registered
from test_programs_cycles import enroll, generate, make_setup

from canlian.core.audit.models import AuditEvent
from canlian.domains.matching.models import Finding, ListUpload
from canlian.programs.cycles import actions as cycles
from canlian.programs.models import Enrollment

D = dt.date


@pytest.fixture
def world(regions, make_user):
    setup = make_setup(make_user)
    setup["city"] = make_user("city_admin", "3705", username="city")
    setup["township"] = make_user("township_worker", "370502001", username="wenhui")
    setup["other_township"] = make_user("township_worker", "370505001", username="kenli")
    setup["leader"] = make_user("leader", "3705", username="leader")
    return setup


@pytest.fixture
def paid_death(world):
    e = enroll(world["nursing"], applied=D(2026, 8, 1))
    result = generate(world, D(2026, 10, 1))
    cycles.cycle_approve(actor=world["checker"], cycle_id=result.cycle.pk)
    up = upload(world["city"], "deaths", [death_row(e.person, "2026-08-31")])
    return e, up, Finding.objects.get()


def test_finding_list_and_detail_show_the_evidence_and_amount(client, english, world, paid_death):
    e, _up, finding = paid_death
    client.force_login(world["township"])
    page = client.get(reverse("matching:finding-list"))
    assert page.status_code == 200
    text = page.content.decode()
    assert e.person.name in text and "300.00" in text and e.person.id_number not in text
    detail = client.get(reverse("matching:finding-detail", args=[finding.pk]))
    body = detail.content.decode()
    assert detail.status_code == 200 and "300.00" in body and "2026-08-31" in body and "2026-09" in body
    assert AuditEvent.objects.filter(event_type="matching.finding_viewed", object_id=str(finding.pk)).exists()
    client.force_login(world["other_township"])
    assert e.person.name not in client.get(reverse("matching:finding-list")).content.decode()
    assert client.get(reverse("matching:finding-detail", args=[finding.pk])).status_code == 404


def test_resolving_from_the_page_stops_and_closes(client, english, world, paid_death):
    e, _up, finding = paid_death
    client.force_login(world["maker"])
    response = client.post(
        reverse("matching:finding-resolve", args=[finding.pk]),
        {"outcome": "stopped", "record_in_registry": "on"},
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.status == "resolved" and finding.recovery.amount == Decimal("300.00")
    assert Enrollment.objects.get(pk=e.pk).status == "stopped"
    again = client.post(reverse("matching:finding-resolve", args=[finding.pk]), {"outcome": "stopped"})
    assert again.status_code == 200 and "already" in again.content.decode()  # refused, on the form
    assert Finding.objects.get(pk=finding.pk).resolved_on == finding.resolved_on


def test_a_refused_resolution_shows_the_error_and_changes_nothing(client, english, world, paid_death):
    _e, _up, finding = paid_death
    client.force_login(world["maker"])
    response = client.post(
        reverse("matching:finding-resolve", args=[finding.pk]), {"outcome": "not_applicable"}
    )
    assert response.status_code == 200 and "Say what was done" in response.content.decode()
    assert Finding.objects.get(pk=finding.pk).status == "open"


def test_upload_page_loads_the_list_and_lists_bad_rows(
    client, english, world, tmp_path, django_capture_on_commit_callbacks
):
    person = registered(name="页面", birth="19700101")
    path = list_file(
        [["1", "页面", person.id_number, "", "低保"], ["2", "坏", "123", "", ""]],
        encoding="gbk",
        folder=tmp_path,
    )
    client.force_login(world["city"])
    assert client.get(reverse("matching:upload-create")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("matching:upload-create"),
            {
                "region_code": "3705",
                "department": "civil_affairs",
                "list_kind": "dibao",
                "as_of": "2026-11-30",
                "run": "on",
                "file": SimpleUploadedFile("低保.csv", path.read_bytes()),
            },
        )
    assert response.status_code == 302 and "/matching/lists/jobs/" in response["Location"]
    up = ListUpload.objects.get()
    job_page = client.get(response["Location"]).content.decode()
    assert reverse("matching:upload-detail", args=[up.pk]) in job_page and "123" in job_page
    assert (up.row_count, up.rejected_count) == (1, 1)
    detail = client.get(reverse("matching:upload-detail", args=[up.pk])).content.decode()
    assert "id_number" in detail and "123" in detail
    assert Finding.objects.filter(rule__code="dibao-living-subsidy", person=person).exists()
    client.force_login(world["township"])
    assert client.get(reverse("matching:upload-detail", args=[up.pk])).status_code == 403
    assert client.get(reverse("matching:upload-list")).status_code == 403
    client.force_login(world["leader"])
    assert client.get(reverse("matching:upload-detail", args=[up.pk])).status_code == 403
    assert client.get(reverse("matching:finding-list")).status_code == 200


def test_upload_page_without_id_column_names_the_field(client, english, world, tmp_path):
    path = list_file([["1", "x", "y"]], header=["序号", "姓名", "备注"], folder=tmp_path)
    client.force_login(world["city"])
    response = client.post(
        reverse("matching:upload-create"),
        {
            "region_code": "3705",
            "department": "civil_affairs",
            "list_kind": "dibao",
            "as_of": "2026-11-30",
            "file": SimpleUploadedFile("x.csv", path.read_bytes()),
        },
    )
    assert response.status_code == 200 and "ID number" in response.content.decode()
    assert not ListUpload.objects.exists()


def test_rules_page(client, english, world):
    client.force_login(world["township"])
    body = client.get(reverse("matching:rule-list")).content.decode()
    assert "death-still-paid" in body
    assert client.get(reverse("matching:rule-create")).status_code == 403
    client.force_login(world["city"])
    response = client.post(
        reverse("matching:rule-create"),
        {
            "code": "tekun-living",
            "name": "特困",
            "shape": "entitled_not_enrolled",
            "action": "enrol",
            "list_kind": "tekun",
            "program_code": "living-subsidy",
            "deadline_days": "10",
            "region_code": "3705",
            "valid_from": "2026-01-01",
        },
    )
    assert response.status_code == 302


def test_api_lists_and_resolves(client, world, paid_death):
    e, up, finding = paid_death
    client.force_login(world["township"])
    listing = client.get("/api/v1/matching/findings/").json()
    assert [r["id"] for r in listing["results"]] == [finding.pk]
    assert (
        listing["results"][0]["amount"] == "300.00"
        and listing["results"][0]["person_id_number"] != e.person.id_number
    )
    assert client.get(f"/api/v1/matching/lists/{up.pk}/rows/").status_code == 403
    refused = client.post(
        f"/api/v1/matching/findings/{finding.pk}/resolve/",
        {"outcome": "stopped"},
        content_type="application/json",
    )
    assert refused.status_code == 403  # the engine's stop needs enrollments.stop
    assert refused.json()["error"]["code"] == "permission_denied"
    client.force_login(world["other_township"])
    assert client.get(f"/api/v1/matching/findings/{finding.pk}/").status_code == 404
    client.force_login(world["maker"])
    done = client.post(
        f"/api/v1/matching/findings/{finding.pk}/resolve/",
        {"outcome": "stopped"},
        content_type="application/json",
    )
    assert done.status_code == 200 and done.json()["status"] == "resolved"
    assert client.get(f"/api/v1/matching/lists/{up.pk}/rows/").status_code == 404  # the county: a city's list
    client.force_login(world["city"])
    rows = client.get(f"/api/v1/matching/lists/{up.pk}/rows/").json()
    assert [r["row_no"] for r in rows["results"]] == [3]
    assert client.get("/api/v1/matching/rules/").status_code == 200


def test_api_upload(client, world, tmp_path, django_capture_on_commit_callbacks):
    person = registered(name="接口", birth="19700101")
    path = list_file([["1", "接口", person.id_number, "", ""]], folder=tmp_path)
    client.force_login(world["city"])
    with path.open("rb") as fh, django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/matching/lists/",
            {
                "file": fh,
                "region_code": "3705",
                "department": "civil_affairs",
                "list_kind": "dibao",
                "as_of": str(AS_OF),
            },
        )
    assert response.status_code == 202, response.content
    assert response.json()["kind"] == "matching.list_upload"
    job = client.get(f"/api/v1/matching/jobs/{response.json()['id']}/").json()
    assert job["status"] == "succeeded" and job["result"]["rows"] == 1 and job["result"]["rejected"] == 0
    up = ListUpload.objects.get(pk=job["result"]["upload_id"])
    assert up.row_count == 1
    assert Finding.objects.filter(person=person, upload=up).exists()
    client.force_login(world["township"])  # no matching.lists: neither the list nor its job
    assert client.get(f"/api/v1/matching/jobs/{job['id']}/").status_code == 403
