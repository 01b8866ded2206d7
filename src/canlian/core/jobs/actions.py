"""Submitting, retrying and cancelling jobs."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_record
from canlian.core.audit.events import EventType
from canlian.core.jobs.choices import JobStatus
from canlian.core.jobs.models import Job
from canlian.core.jobs.registry import get_job_kind
from canlian.platform.errors import InvalidState, NotFound, PermissionDenied
from canlian.platform.scoping import assert_in_scope


def _enqueue_on_commit(job: Job) -> None:
    def enqueue() -> None:
        from canlian.core.jobs.tasks import run_job_task

        result = run_job_task.enqueue(job.pk)
        Job.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])

    transaction.on_commit(enqueue)


def job_upload_dir(job: Job) -> Path:
    path = Path(settings.MEDIA_ROOT) / "jobs" / str(job.pk)
    path.mkdir(parents=True, exist_ok=True)
    return path


@transaction.atomic
def job_submit(
    *,
    actor: Any,
    kind: str,
    params: dict[str, Any] | None = None,
    region_code: str = "",
    upload: File | None = None,
    enqueue: bool = True,
) -> Job:
    """Persist a job and hand it to the worker once the transaction commits. With ``enqueue=False``
    the caller runs it (the command line, with a terminal progress bar)."""
    job_kind = get_job_kind(kind)
    if actor is not None:
        if not actor.has_canlian_perm(job_kind.permission):
            raise PermissionDenied()
        assert_in_scope(actor, job_kind.permission, region_code)
    job = Job.objects.create(
        kind=kind,
        params=dict(params or {}),
        region_code=region_code,
        actor=actor if actor is not None else None,
    )
    if upload is not None:
        if upload.name is None:  # as ``Path(None)`` would
            raise TypeError("job_submit: the upload has no name")
        filename = Path(upload.name).name
        target = job_upload_dir(job) / filename
        with target.open("wb") as fh:
            for chunk in upload.chunks():
                fh.write(chunk)
        job.params["path"] = str(target)
        job.params["filename"] = filename
        job.save(update_fields=["params"])
    audit_record(
        actor=actor, event=EventType.JOB_SUBMITTED, obj=job, new={"kind": kind, "params": job.params}
    )
    if enqueue:
        _enqueue_on_commit(job)
    return job


@transaction.atomic
def job_retry(*, actor: Any, job_id: int) -> Job:
    """Queue a failed job again. Its handler is idempotent, so nothing is done twice."""
    job = Job.objects.select_for_update().filter(pk=job_id).first()
    if job is None:
        raise NotFound()
    if actor is not None:
        assert_in_scope(actor, "jobs.manage", job.region_code)
    if job.status not in (JobStatus.FAILED, JobStatus.CANCELLED):
        raise InvalidState(_("Only a failed or cancelled job can be retried."), code="job_not_failed")
    if job.params.get("file_purged"):
        raise InvalidState(
            _("The file uploaded with this job was deleted on %(day)s; upload it again.")
            % {"day": job.params["file_purged"]},
            code="job_file_purged",
        )
    job.status = JobStatus.QUEUED
    job.error = job.error_code = ""
    job.finished_at = None
    job.save(update_fields=["status", "error", "error_code", "finished_at", "updated_at"])
    audit_record(actor=actor, event=EventType.JOB_RETRIED, obj=job, new={"attempt": job.attempts + 1})
    _enqueue_on_commit(job)
    return job


@transaction.atomic
def job_cancel(*, actor: Any, job_id: int) -> Job:
    """Cancel a job that has not started yet."""
    job = Job.objects.select_for_update().filter(pk=job_id).first()
    if job is None:
        raise NotFound()
    if actor is not None:
        assert_in_scope(actor, "jobs.manage", job.region_code)
    if job.status != JobStatus.QUEUED:
        raise InvalidState(_("Only a queued job can be cancelled."), code="job_not_queued")
    job.status = JobStatus.CANCELLED
    job.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, event=EventType.JOB_CANCELLED, obj=job)
    return job


FINISHED_STATUSES = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)


def jobs_purge_files(*, now: Any = None) -> int:
    """Delete the files uploaded with jobs that finished more than ``CANLIAN_JOB_FILE_DAYS`` days ago
    (they hold lists of people: kept no longer than needed to correct and retry). The job keeps its
    counts, log and result; ``params["file_purged"]`` records the day, and a retry is then refused.
    Returns how many jobs' files were deleted."""
    now = now or timezone.now()
    limit = now - dt.timedelta(days=settings.CANLIAN_JOB_FILE_DAYS)
    root = Path(settings.MEDIA_ROOT) / "jobs"
    day = timezone.localtime(now).date().isoformat()
    purged = 0
    candidates = Job.objects.filter(status__in=FINISHED_STATUSES, finished_at__lt=limit).exclude(
        params__has_key="file_purged"
    )
    for pk, params in candidates.filter(params__has_key="path").values_list("pk", "params"):
        folder = root / str(pk)
        if not folder.is_dir():
            continue  # a file the job read from elsewhere (the command line, the package's data)
        shutil.rmtree(folder)
        Job.objects.filter(pk=pk).update(params={**params, "file_purged": day})
        purged += 1
    return purged
