"""The jobs app's own daily task."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from canlian.core.jobs.actions import jobs_purge_files
from canlian.core.jobs.daily import register_daily_task
from canlian.core.jobs.runner import jobs_fail_lost


@register_daily_task("jobs.fail_lost", label=_("Fail jobs whose worker stopped, so they can be retried"))
def fail_lost_jobs(today: dt.date) -> int:
    return jobs_fail_lost()


@register_daily_task(
    "jobs.purge_files", label=_("Delete the files uploaded with jobs that finished long ago")
)
def purge_job_files(today: dt.date) -> int:
    return jobs_purge_files()
