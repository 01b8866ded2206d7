"""Writes of the dashboard pages: the audited read of the people behind a figure, and the
"refresh now" request that queues the ``indicators.refresh`` job. (Targets are written in
``targets.py``.)"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from canlian.core.audit.actions import audit_record
from canlian.core.audit.models import AuditEvent
from canlian.core.jobs.actions import job_submit
from canlian.core.jobs.models import Job
from canlian.core.permissions import Perm
from canlian.platform.access import authorize, is_system
from canlian.platform.errors import InvalidState
from canlian.platform.indicators import Indicator, Window
from canlian.platform.inputs import as_int, as_text, field_error
from canlian.reporting.events import ReportingEvent
from canlian.reporting.steering.selectors import check_region, indicators_visible


@transaction.atomic
def indicator_records_viewed(
    *,
    actor: Any,
    indicator: Indicator,
    region_code: str,
    window: Window,
    count: int,
    page: str = "",
) -> AuditEvent:
    """One audit row per page of the people or records behind a figure: which indicator, region and
    period, and how many rows the page showed (``page``: the keyset cursor, "" for the first)."""
    return audit_record(
        actor=actor,
        event=ReportingEvent.INDICATOR_RECORDS_VIEWED,
        object_type="steering.indicator",
        object_id=indicator.code,
        object_repr=str(indicator.name),
        region_code=region_code,
        new={
            "indicator": indicator.code,
            "region": region_code,
            "year": window.year,
            "month": window.month,
            "from": window.start,
            "to": window.end,
            "count": count,
            "page": page,
        },
    )


@transaction.atomic
def indicators_refresh_request(
    *,
    actor: Any,
    region_code: str | None,
    year: Any,
    codes: list[str] | None = None,
    today: dt.date | None = None,
) -> Job:
    """Queue the ``indicators.refresh`` job for one year, on behalf of a region of the actor's scope
    (the job's region): the indicators ``codes`` (each one the actor sees), or every indicator the
    actor sees. The summaries are national, so every region's figures of them are recomputed."""
    today = today or timezone.localdate()
    if region_code is None:
        raise field_error("region", _("Choose a region."))
    region_code = as_text(region_code, "region", max_length=12)
    year_value = as_int(year, "year", low=2000, high=today.year)
    authorize(actor, Perm.STEERING_TARGETS, region_code)
    if not is_system(actor):
        check_region(user=actor, region_code=region_code)
    visible = [i.code for i in indicators_visible(user=actor)]
    if codes:
        unknown = [c for c in codes if c not in visible]
        if unknown:
            raise field_error("indicator", _("Choose an indicator you may see."), unknown[0])
    codes = list(dict.fromkeys(codes)) if codes else visible
    if not codes:
        raise InvalidState(_("There is no indicator to refresh."), code="no_indicators")
    job = job_submit(
        actor=None if is_system(actor) else actor,
        kind="indicators.refresh",
        params={"indicators": codes, "year": year_value, "region": region_code},
        region_code=region_code,
    )
    audit_record(
        actor=actor,
        event=ReportingEvent.INDICATORS_REFRESHED,
        obj=job,
        region_code=region_code,
        new={"job": job.pk, "year": year_value, "region": region_code, "indicators": codes},
    )
    return job
