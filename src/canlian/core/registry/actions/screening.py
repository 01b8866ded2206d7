"""Screening (摸排): a suspected disabled person found, scheduled, and concluded."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_record
from canlian.core.audit.events import EventType
from canlian.core.registry.actions._common import EDIT, region_exists
from canlian.core.registry.actions.certificates import certificate_issue
from canlian.core.registry.actions.persons import person_register
from canlian.core.registry.choices import (
    Category,
    CertificateState,
    PersonSource,
    ScreeningOutcome,
    ScreeningSource,
)
from canlian.core.registry.identity import IdError, normalize_name, normalize_phone, parse_resident_id
from canlian.core.registry.models import Person, ScreeningRecord
from canlian.platform.access import authorize, lock_for, user_or_none
from canlian.platform.errors import Conflict, InvalidState, RowError, ValidationFailed
from canlian.platform.inputs import field_error


@transaction.atomic
def screening_record(
    *,
    actor: Any,
    name: str,
    region_code: str,
    found_on: dt.date,
    id_number: str = "",
    phone: str = "",
    address: str = "",
    suspected_category: int | None = None,
    source: str = ScreeningSource.VILLAGE,
    description: str = "",
) -> ScreeningRecord:
    """A suspected disabled person found in screening, not yet certified."""
    errors: list[RowError] = []
    try:
        name = normalize_name(name)
    except ValueError as exc:
        errors.append(RowError(row=None, field="name", message=str(exc), value=name))
    if id_number:
        try:
            id_number = parse_resident_id(id_number).number
        except IdError as exc:
            errors.append(RowError(row=None, field="id_number", message=str(exc), value=id_number))
    try:
        phone = normalize_phone(phone)
    except ValueError as exc:
        errors.append(RowError(row=None, field="phone", message=str(exc), value=phone))
    if not region_code or not region_exists(region_code):
        errors.append(
            RowError(row=None, field="region_code", message=str(_("Choose the village or community.")))
        )
    if suspected_category is not None and suspected_category not in Category.values:
        errors.append(
            RowError(row=None, field="suspected_category", message=str(_("The category is 1 to 7.")))
        )
    if source not in ScreeningSource.values:
        errors.append(RowError(row=None, field="source", message=str(_("Unknown source."))))
    if found_on > timezone.localdate():
        errors.append(
            RowError(row=None, field="found_on", message=str(_("The date cannot be in the future.")))
        )
    if errors:
        raise ValidationFailed(errors=errors, field=errors[0].field)
    authorize(actor, EDIT, region_code)
    if (
        id_number
        and Person.objects.filter(id_number=id_number, certificates__state=CertificateState.ACTIVE).exists()
    ):
        raise Conflict(
            _("This person already holds a certificate."), code="already_certified", field="id_number"
        )
    record = ScreeningRecord.objects.create(
        name=name,
        id_number=id_number,
        phone=phone,
        region_code=region_code,
        address=address.strip(),
        suspected_category=suspected_category,
        source=source,
        found_on=found_on,
        description=description.strip(),
        created_by=user_or_none(actor),
    )
    audit_record(
        actor=actor,
        event=EventType.SCREENING_RECORDED,
        obj=record,
        new={"name": name, "found_on": found_on, "source": source, "suspected_category": suspected_category},
    )
    return record


def locked_screening(actor: Any, record_id: Any) -> ScreeningRecord:
    return lock_for(actor, ScreeningRecord, record_id, act=EDIT)


@transaction.atomic
def screening_schedule(
    *, actor: Any, record_id: int, appointment_on: dt.date, assessor: str = ""
) -> ScreeningRecord:
    record = locked_screening(actor, record_id)
    if not record.is_open:
        raise InvalidState(_("This screening record is already concluded."), code="screening_closed")
    if appointment_on < record.found_on:
        raise field_error(
            "appointment_on", _("The appointment cannot be before the screening."), appointment_on
        )
    old = {"appointment_on": record.appointment_on, "assessor": record.assessor}
    record.appointment_on, record.assessor = appointment_on, assessor.strip()[:80]
    record.outcome = ScreeningOutcome.SCHEDULED
    record.save(update_fields=["appointment_on", "assessor", "outcome"])
    audit_record(
        actor=actor,
        event=EventType.SCREENING_SCHEDULED,
        obj=record,
        old=old,
        new={"appointment_on": appointment_on, "assessor": record.assessor},
    )
    return record


@transaction.atomic
def screening_conclude(
    *,
    actor: Any,
    record_id: int,
    outcome: str,
    on: dt.date,
    note: str = "",
    category: Any = None,
    grade: Any = None,
    issue_date: dt.date | None = None,
    id_number: str = "",
) -> ScreeningRecord:
    """Record the assessment's outcome. "Certified" registers the person (if new) and issues the
    certificate in the same transaction."""
    record = locked_screening(actor, record_id)
    if not record.is_open:
        raise InvalidState(_("This screening record is already concluded."), code="screening_closed")
    if outcome not in ScreeningOutcome.values or outcome in (
        ScreeningOutcome.PENDING,
        ScreeningOutcome.SCHEDULED,
    ):
        raise field_error("outcome", _("Choose the outcome."), outcome)
    if on < record.found_on or on > timezone.localdate():
        raise field_error("outcome_on", _("The date must lie between the screening and today."), on)
    if outcome == ScreeningOutcome.CERTIFIED:
        number = id_number or record.id_number
        if not number:
            raise field_error("id_number", _("A certificate needs the person's ID number."))
        try:
            number = parse_resident_id(number).number
        except IdError as exc:
            raise field_error("id_number", exc, number) from exc
        person = Person.objects.filter(id_number=number).first()
        if person is None:
            person = person_register(
                actor=actor,
                id_number=number,
                name=record.name,
                region_code=record.region_code,
                phone=record.phone,
                residence_address=record.address,
                source=PersonSource.SCREENING,
            )
        cert = certificate_issue(
            actor=actor,
            person_id=person.pk,
            category=category,
            grade=grade,
            issue_date=issue_date or on,
            note=note,
        )
        record.person, record.certificate, record.id_number = person, cert, number
    record.outcome, record.outcome_on, record.outcome_note = outcome, on, note.strip()[:300]
    record.save(update_fields=["outcome", "outcome_on", "outcome_note", "person", "certificate", "id_number"])
    audit_record(
        actor=actor,
        event=EventType.SCREENING_CONCLUDED,
        obj=record,
        new={"outcome": outcome, "on": on, "person": record.person_id, "certificate": record.certificate_id},
    )
    return record
