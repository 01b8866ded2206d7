"""The calendar's daily task: recompute the provisional deadlines whose years are loaded now."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from canlian.core.jobs.daily import register_daily_task


@register_daily_task("calendar.recompute_deadlines", label=_("Recompute provisional deadlines"))
def recompute_deadlines(today: dt.date) -> int:
    from canlian.core.calendar.actions import deadlines_recompute

    return deadlines_recompute(actor=None)
