"""Hardship statuses (低保, 特困, monitored households…) with their periods."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_record
from canlian.core.audit.events import EventType
from canlian.core.registry.actions._common import EDIT, locked_person
from canlian.core.registry.actions.households import household_ids_of, households_refresh_flags
from canlian.core.registry.choices import HardshipKind, HardshipSource, MonitoredType, RiskCause
from canlian.core.registry.hooks import persons_changed
from canlian.core.registry.models import HardshipStatus
from canlian.platform.access import lock_for
from canlian.platform.errors import Conflict, InvalidState
from canlian.platform.inputs import field_error


@transaction.atomic
def hardship_add(
    *,
    actor: Any,
    person_id: int,
    kind: str,
    valid_from: dt.date,
    source: str = HardshipSource.MANUAL,
    monitored_type: str = "",
    risk_cause: str = "",
    note: str = "",
) -> HardshipStatus:
    person = locked_person(actor, person_id)
    if kind not in HardshipKind.values:
        raise field_error("kind", _("Unknown hardship status."), kind)
    if source not in HardshipSource.values:
        raise field_error("source", _("Unknown source."), source)
    if kind == HardshipKind.MONITORED:
        if monitored_type not in MonitoredType.values:
            raise field_error("monitored_type", _("Choose the monitored-household type."), monitored_type)
        if risk_cause not in RiskCause.values:
            raise field_error("risk_cause", _("Choose the main risk cause."), risk_cause)
    else:
        monitored_type = risk_cause = ""
    if person.hardships.filter(kind=kind, valid_to__isnull=True).exists():
        raise Conflict(_("This status is already open for the person."), code="hardship_open", field="kind")
    if person.hardships.filter(kind=kind, valid_to__gte=valid_from).exists():
        raise field_error(
            "valid_from", _("This period overlaps an earlier one of the same status."), valid_from
        )
    status = HardshipStatus.objects.create(
        person=person,
        kind=kind,
        valid_from=valid_from,
        source=source,
        monitored_type=monitored_type,
        risk_cause=risk_cause,
        note=note,
    )
    audit_record(
        actor=actor,
        event=EventType.HARDSHIP_ADDED,
        obj=status,
        region_code=person.region_code,
        new={"person": person.pk, "kind": kind, "valid_from": valid_from, "source": source},
    )
    if kind == HardshipKind.ORPHAN:
        households_refresh_flags(household_ids=household_ids_of([person.pk]))
    persons_changed(
        actor=actor, person_ids=[person.pk], reason=f"{HardshipKind(kind).label} {_('from')} {valid_from}"
    )
    return status


@transaction.atomic
def hardship_end(*, actor: Any, status_id: int, valid_to: dt.date, note: str = "") -> HardshipStatus:
    status = lock_for(actor, HardshipStatus, status_id, act=EDIT, related=("person",))
    if status.valid_to is not None:
        raise InvalidState(_("This status has already ended."), code="hardship_ended")
    if valid_to < status.valid_from:
        raise field_error("valid_to", _("The end cannot be before the start."), valid_to)
    status.valid_to = valid_to
    if note:
        status.note = note[:200]
    status.save(update_fields=["valid_to", "note"])
    audit_record(
        actor=actor,
        event=EventType.HARDSHIP_ENDED,
        obj=status,
        region_code=status.person.region_code,
        new={"valid_to": valid_to, "note": note},
    )
    if status.kind == HardshipKind.ORPHAN:
        households_refresh_flags(household_ids=household_ids_of([status.person_id]))
    persons_changed(
        actor=actor,
        person_ids=[status.person_id],
        reason=f"{HardshipKind(status.kind).label} {_('ended on')} {valid_to}",
    )
    return status
