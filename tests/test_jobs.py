"""Jobs: submitted, run by the worker task, progress and counts persisted, failures shown, retried
without duplicating effects, and visible only in scope."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from canlian.core.audit.models import AuditEvent
from canlian.core.jobs import actions
from canlian.core.jobs.choices import JobStatus
from canlian.core.jobs.models import Job
from canlian.core.jobs.runner import run_job
from canlian.core.regions.models import Region
from canlian.platform.errors import InvalidState


def upload(text: str, name: str = "towns.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_submitted_job_runs_on_commit_with_progress(county_admin, django_capture_on_commit_callbacks):
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        job = actions.job_submit(
            actor=county_admin,
            kind="regions.import",
            region_code="370502",
            upload=upload("代码,名称\n370502002,黄河路街道\n370502002001,李家村\n"),
        )
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.counts == {"created": 2, "updated": 0, "unchanged": 0}
    assert job.percent == 100 and job.progress_total == 2 and job.attempts == 1
    assert job.started_at and job.finished_at and job.task_id
    assert job.log_lines.filter(message__contains="2 created").exists()
    assert Region.objects.get(code="370502002001").parent.code == "370502002"
    assert AuditEvent.objects.filter(event_type="job.submitted", object_id=str(job.pk)).exists()


def test_failed_job_shows_row_errors_and_retry_does_not_duplicate(county_admin, monkeypatch):
    job = actions.job_submit(
        actor=county_admin,
        kind="regions.import",
        region_code="370502",
        enqueue=False,
        upload=upload("代码,名称\n370502002,黄河路街道\n370502002001,李家村\n"),
    )
    from canlian.core.regions import actions as region_actions

    def crash(**kwargs):
        raise RuntimeError("disk full")

    # Crash after the rows were written, inside the import's transaction: everything rolls back.
    original = region_actions.audit_record
    monkeypatch.setattr(region_actions, "audit_record", crash)
    job = run_job(job.pk)
    assert job.status == JobStatus.FAILED and "disk full" in job.error and job.error_code == "internal_error"
    assert not Region.objects.filter(code__startswith="370502002").exists()

    monkeypatch.setattr(region_actions, "audit_record", original)
    actions.job_retry(actor=county_admin, job_id=job.pk)
    job = run_job(job.pk)
    assert job.status == JobStatus.SUCCEEDED and job.attempts == 2
    assert Region.objects.filter(code__startswith="370502002").count() == 2
    assert AuditEvent.objects.filter(event_type="regions.imported").count() == 1
    with pytest.raises(InvalidState):
        actions.job_retry(actor=county_admin, job_id=job.pk)


def test_validation_failure_keeps_rejected_rows_in_result(county_admin):
    job = actions.job_submit(
        actor=county_admin,
        kind="regions.import",
        region_code="370502",
        enqueue=False,
        upload=upload("代码,名称\n370599001,无父镇\n"),
    )
    job = run_job(job.pk)
    assert job.status == JobStatus.FAILED and job.error_code == "validation_failed"
    assert (
        job.result["errors"][0]["row"] == "2" and job.result["errors"][0]["field"] == "代码"
    )  # the file's own column


def test_running_a_job_twice_is_a_no_op(county_admin):
    job = actions.job_submit(
        actor=county_admin,
        kind="regions.import",
        region_code="370502",
        enqueue=False,
        upload=upload("code,name\n370502004,东城街道\n"),
    )
    assert run_job(job.pk).status == JobStatus.SUCCEEDED
    assert run_job(job.pk) is None  # not queued any more: the worker skips it
    assert Job.objects.get(pk=job.pk).attempts == 1


def test_job_page_and_progress_partial(client, county_admin, make_user):
    job = actions.job_submit(
        actor=county_admin,
        kind="regions.import",
        region_code="370502",
        enqueue=False,
        upload=upload("code,name\n370502005,胜利街道\n"),
    )
    client.force_login(county_admin)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in page and 'data-status="queued"' in page
    run_job(job.pk)
    partial = client.get(f"/jobs/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'data-status="succeeded"' in partial and "<html" not in partial and "every 1s" not in partial
    other = make_user("county_admin", "370505")
    client.force_login(other)
    assert client.get(f"/jobs/{job.pk}/").status_code == 404


def test_import_command_reports_rows_and_exit_code(regions, tmp_path, capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    good = tmp_path / "good.csv"
    good.write_text("代码,名称\n370502006,六户镇\n", encoding="utf-8")
    call_command("import_regions", str(good))
    assert Region.objects.filter(code="370502006").exists()
    bad = tmp_path / "bad.csv"
    bad.write_text("代码,名称\n370502006,六户镇\n370502006,又一个\n", encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        call_command("import_regions", str(bad))
    assert "validation_failed" in str(caught.value)
    assert "row 3" in capsys.readouterr().err
