"""The one writer of audit rows. Actions call ``audit_record`` inside their own transaction, so the
audit row commits or rolls back with the change it describes."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

from django.db import connection, transaction

from canlian.core.audit.events import EventType, is_registered
from canlian.core.audit.models import AuditEvent
from canlian.platform.requestid import current_client_ip, current_request_id


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if hasattr(value, "pk"):
        return value.pk
    return value


def actor_label(actor: Any) -> str:
    if actor is None:
        return "system"
    return getattr(actor, "username", None) or str(actor)


def audit_record(
    *,
    actor: Any,
    event: EventType | str,
    obj: Any = None,
    object_type: str | None = None,
    object_id: Any = None,
    object_repr: str | None = None,
    region_code: str | None = None,
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
) -> AuditEvent:
    """Write one audit row. Must run inside the caller's transaction (it is part of the write)."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record() must be called inside the action's transaction")
    if not is_registered(str(event)):
        raise ValueError(
            f"unregistered audit event code {str(event)!r}: declare it in the app's events.py and register it"
        )
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id if object_id is not None else obj.pk
        object_repr = object_repr if object_repr is not None else str(obj)
        if region_code is None:
            region_code = getattr(obj, getattr(obj, "scope_field", "region_code"), None)
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor=user,
        actor_label=actor_label(actor),
        event_type=str(event),
        object_type=object_type or "",
        object_id="" if object_id is None else str(object_id)[:64],
        object_repr=(object_repr or "")[:200],
        region_code=region_code or "",
        old_values=_jsonable(old) if old is not None else None,
        new_values=_jsonable(new) if new is not None else None,
        request_id=current_request_id()[:64],
        ip_address=current_client_ip(),
    )


@transaction.atomic
def audit_sensitive_read(
    *, actor: Any, event: EventType | str, obj: Any = None, region_code: str | None = None, **details: Any
) -> AuditEvent:
    """Record a view, reveal or export of sensitive personal data (a read, in its own transaction)."""
    return audit_record(actor=actor, event=event, obj=obj, region_code=region_code, new=details or None)


def audit_changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that changed, as (old, new)."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}
