"""Registering and editing people, their life status, the audited reads of a case file."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_changes, audit_record, audit_sensitive_read
from canlian.core.audit.events import EventType
from canlian.core.registry.actions._common import EDIT, PERSON_EDITABLE, locked_person, region_exists
from canlian.core.registry.actions.certificates import certificate_cancel
from canlian.core.registry.actions.households import household_ids_of, households_refresh_flags
from canlian.core.registry.choices import CancelReason, CertificateState, HukouType, LifeStatus, PersonSource
from canlian.core.registry.hooks import persons_changed
from canlian.core.registry.identity import (
    IdError,
    name_keys,
    normalize_name,
    normalize_phone,
    parse_resident_id,
)
from canlian.core.registry.models import Person
from canlian.platform.access import authorize
from canlian.platform.errors import Conflict, RowError, ValidationFailed
from canlian.platform.inputs import field_error


def _clean_person(data: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    """Normalise and check the editable person fields present in ``data``."""
    errors: list[RowError] = []
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key not in PERSON_EDITABLE:
            raise ValueError(f"not an editable person field: {key}")
        value = "" if value is None else str(value).strip()
        try:
            if key == "name":
                value = normalize_name(value)
            elif key == "phone":
                value = normalize_phone(value)
            elif key == "region_code":
                if not value:
                    raise ValueError(_("The residence region is required."))
                if not region_exists(value):
                    raise ValueError(_("No region has the code %(code)s.") % {"code": value})
            elif key == "hukou_region_code" and value and not region_exists(value):
                raise ValueError(_("No region has the code %(code)s.") % {"code": value})
            elif key == "hukou_type" and value and value not in HukouType.values:
                raise ValueError(_("Unknown hukou type."))
        except ValueError as exc:
            errors.append(RowError(row=None, field=key, message=str(exc), value=value))
            continue
        out[key] = value
    if not partial:
        for required in ("name", "region_code"):
            if required not in out and not any(e.field == required for e in errors):
                errors.append(RowError(row=None, field=required, message=str(_("This field is required."))))
    if errors:
        raise ValidationFailed(errors=errors, field=errors[0].field)
    return out


@transaction.atomic
def person_register(
    *,
    actor: Any,
    id_number: str,
    name: str,
    region_code: str,
    phone: str = "",
    ethnicity: str = "",
    residence_address: str = "",
    hukou_region_code: str = "",
    hukou_address: str = "",
    hukou_type: str = "",
    source: str = PersonSource.MANUAL,
) -> Person:
    """Register a person. Sex and birth date come from the ID number, which must be new."""
    try:
        rid = parse_resident_id(id_number)
    except IdError as exc:
        raise field_error("id_number", exc, id_number) from exc
    fields = _clean_person(
        {
            "name": name,
            "region_code": region_code,
            "phone": phone,
            "ethnicity": ethnicity,
            "residence_address": residence_address,
            "hukou_region_code": hukou_region_code or region_code,
            "hukou_address": hukou_address,
            "hukou_type": hukou_type,
        },
        partial=False,
    )
    authorize(actor, EDIT, fields["region_code"])
    if Person.objects.filter(id_number=rid.number).exists():
        # Never a silent duplicate, and never a hint of where the existing record lives.
        raise Conflict(
            _("A person with this ID number is already registered."), code="duplicate_id", field="id_number"
        )
    pinyin, initials = name_keys(fields["name"])
    try:
        with transaction.atomic():
            person = Person.objects.create(
                id_number=rid.number,
                sex=rid.sex,
                birth_date=rid.birth_date,
                name_pinyin=pinyin,
                name_initials=initials,
                source=source,
                **fields,
            )
    except IntegrityError as exc:  # a concurrent registration of the same ID
        raise Conflict(_("A person with this ID number is already registered."), code="duplicate_id") from exc
    audit_record(
        actor=actor,
        event=EventType.PERSON_REGISTERED,
        obj=person,
        new={**fields, "id_number": person.masked_id, "source": source},
    )
    return person


@transaction.atomic
def person_update(*, actor: Any, person_id: int, **changes: Any) -> Person:
    """Change a person's editable fields. Moving a person needs scope over both regions."""
    person = locked_person(actor, person_id)
    fields = _clean_person(changes, partial=True)
    if "region_code" in fields:
        authorize(actor, EDIT, fields["region_code"])
    before = {f: getattr(person, f) for f in fields}
    old, new = audit_changes(before, fields)
    if not new:
        return person
    for key, value in new.items():
        setattr(person, key, value)
    if "name" in new:
        person.name_pinyin, person.name_initials = name_keys(person.name)
    person.updated_at = timezone.now()
    person.save(update_fields=[*new, "name_pinyin", "name_initials", "updated_at"])
    audit_record(actor=actor, event=EventType.PERSON_UPDATED, obj=person, old=old, new=new)
    return person


@transaction.atomic
def person_set_life_status(
    *, actor: Any, person_id: int, status: str, on: dt.date | None = None, note: str = ""
) -> Person:
    """Record a death or a move out (with its date), or back to living. A death cancels the
    certificate in force (reason: death)."""
    if status not in LifeStatus.values:
        raise field_error("life_status", _("Unknown life status."), status)
    person = locked_person(actor, person_id)
    if status != LifeStatus.LIVING:
        if on is None:
            raise field_error("life_status_date", _("Give the date of the death or the move."))
        if on > timezone.localdate():
            raise field_error("life_status_date", _("The date cannot be in the future."), on)
        if on < person.birth_date:
            raise field_error("life_status_date", _("The date is before the person's birth."), on)
    else:
        on = None
    old = {"life_status": person.life_status, "life_status_date": person.life_status_date}
    if old == {"life_status": status, "life_status_date": on}:
        return person
    person.life_status, person.life_status_date = status, on
    person.updated_at = timezone.now()
    person.save(update_fields=["life_status", "life_status_date", "updated_at"])
    audit_record(
        actor=actor,
        event=EventType.PERSON_STATUS_CHANGED,
        obj=person,
        old=old,
        new={"life_status": status, "life_status_date": on, "note": note},
    )
    if status == LifeStatus.DECEASED:
        current = person.certificates.filter(state=CertificateState.ACTIVE).first()
        if current is not None:
            certificate_cancel(
                actor=actor, certificate_id=current.pk, reason=CancelReason.DEATH, on=on, note=note
            )
    households_refresh_flags(household_ids=household_ids_of([person.pk]))
    persons_changed(
        actor=actor,
        person_ids=[person.pk],
        reason=f"{LifeStatus(status).label} {on or ''}".strip(),
    )
    return person


def person_reveal(*, actor: Any, person_id: int) -> Person:
    """Show a person's full ID number and phone: only with persons.reveal in scope, and audited."""
    person = Person.objects.get_for_user(actor, "reveal", pk=person_id)
    audit_sensitive_read(
        actor=actor, event=EventType.IDENTITY_REVEALED, obj=person, fields=["id_number", "phone"]
    )
    return person


def person_record_view(*, actor: Any, person: Person, surface: str = "page", **details: Any) -> None:
    """Every view of a person's case file is logged, whatever the surface (the page, the API's
    person, certificate and household details, a search by full ID or certificate number)."""
    audit_sensitive_read(actor=actor, event=EventType.RECORD_VIEWED, obj=person, surface=surface, **details)


#: A search term that names one person (a full ID or certificate number) is a read of their record.
IDENTIFYING_QUERIES = ("id", "certificate")


def person_search_viewed(*, actor: Any, query: str, people: Any, surface: str) -> int:
    """Record a view of each person a search by full ID or certificate number found (at most 20:
    such a term names one person, or a few sharing a number by mistake). Returns how many."""
    from canlian.core.registry.selectors import classify_query

    kind, _term = classify_query(query)
    if kind not in IDENTIFYING_QUERIES:
        return 0
    found = list(people[:20])
    for person in found:
        person_record_view(actor=actor, person=person, surface=surface, search=kind)
    return len(found)
