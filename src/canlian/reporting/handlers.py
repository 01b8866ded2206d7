"""Job kinds and the daily task of reporting: keeping the indicator summaries current."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy as _

from canlian.core.jobs.daily import register_daily_task
from canlian.core.jobs.models import Job
from canlian.core.jobs.registry import register_job_kind
from canlian.core.permissions import Perm


@register_job_kind(
    "indicators.refresh", label=_("Refresh indicator figures"), permission=Perm.STEERING_TARGETS
)
def indicators_refresh_job(*, job: Job, progress: Any) -> dict[str, Any]:
    from canlian.platform.indicators import get_indicator
    from canlian.reporting.steering.refresh import indicator_refresh

    codes = job.params.get("indicators") or None
    year = job.params.get("year")
    known = []
    for code in codes or []:
        try:
            known.append(get_indicator(code))
        except LookupError:
            progress.log(str(_("Unknown indicator %(code)s skipped")) % {"code": code})
    month = job.params.get("month")
    result = indicator_refresh(
        indicators=known or None, year=int(year) if year else None, from_month=int(month) if month else None
    )
    progress.log(
        str(_("%(indicators)s indicators, %(months)s months, %(rows)s rows in %(seconds)s s"))
        % result.as_dict()
    )
    return result.as_dict()


@register_daily_task("indicators.refresh", label=_("Refresh every indicator of the current year"))
def _refresh_daily(today: dt.date) -> int:
    from canlian.reporting.steering.refresh import indicator_refresh

    result = indicator_refresh(today=today)
    if today.month == 1 and today.day <= 7:
        # the first week of a year: the last year's December settles (late bank results, arrears)
        indicator_refresh(year=today.year - 1, today=today)
    return result.indicators
