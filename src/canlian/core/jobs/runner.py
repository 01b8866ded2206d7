"""Running a job: claim it, call its handler with a progress reporter, record the outcome."""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import traceback
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.jobs.choices import JobStatus
from canlian.core.jobs.models import Job, JobLogLine
from canlian.core.jobs.progress import JobProgress
from canlian.core.jobs.registry import get_job_kind
from canlian.platform.errors import DomainError, ValidationFailed
from canlian.platform.requestid import request_context

logger = logging.getLogger(__name__)


#: The code of a job failed because its worker stopped (killed, machine restarted) while it ran.
WORKER_LOST = "worker_lost"


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def jobs_fail_lost(*, now: Any = None) -> int:
    """Fail the running jobs whose worker is gone, so that they can be retried: the heartbeat is older
    than ``CANLIAN_JOB_STALE_SECONDS``, or the worker was a process of this host that no longer
    exists. The handler's writes were in one transaction, which the database rolled back when the
    process died. Returns how many jobs were failed."""
    now = now or timezone.now()
    limit = now - dt.timedelta(seconds=settings.CANLIAN_JOB_STALE_SECONDS)
    host = socket.gethostname()
    lost: list[tuple[int, str]] = []
    for pk, beat, started, worker in Job.objects.filter(status=JobStatus.RUNNING).values_list(
        "pk", "heartbeat_at", "started_at", "worker"
    ):
        last = beat or started
        name, _sep, pid = worker.rpartition(":")
        if name == host and pid.isdigit():
            # A worker of this host: its process tells (a live one may hold SQLite's write lock and
            # so miss its beats; a dead one is lost at once).
            if int(pid) != os.getpid() and not _pid_alive(int(pid)):
                reason = _("The worker process %(worker)s stopped while the job ran.") % {"worker": worker}
                lost.append((pk, reason))
        elif last is not None and last < limit:
            reason = _("The worker stopped sending its heartbeat at %(time)s.") % {
                "time": timezone.localtime(last).strftime("%Y-%m-%d %H:%M:%S")
            }
            lost.append((pk, reason))
    failed = 0
    for pk, reason in lost:
        with transaction.atomic():
            failed += Job.objects.filter(pk=pk, status=JobStatus.RUNNING).update(
                status=JobStatus.FAILED, error=reason, error_code=WORKER_LOST, finished_at=now, updated_at=now
            )
            JobLogLine.objects.create(job_id=pk, level="error", message=reason)
    return failed


class _Heartbeat:
    """A thread writing the job's ``heartbeat_at`` from its own database connection every
    ``CANLIAN_JOB_HEARTBEAT_SECONDS``. A beat that cannot be written (SQLite while the handler holds
    the write lock) is skipped: the stale limit is many beats long, and a worker of the same host is
    judged by its process instead."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.interval = settings.CANLIAN_JOB_HEARTBEAT_SECONDS
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"job-{job_id}-heartbeat", daemon=True)

    def __enter__(self) -> _Heartbeat:
        if self.interval > 0:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                Job.objects.filter(pk=self.job_id, status=JobStatus.RUNNING).update(
                    heartbeat_at=timezone.now()
                )
            except DatabaseError:
                logger.warning("job %s: heartbeat not written", self.job_id)
            finally:
                connection.close()


def _claim(job_id: int) -> Job | None:
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status != JobStatus.QUEUED:
            return None
        job.status = JobStatus.RUNNING
        job.started_at = job.heartbeat_at = timezone.now()
        job.worker = worker_name()
        job.finished_at = None
        job.attempts += 1
        job.error = job.error_code = ""
        job.progress_done = 0
        job.save(
            update_fields=[
                "status",
                "started_at",
                "heartbeat_at",
                "worker",
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
    """Run a queued job to its end. ``progress`` may wrap the job's own reporter (a terminal bar).
    Jobs another worker left running when it died are failed first (``jobs_fail_lost``)."""
    jobs_fail_lost()
    job = _claim(job_id)
    if job is None:
        return None
    reporter = JobProgress(job)
    outer = progress(reporter) if callable(progress) else reporter
    kind = get_job_kind(job.kind)
    status, error, error_code, result = JobStatus.SUCCEEDED, "", "", {}
    with request_context(f"job-{job.pk}-{job.attempts}"), _Heartbeat(job.pk):
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
