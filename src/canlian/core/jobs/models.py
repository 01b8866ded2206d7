from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from canlian.core.jobs.choices import ACTIVE_STATUSES, JobStatus
from canlian.platform.scoping import RegionScopedQuerySet


class JobQuerySet(RegionScopedQuerySet):
    pass


class Job(models.Model):
    """A unit of long work with status, progress, counts and a log; run by the worker, visible on the
    job page. A job's effects are written in one transaction by an idempotent handler, so a failed
    job can be retried without duplicating anything."""

    kind = models.CharField(_("kind"), max_length=64, db_index=True)
    status = models.CharField(_("status"), max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    stage = models.CharField(_("stage"), max_length=80, blank=True)
    progress_done = models.PositiveIntegerField(_("done"), default=0)
    progress_total = models.PositiveIntegerField(_("total"), null=True, blank=True)
    error_code = models.CharField(_("error code"), max_length=64, blank=True)
    error = models.TextField(_("error"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    region_code = models.CharField(_("region code"), max_length=12, blank=True, db_index=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    task_id = models.CharField(_("task id"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    #: Written every CANLIAN_JOB_HEARTBEAT_SECONDS by the running worker (from its own connection, so
    #: also while the handler's transaction is open); a running job whose heartbeat stopped is failed.
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    #: ``host:pid`` of the worker process running it.
    worker = models.CharField(_("worker"), max_length=120, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = JobQuerySet.as_manager()
    permission_prefix = "jobs"

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "id"], name="job_status_id")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind_label}"

    @property
    def kind_label(self) -> str:
        from canlian.core.jobs.registry import job_kind_label

        return str(job_kind_label(self.kind))

    @property
    def count_items(self) -> list[tuple[str, int]]:
        """The counts under their names (``count_label``), for the job page."""
        from canlian.core.jobs.registry import count_label

        return [(str(count_label(key)), value) for key, value in (self.counts or {}).items()]

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def percent(self) -> int:
        if self.status == JobStatus.SUCCEEDED:
            return 100
        if not self.progress_total:
            return 0
        return min(100, int(self.progress_done * 100 / self.progress_total))

    @property
    def duration(self) -> dt.timedelta | None:
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None


class JobLogLine(models.Model):
    """One line of a job's log."""

    job = models.ForeignKey(Job, verbose_name=_("job"), on_delete=models.CASCADE, related_name="log_lines")
    at = models.DateTimeField(_("time"), auto_now_add=True)
    level = models.CharField(_("level"), max_length=8, default="info")
    message = models.TextField(_("message"))

    class Meta:
        verbose_name = _("job log line")
        verbose_name_plural = _("job log lines")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.message[:80]

    @property
    def level_label(self) -> str:
        labels = {"info": _("info"), "warning": _("warning"), "error": _("error")}
        return str(labels.get(self.level, self.level))
