"""The files uploaded with jobs (lists of people) are deleted CANLIAN_JOB_FILE_DAYS after the job
finished, by the daily task jobs.purge_files; the job keeps its record, and a retry is refused with a
message saying to upload again."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from canlian.core.jobs import actions
from canlian.core.jobs.choices import JobStatus
from canlian.core.jobs.daily import daily_tasks
from canlian.core.jobs.models import Job
from canlian.platform.errors import InvalidState


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.CANLIAN_JOB_FILE_DAYS = 30


def finished(actor, *, status: str, days_ago: float) -> Job:
    job = actions.job_submit(
        actor=actor,
        kind="regions.import",
        region_code="370502",
        enqueue=False,
        upload=SimpleUploadedFile("r.csv", "代码,名称\n370502002,黄河路街道\n".encode()),
    )
    Job.objects.filter(pk=job.pk).update(
        status=status, finished_at=timezone.now() - dt.timedelta(days=days_ago)
    )
    job.refresh_from_db()
    return job


def test_files_of_jobs_finished_before_the_limit_are_deleted_and_retry_is_refused(county_admin):
    old_failed = finished(county_admin, status=JobStatus.FAILED, days_ago=30.01)
    old_done = finished(county_admin, status=JobStatus.SUCCEEDED, days_ago=31)
    recent = finished(county_admin, status=JobStatus.FAILED, days_ago=29.99)
    paths = {job.pk: Path(job.params["path"]) for job in (old_failed, old_done, recent)}
    assert all(p.is_file() for p in paths.values())

    assert actions.jobs_purge_files() == 2
    assert not paths[old_failed.pk].exists() and not paths[old_done.pk].exists()
    assert paths[recent.pk].is_file()  # 29.99 days: kept, still retryable
    old_failed.refresh_from_db()
    assert old_failed.params["file_purged"] == timezone.localdate().isoformat()
    with pytest.raises(InvalidState) as refused:
        actions.job_retry(actor=county_admin, job_id=old_failed.pk)
    assert refused.value.code == "job_file_purged"
    assert Job.objects.get(pk=old_failed.pk).status == JobStatus.FAILED
    actions.job_retry(actor=county_admin, job_id=recent.pk)  # the neighbour still can
    assert actions.jobs_purge_files() == 0  # nothing twice


def test_running_and_queued_jobs_keep_their_files_and_the_daily_task_is_registered(county_admin):
    queued = finished(county_admin, status=JobStatus.QUEUED, days_ago=90)
    assert actions.jobs_purge_files() == 0 and Path(queued.params["path"]).is_file()
    assert "jobs.purge_files" in {task.code for task in daily_tasks()}
