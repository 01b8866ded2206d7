"""Supervision's daily task: escalate rectification notices past their deadline (once per deadline)."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from canlian.core.jobs.daily import register_daily_task


@register_daily_task("supervision.escalate_overdue", label=_("Escalate overdue rectification notices"))
def _escalate_overdue(today: dt.date) -> int:
    from canlian.domains.supervision.actions import escalate_overdue
    from canlian.platform.access import SYSTEM

    return len(escalate_overdue(actor=SYSTEM, on=today))
