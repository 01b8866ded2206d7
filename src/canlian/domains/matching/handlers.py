"""The daily task of data comparison (delete the rows of lists whose retention ended) and its job
kinds: a list's load (and first comparison), a comparison run."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy as _

from canlian.core.jobs.daily import register_daily_task
from canlian.core.jobs.registry import register_count_labels, register_job_kind
from canlian.core.permissions import Perm


@register_daily_task("matching.purge_expired_lists", label=_("Delete department lists past their retention"))
def _purge(today: dt.date) -> int:
    from canlian.domains.matching.actions import lists_purge_expired
    from canlian.platform.access import SYSTEM

    return len(lists_purge_expired(actor=SYSTEM, on=today))


@register_job_kind(
    "matching.list_upload", label=_("Load a department's list"), permission=Perm.MATCHING_LISTS
)
def _list_upload_job(*, job: Any, progress: Any) -> dict[str, Any]:
    from canlian.domains.matching.actions import list_upload_job

    return list_upload_job(job=job, progress=progress)


@register_job_kind("matching.comparison_run", label=_("Compare a list"), permission=Perm.MATCHING_MANAGE)
def _comparison_run_job(*, job: Any, progress: Any) -> dict[str, Any]:
    from canlian.domains.matching.actions import comparison_run_job

    return comparison_run_job(job=job, progress=progress)


register_count_labels(
    rows=_("Rows kept"),
    hits=_("Hits"),
    kept=_("Open findings still hit"),
    lapsed=_("Findings no longer applying"),
)
