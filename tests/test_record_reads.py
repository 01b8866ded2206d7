"""Every read of one person's record is audited, whatever the surface (issue 15 item 3): the API's
person, certificate and household details, a search by full ID or certificate number on the page and
in the API; a large unmasked export needs a stated reason and counts toward a daily limit."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from registry_factories import registered

from canlian.core.audit.events import EventType
from canlian.core.audit.models import AuditEvent
from canlian.core.registry import actions


@pytest.fixture
def worker(make_user):
    return make_user("township_worker", "370502001", username="reads_worker")


@pytest.fixture
def people(regions):
    return {"zhang": registered(name="张三"), "li": registered(name="李四", birth="19750505")}


def viewed(person=None):
    events = AuditEvent.objects.filter(event_type=EventType.RECORD_VIEWED)
    if person is not None:
        events = events.filter(object_id=str(person.pk))
    return list(events.order_by("pk"))


def test_api_person_detail_is_a_recorded_view(client, worker, people):
    client.force_login(worker)
    zhang = people["zhang"]
    assert client.get("/api/v1/persons/").status_code == 200
    assert viewed() == []  # a masked list is not a read of one record
    assert client.get(f"/api/v1/persons/{zhang.pk}/").status_code == 200
    [event] = viewed(zhang)
    assert event.actor == worker and event.new_values["surface"] == "api"


def test_api_certificate_detail_is_a_view_of_its_person(client, worker, people):
    client.force_login(worker)
    certificate = people["li"].certificates.get()
    assert client.get(f"/api/v1/certificates/{certificate.pk}/").status_code == 200
    [event] = viewed(people["li"])
    assert event.new_values == {"surface": "api", "certificate": certificate.pk}
    assert viewed(people["zhang"]) == []


def test_api_household_detail_is_a_view_of_each_member(client, worker, people):
    household = actions.household_create(actor=None, head_person_id=people["zhang"].pk)
    actions.household_add_member(
        actor=None, household_id=household.pk, person_id=people["li"].pk, relationship="spouse"
    )
    client.force_login(worker)
    assert client.get(f"/api/v1/households/{household.pk}/").status_code == 200
    assert {e.object_id for e in viewed()} == {str(people["zhang"].pk), str(people["li"].pk)}
    assert {e.new_values["household"] for e in viewed()} == {household.pk}


def test_a_search_by_full_id_number_is_a_recorded_view_on_both_surfaces(client, worker, people):
    zhang = people["zhang"]
    client.force_login(worker)
    found = client.get("/api/v1/persons/", {"q": zhang.id_number}).json()["results"]
    assert [p["name"] for p in found] == ["张三"]
    [event] = viewed(zhang)
    assert event.new_values == {"surface": "api", "search": "id"}
    page = client.get("/registry/persons/", {"q": zhang.id_number})
    assert page.status_code == 200 and "张三" in page.content.decode()
    assert [e.new_values for e in viewed(zhang)][-1] == {"surface": "page", "search": "id"}
    # a name, a pinyin key or the last digits are searches, not reads of one record
    for term in ("张三", "zs", zhang.id_number[-4:]):
        client.get("/registry/persons/", {"q": term})
        client.get("/api/v1/persons/", {"q": term})
    assert len(viewed()) == 2
    # the certificate number names one person too
    number = zhang.certificates.get().number
    client.get("/api/v1/persons/", {"q": number})
    assert viewed(zhang)[-1].new_values == {"surface": "api", "search": "certificate"}


def exported():
    return list(AuditEvent.objects.filter(event_type=EventType.RECORDS_EXPORTED).order_by("pk"))


def test_a_large_unmasked_export_needs_a_reason(client, worker, people, settings):
    settings.CANLIAN_UNMASKED_EXPORT_REASON_ROWS = 1  # two revealable people: above the threshold
    client.force_login(worker)
    asked = client.get("/registry/persons/export/", {"q": "张"})
    assert asked.status_code == 200 and asked["Content-Type"].startswith(
        "application/vnd"
    )  # one row: no reason
    asked = client.get("/registry/persons/export/", {"category": "4"})
    html = asked.content.decode()
    assert asked.status_code == 400 and 'data-testid="export-reason"' in html
    assert 'name="category" value="4"' in html  # the filters are kept
    assert len(exported()) == 1  # nothing written for the refused export
    short = client.post("/registry/persons/export/", {"category": "4", "reason": "ab"})
    assert short.status_code == 400 and len(exported()) == 1
    done = client.post("/registry/persons/export/", {"category": "4", "reason": "年度核查名单"})
    assert done.status_code == 200
    rows = list(
        load_workbook(io.BytesIO(b"".join(done.streaming_content))).worksheets[0].iter_rows(values_only=True)
    )
    assert people["zhang"].id_number in {r[3] for r in rows[1:]}
    last = exported()[-1]
    assert last.new_values["unmasked_rows"] == 2 and last.new_values["reason"] == "年度核查名单"
    masked = client.post("/registry/persons/export/", {"category": "4", "masked": "1"})
    assert masked.status_code == 200
    rows = list(
        load_workbook(io.BytesIO(b"".join(masked.streaming_content)))
        .worksheets[0]
        .iter_rows(values_only=True)
    )
    assert people["zhang"].id_number not in {r[3] for r in rows[1:]}
    assert exported()[-1].new_values["unmasked_rows"] == 0 and "reason" not in exported()[-1].new_values


def test_unmasked_exports_are_limited_per_user_per_day(client, worker, make_user, people, settings):
    settings.CANLIAN_UNMASKED_EXPORT_REASON_ROWS = 1
    settings.CANLIAN_UNMASKED_EXPORTS_PER_DAY = 2
    client.force_login(worker)
    for _ in range(2):
        assert client.post("/registry/persons/export/", {"reason": "年度核查名单"}).status_code == 200
    refused = client.post("/registry/persons/export/", {"reason": "年度核查名单"})
    assert refused.status_code == 429 and len(exported()) == 2
    assert client.post("/registry/persons/export/", {"masked": "1"}).status_code == 200  # masked still works
    other = make_user("township_worker", "370502001", username="reads_worker_2")
    client.force_login(other)  # the limit is each user's own
    assert client.post("/registry/persons/export/", {"reason": "年度核查名单"}).status_code == 200
