"""Department lists as persisted jobs: the upload page stores the file and submits a job, running it
loads the rows (and compares), the job's page shows the progress then the list; a bad file fails the
job with the row and field named and leaves nothing; a retried job does not load the list twice; a
comparison run from the list's page is a job too."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from matching_world import list_file
from registry_factories import registered, resident_id
from test_programs_cycles import make_setup

from canlian.core.jobs.choices import JobStatus
from canlian.core.jobs.models import Job
from canlian.core.jobs.runner import run_job
from canlian.domains.matching.models import ComparisonRun, Finding, ListRow, ListSource, ListUpload


@pytest.fixture
def world(regions, make_user, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    setup = make_setup(make_user)
    setup["city"] = make_user("city_admin", "3705", username="city")
    setup["township"] = make_user("township_worker", "370502001", username="wenhui")
    return setup


def _post(client, path, **extra):
    data = {
        "region_code": "3705",
        "department": "civil_affairs",
        "list_kind": "dibao",
        "as_of": "2026-11-30",
        "run": "on",
        "file": SimpleUploadedFile(path.name, path.read_bytes()),
        **extra,
    }
    return client.post(reverse("matching:upload-create"), data)


def test_upload_submits_a_job_that_loads_the_rows_and_compares(
    client, english, world, tmp_path, django_capture_on_commit_callbacks
):
    person = registered(name="作业", birth="19700101")
    path = list_file(
        [["1", "作业", person.id_number, "", "低保"], ["2", "坏", "12345", "", ""]],
        encoding="gbk",
        folder=tmp_path,
    )
    client.force_login(world["city"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _post(client, path)
    job = Job.objects.get(kind="matching.list_upload")
    assert response.status_code == 302
    assert response["Location"] == reverse("matching:upload-job", args=[job.pk])
    # Submitted, not yet run: the file is stored with the job, nothing is loaded.
    assert (job.kind, job.status, job.region_code) == ("matching.list_upload", JobStatus.QUEUED, "3705")
    assert open(job.params["path"], "rb").read() == path.read_bytes()
    assert not ListUpload.objects.exists() and not ListSource.objects.exists()
    page = client.get(response["Location"])
    assert page.status_code == 200 and 'hx-trigger="every 1s"' in page.content.decode()
    for callback in callbacks:  # the worker picks it up once the request's transaction commits
        callback()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    up = ListUpload.objects.get()
    assert (up.job_id, up.row_count, up.rejected_count) == (job.pk, 1, 1)
    assert not Path(job.params["path"]).exists()  # the file named people: gone once loaded
    assert list(ListRow.objects.filter(upload=up).values_list("row_no", flat=True)) == [3]
    assert job.counts["rows"] == 1 and job.counts["rejected"] == 1 and job.counts["new"] == 1
    assert Finding.objects.filter(upload=up, person=person, rule__code="dibao-living-subsidy").exists()
    body = client.get(response["Location"]).content.decode()
    assert reverse("matching:upload-detail", args=[up.pk]) in body
    assert "every 1s" not in body and "12345" in body and "id_number" in body
    partial = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<div id="list-job-progress"')
    # A township worker (no matching.lists) may not see the job.
    client.force_login(world["township"])
    assert client.get(response["Location"]).status_code == 403


def test_a_bad_file_fails_the_job_naming_row_and_field_and_leaves_nothing(
    client, english, world, tmp_path, django_capture_on_commit_callbacks
):
    good_id = resident_id("370502", "19800202")
    bad_check = good_id[:-1] + ("0" if good_id[-1] != "0" else "1")
    path = list_file(
        [["1", "甲", bad_check, "", ""], ["2", "乙", resident_id("370502", "19810303"), "2026年13月1日", ""]],
        header=["序号", "姓名", "公民身份号码", "认定日期", "状态"],
        folder=tmp_path,
    )
    client.force_login(world["city"])
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, path)
    job = Job.objects.get(kind="matching.list_upload")
    assert job.status == JobStatus.FAILED and job.error_code == "validation_failed"
    assert [(e["row"], e["field"]) for e in job.result["errors"]] == [("3", "id_number"), ("4", "event_date")]
    assert not ListUpload.objects.exists() and not ListRow.objects.exists()
    assert not ListSource.objects.exists() and not ComparisonRun.objects.exists()
    body = client.get(response["Location"]).content.decode()
    assert 'data-status="failed"' in body and "event_date" in body and bad_check in body


def test_without_id_column_the_page_refuses_before_any_job(client, english, world, tmp_path):
    path = list_file([["1", "x", "y"]], header=["序号", "姓名", "备注"], folder=tmp_path)
    client.force_login(world["city"])
    response = _post(client, path)
    assert response.status_code == 200 and "ID number" in response.content.decode()
    assert not Job.objects.filter(kind__startswith="matching.").exists() and not ListSource.objects.exists()


def test_a_retried_job_does_not_load_twice_and_a_run_is_a_job(
    client, english, world, tmp_path, django_capture_on_commit_callbacks
):
    person = registered(name="重试", birth="19700101")
    path = list_file([["1", "重试", person.id_number, "", "低保"]], folder=tmp_path)
    client.force_login(world["city"])
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, path)
    job = Job.objects.get(kind="matching.list_upload")
    Job.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED)  # as if retried after a failure
    run_job(job.pk)
    assert ListUpload.objects.count() == 1 and ListRow.objects.count() == 1
    assert ComparisonRun.objects.count() == 1 and Finding.objects.count() == 1
    up = ListUpload.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("matching:upload-run", args=[up.pk]))
    run_job_row = Job.objects.get(kind="matching.comparison_run")
    assert response["Location"] == reverse("matching:upload-job", args=[run_job_row.pk])
    assert run_job_row.status == JobStatus.SUCCEEDED
    assert (run_job_row.result["upload_id"], run_job_row.result["new"], run_job_row.result["kept"]) == (
        up.pk,
        0,
        1,
    )
    assert ComparisonRun.objects.count() == 2 and Finding.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        api = client.post(f"/api/v1/matching/lists/{up.pk}/run/")
    assert api.status_code == 202 and api.json()["kind"] == "matching.comparison_run"
    assert ComparisonRun.objects.count() == 3
