"""Running a job: claim it, call its handler with a progress reporter, record the outcome."""

from __future__ import annotations

import logging
import traceback
from typing import Any

from django.db import transaction
from django.utils import timezone

from canlian.core.jobs.choices import JobStatus
from canlian.core.jobs.models import Job, JobLogLine
from canlian.core.jobs.progress import JobProgress
from canlian.core.jobs.registry import get_job_kind
from canlian.platform.errors import DomainError, ValidationFailed
from canlian.platform.requestid import request_context

logger = logging.getLogger(__name__)


def _claim(job_id: int) -> Job | None:
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status != JobStatus.QUEUED:
            return None
        job.status = JobStatus.RUNNING
        job.started_at = timezone.now()
        job.finished_at = None
        job.attempts += 1
        job.error = job.error_code = ""
        job.progress_done = 0
        job.save(
            update_fields=[
                "status",
                "started_at",
                "finished_at",
                "attempts",
                "error",
                "error_code",
                "progress_done",
                "updated_at",
            ]
        )
    return job


def run_job(job_id: int, *, progress: Any = None) -> Job | None:
    """Run a queued job to its end. ``progress`` may wrap the job's own reporter (a terminal bar)."""
    job = _claim(job_id)
    if job is None:
        return None
    reporter = JobProgress(job)
    outer = progress(reporter) if callable(progress) else reporter
    kind = get_job_kind(job.kind)
    status, error, error_code, result = JobStatus.SUCCEEDED, "", "", {}
    with request_context(f"job-{job.pk}-{job.attempts}"):
        try:
            result = kind.handler(job=job, progress=outer) or {}
        except ValidationFailed as exc:
            status, error, error_code = JobStatus.FAILED, exc.message, exc.code
            result = {"errors": [e.as_dict() for e in exc.errors[:1000]], "error_count": len(exc.errors)}
            reporter.log(exc.message, "error")
        except DomainError as exc:
            status, error, error_code = JobStatus.FAILED, exc.message, exc.code
            reporter.log(exc.message, "error")
        except Exception as exc:
            logger.exception("job %s failed", job.pk)
            status, error, error_code = JobStatus.FAILED, f"{type(exc).__name__}: {exc}", "internal_error"
            reporter.log(traceback.format_exc(limit=8), "error")
    if hasattr(outer, "close"):
        outer.close()
    reporter.close()
    Job.objects.filter(pk=job.pk).update(
        status=status,
        error=error,
        error_code=error_code,
        result=result,
        counts=reporter.counts,
        progress_done=reporter.total if status == JobStatus.SUCCEEDED and reporter.total else reporter.done,
        progress_total=reporter.total,
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )
    if status == JobStatus.SUCCEEDED:
        JobLogLine.objects.create(job=job, message="done")
    job.refresh_from_db()
    return job
