"""Progress of a job written to its row: throttled, and only outside the handler's write
transaction (inside it other connections could not see it yet; SQLite could not even write it)."""

from __future__ import annotations

import time

from django.db import connection
from django.utils import timezone

from canlian.core.jobs.models import Job, JobLogLine


class JobProgress:
    def __init__(self, job: Job, min_interval: float = 0.5) -> None:
        self.job = job
        self.min_interval = min_interval
        self._last = 0.0
        self.total: int | None = None
        self.done = 0
        self.stage = ""
        self.counts: dict[str, int] = dict(job.counts or {})
        self._pending_log: list[tuple[str, str]] = []
        # Transactions already open when the job started (a test's, a caller's) do not hold progress back;
        # only the handler's own write transaction does.
        self._base_depth = len(connection.atomic_blocks)

    def _flush(self, force: bool = False) -> None:
        if len(connection.atomic_blocks) > self._base_depth:
            return
        now = time.monotonic()
        if not force and now - self._last < self.min_interval:
            return
        self._last = now
        Job.objects.filter(pk=self.job.pk).update(
            progress_done=self.done,
            progress_total=self.total,
            stage=self.stage[:80],
            counts=self.counts,
            updated_at=timezone.now(),
        )
        if self._pending_log:
            JobLogLine.objects.bulk_create(
                [JobLogLine(job_id=self.job.pk, level=level, message=msg) for level, msg in self._pending_log]
            )
            self._pending_log = []

    def start(self, total: int | None, stage: str = "") -> None:
        self.total, self.done, self.stage = total, 0, str(stage)
        self._flush(force=True)

    def advance(self, n: int = 1) -> None:
        self.done += n
        self._flush()

    def log(self, message: str, level: str = "info") -> None:
        self._pending_log.append((level, str(message)))
        self._flush()

    def count(self, **counts: int) -> None:
        self.counts.update(counts)
        self._flush()

    def close(self) -> None:
        self._flush(force=True)
