"""The daily task of data comparison: delete the rows of lists whose retention ended."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from canlian.core.jobs.daily import register_daily_task


@register_daily_task("matching.purge_expired_lists", label=_("Delete department lists past their retention"))
def _purge(today: dt.date) -> int:
    from canlian.domains.matching.actions import lists_purge_expired
    from canlian.platform.access import SYSTEM

    return len(lists_purge_expired(actor=SYSTEM, on=today))
