"""Reads of the audit log, always through the auditor's region scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet

from canlian.core.audit.models import AuditEvent


def audit_events_for(
    *,
    user: Any,
    event_type: str | None = None,
    actor: str | None = None,
    region_code: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    request_id: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[AuditEvent]:
    qs = AuditEvent.objects.for_user(user, "audit.view")
    if event_type:
        qs = qs.filter(event_type=event_type)
    if actor:
        qs = qs.filter(actor_label=actor)
    if region_code:
        qs = qs.filter(region_code__startswith=region_code)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if request_id:
        qs = qs.filter(request_id=request_id)
    if date_from:
        qs = qs.filter(occurred_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(occurred_at__date__lte=date_to)
    return qs.order_by("-id")
