"""Disability certificates: issue, renew, reassess, cancel (each with its certificate event)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_record
from canlian.core.audit.events import EventType
from canlian.core.registry.actions._common import EDIT, add_years, locked_person
from canlian.core.registry.actions.households import household_ids_of, households_refresh_flags
from canlian.core.registry.choices import (
    CERTIFICATE_YEARS,
    REAPPLY_BLOCK_DAYS,
    CancelReason,
    Category,
    CertificateEventKind,
    CertificateState,
    Grade,
    LifeStatus,
)
from canlian.core.registry.hooks import persons_changed
from canlian.core.registry.identity import certificate_number_for, check_certificate_number
from canlian.core.registry.models import Certificate, CertificateEvent, Person, SubDisability
from canlian.platform.access import lock_for, user_or_none
from canlian.platform.errors import Conflict, InvalidState, NotFound, RowError, ValidationFailed
from canlian.platform.inputs import field_error


def _clean_category_grade(category: Any, grade: Any) -> tuple[int, int]:
    errors = []
    try:
        category = int(category)
        if category not in Category.values:
            raise ValueError
    except (TypeError, ValueError):
        errors.append(
            RowError(
                row=None, field="category", message=str(_("The category is 1 to 7.")), value=str(category)
            )
        )
    try:
        grade = int(grade)
        if grade not in Grade.values:
            raise ValueError
    except (TypeError, ValueError):
        errors.append(
            RowError(row=None, field="grade", message=str(_("The grade is 1 to 4.")), value=str(grade))
        )
    if errors:
        raise ValidationFailed(errors=errors, field=errors[0].field)
    return category, grade


def _clean_subs(category: int, subs: list[tuple[int, int]] | None) -> list[tuple[int, int]]:
    subs = list(subs or [])
    if category != Category.MULTIPLE:
        if subs:
            raise field_error(
                "sub_disabilities", _("Only a multiple-disability certificate lists sub-disabilities.")
            )
        return []
    if len(subs) < 2:
        raise field_error(
            "sub_disabilities", _("A multiple disability lists at least two disabilities with their grades.")
        )
    seen = set()
    for cat, grade in subs:
        if cat not in Category.values or cat == Category.MULTIPLE or grade not in Grade.values:
            raise field_error(
                "sub_disabilities", _("Each sub-disability is a category 1–6 with a grade 1–4.")
            )
        if cat in seen:
            raise field_error("sub_disabilities", _("A category is listed twice."))
        seen.add(cat)
    return subs


def _cert_values(cert: Certificate) -> dict[str, Any]:
    return {
        "number": cert.number,
        "category": cert.category,
        "grade": cert.grade,
        "issue_date": cert.issue_date,
        "valid_until": cert.valid_until,
        "state": cert.state,
    }


def _event(
    cert: Certificate, kind: str, on: dt.date, actor: Any, *, old=None, new=None, note: str = ""
) -> None:
    CertificateEvent.objects.create(
        person_id=cert.person_id,
        certificate=cert,
        kind=kind,
        on=on,
        old_values=old,
        new_values=new,
        note=note,
        actor=user_or_none(actor),
    )


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in values.items()}


def _new_certificate(
    *,
    person: Person,
    category: int,
    grade: int,
    issue_date: dt.date,
    number: str,
    valid_until: dt.date | None,
    subs: list[tuple[int, int]],
) -> Certificate:
    if number:
        try:
            number = check_certificate_number(
                number, id_number=person.id_number, category=category, grade=grade
            )
        except ValueError as exc:
            raise field_error("number", exc, number) from exc
    else:
        number = certificate_number_for(person.id_number, category, grade)
    if issue_date > timezone.localdate():
        raise field_error("issue_date", _("The issue date cannot be in the future."), issue_date)
    if issue_date < person.birth_date:
        raise field_error("issue_date", _("The issue date is before the holder's birth."), issue_date)
    valid_until = valid_until or add_years(issue_date, CERTIFICATE_YEARS) - dt.timedelta(days=1)
    if valid_until < issue_date:
        raise field_error("valid_until", _("The certificate cannot expire before it is issued."), valid_until)
    if Certificate.objects.filter(number=number, issue_date=issue_date).exists():
        raise Conflict(
            _("This certificate is already recorded."), code="duplicate_certificate", field="number"
        )
    cert = Certificate.objects.create(
        person=person,
        number=number,
        category=category,
        grade=grade,
        issue_date=issue_date,
        valid_until=valid_until,
    )
    SubDisability.objects.bulk_create([SubDisability(certificate=cert, category=c, grade=g) for c, g in subs])
    return cert


@transaction.atomic
def certificate_issue(
    *,
    actor: Any,
    person_id: int,
    category: Any,
    grade: Any,
    issue_date: dt.date,
    number: str = "",
    valid_until: dt.date | None = None,
    sub_disabilities: list[tuple[int, int]] | None = None,
    note: str = "",
) -> Certificate:
    """First certificate of a person (after assessment). Refused while one is in force, for the
    deceased, and within a year of a cancellation."""
    person = locked_person(actor, person_id)
    category, grade = _clean_category_grade(category, grade)
    subs = _clean_subs(category, sub_disabilities)
    if person.life_status != LifeStatus.LIVING:
        raise InvalidState(_("Certificates are issued only to living residents."), code="person_not_living")
    if person.certificates.filter(state=CertificateState.ACTIVE).exists():
        raise InvalidState(
            _("This person already holds a certificate in force: renew or re-assess it instead."),
            code="certificate_in_force",
        )
    blocked = (
        person.certificates.filter(
            state=CertificateState.CANCELLED,
            cancelled_on__gt=issue_date - dt.timedelta(days=REAPPLY_BLOCK_DAYS),
        )
        .exclude(cancel_reason=CancelReason.DEATH)
        .order_by("-cancelled_on")
        .first()
    )
    if blocked is not None:
        raise InvalidState(
            _("The certificate was cancelled on %(date)s: no new application within a year.")
            % {"date": blocked.cancelled_on},
            code="reapply_blocked",
        )
    cert = _new_certificate(
        person=person,
        category=category,
        grade=grade,
        issue_date=issue_date,
        number=number,
        valid_until=valid_until,
        subs=subs,
    )
    values = _jsonable(_cert_values(cert))
    _event(cert, CertificateEventKind.ISSUED, issue_date, actor, new=values, note=note)
    audit_record(
        actor=actor, event=EventType.CERTIFICATE_ISSUED, obj=cert, region_code=person.region_code, new=values
    )
    households_refresh_flags(household_ids=household_ids_of([person.pk]))
    persons_changed(actor=actor, person_ids=[person.pk], reason=f"{_('Certificate issued')} {issue_date}")
    return cert


def _replace(
    *,
    actor: Any,
    certificate_id: int,
    kind: str,
    event: EventType,
    category: Any,
    grade: Any,
    issue_date: dt.date,
    number: str,
    valid_until: dt.date | None,
    sub_disabilities: Any,
    note: str,
) -> Certificate:
    old = lock_for(actor, Certificate, certificate_id, act=EDIT, related=("person",))
    person = locked_person(actor, old.person_id)
    if old.state != CertificateState.ACTIVE:
        raise InvalidState(
            _("Only the certificate in force can be renewed or re-assessed."), code="certificate_not_active"
        )
    if person.life_status != LifeStatus.LIVING:
        raise InvalidState(_("Certificates are issued only to living residents."), code="person_not_living")
    category, grade = _clean_category_grade(category, grade)
    subs = _clean_subs(category, sub_disabilities)
    if issue_date < old.issue_date:
        raise field_error(
            "issue_date", _("The new certificate cannot predate the one it replaces."), issue_date
        )
    before = _jsonable(_cert_values(old))
    old.state = CertificateState.SUPERSEDED
    old.superseded_on = issue_date
    old.updated_at = timezone.now()
    old.save(update_fields=["state", "superseded_on", "updated_at"])
    cert = _new_certificate(
        person=person,
        category=category,
        grade=grade,
        issue_date=issue_date,
        number=number,
        valid_until=valid_until,
        subs=subs,
    )
    after = _jsonable(_cert_values(cert))
    _event(cert, kind, issue_date, actor, old=before, new=after, note=note)
    audit_record(actor=actor, event=event, obj=cert, region_code=person.region_code, old=before, new=after)
    households_refresh_flags(household_ids=household_ids_of([person.pk]))
    persons_changed(
        actor=actor,
        person_ids=[person.pk],
        reason=f"{CertificateEventKind(kind).label} {issue_date}",
    )
    return cert


@transaction.atomic
def certificate_renew(
    *,
    actor: Any,
    certificate_id: int,
    issue_date: dt.date,
    number: str = "",
    valid_until: dt.date | None = None,
    note: str = "",
) -> Certificate:
    """换领: the same category and grade on a new certificate valid ten more years. Opens in the
    certificate's last year (or after it expired)."""
    old = Certificate.objects.filter(pk=certificate_id).first()
    if old is None:
        raise NotFound()
    from canlian.core.registry.choices import RENEWAL_WINDOW_DAYS

    if issue_date < old.valid_until - dt.timedelta(days=RENEWAL_WINDOW_DAYS):
        raise InvalidState(
            _("Renewal opens in the certificate's last year (from %(date)s).")
            % {"date": old.valid_until - dt.timedelta(days=RENEWAL_WINDOW_DAYS)},
            code="renewal_not_open",
        )
    subs = list(old.sub_disabilities.values_list("category", "grade"))
    return _replace(
        actor=actor,
        certificate_id=certificate_id,
        kind=CertificateEventKind.RENEWED,
        event=EventType.CERTIFICATE_RENEWED,
        category=old.category,
        grade=old.grade,
        issue_date=issue_date,
        number=number,
        valid_until=valid_until,
        sub_disabilities=subs or None,
        note=note,
    )


@transaction.atomic
def certificate_reassess(
    *,
    actor: Any,
    certificate_id: int,
    category: Any,
    grade: Any,
    issue_date: dt.date,
    number: str = "",
    valid_until: dt.date | None = None,
    sub_disabilities: list[tuple[int, int]] | None = None,
    note: str = "",
) -> Certificate:
    """A re-assessment changed the category or grade: a new certificate replaces the old one."""
    return _replace(
        actor=actor,
        certificate_id=certificate_id,
        kind=CertificateEventKind.REASSESSED,
        event=EventType.CERTIFICATE_REASSESSED,
        category=category,
        grade=grade,
        issue_date=issue_date,
        number=number,
        valid_until=valid_until,
        sub_disabilities=sub_disabilities,
        note=note,
    )


@transaction.atomic
def certificate_cancel(
    *, actor: Any, certificate_id: int, reason: str, on: dt.date | None = None, note: str = ""
) -> Certificate:
    cert = lock_for(actor, Certificate, certificate_id, act=EDIT, related=("person",))
    if reason not in CancelReason.values:
        raise field_error("cancel_reason", _("Choose a reason for the cancellation."), reason)
    if reason == CancelReason.OTHER and not note.strip():
        raise field_error("cancel_note", _("Describe the reason."))
    if cert.state != CertificateState.ACTIVE:
        raise InvalidState(
            _("Only the certificate in force can be cancelled."), code="certificate_not_active"
        )
    on = on or timezone.localdate()
    if on < cert.issue_date:
        raise field_error("cancelled_on", _("The cancellation cannot predate the issue."), on)
    before = _jsonable(_cert_values(cert))
    cert.state, cert.cancelled_on, cert.cancel_reason, cert.cancel_note = (
        CertificateState.CANCELLED,
        on,
        reason,
        note.strip(),
    )
    cert.updated_at = timezone.now()
    cert.save(update_fields=["state", "cancelled_on", "cancel_reason", "cancel_note", "updated_at"])
    after = {"state": cert.state, "cancelled_on": on.isoformat(), "cancel_reason": reason}
    _event(cert, CertificateEventKind.CANCELLED, on, actor, old=before, new=after, note=note)
    audit_record(
        actor=actor,
        event=EventType.CERTIFICATE_CANCELLED,
        obj=cert,
        region_code=cert.person.region_code,
        old=before,
        new=after,
    )
    households_refresh_flags(household_ids=household_ids_of([cert.person_id]))
    persons_changed(
        actor=actor,
        person_ids=[cert.person_id],
        reason=f"{_('Certificate cancelled')} {on} ({CancelReason(reason).label})",
    )
    return cert
