"""Writes to the registry. Each action is atomic, validates its input (errors name the field), checks
the actor's scope inside the transaction and records its audit row there. ``actor=None`` is the
operator at the command line.

Set-based upkeep (``households_refresh_flags``) is plain SQL over the whole selection, never a loop
over model instances.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_changes, audit_record, audit_sensitive_read
from canlian.core.audit.events import EventType
from canlian.core.registry.choices import (
    CERTIFICATE_YEARS,
    REAPPLY_BLOCK_DAYS,
    CancelReason,
    Category,
    CertificateEventKind,
    CertificateState,
    Grade,
    HardshipKind,
    HardshipSource,
    HukouType,
    LifeStatus,
    MonitoredType,
    PersonSource,
    Relationship,
    RiskCause,
    ScreeningOutcome,
    ScreeningSource,
)
from canlian.core.registry.hooks import persons_changed
from canlian.core.registry.identity import (
    IdError,
    certificate_number_for,
    check_certificate_number,
    name_keys,
    normalize_name,
    normalize_phone,
    parse_resident_id,
)
from canlian.core.registry.models import (
    Certificate,
    CertificateEvent,
    HardshipStatus,
    Household,
    HouseholdMember,
    Person,
    ScreeningRecord,
    SubDisability,
)
from canlian.platform.errors import (
    Conflict,
    InvalidState,
    NotFound,
    PermissionDenied,
    RowError,
    ValidationFailed,
)
from canlian.platform.scoping import assert_in_scope

EDIT = "persons.edit"

#: The person fields an edit may change (the ID number is the identity and is changed by no edit).
PERSON_EDITABLE = (
    "name",
    "ethnicity",
    "phone",
    "region_code",
    "residence_address",
    "hukou_region_code",
    "hukou_address",
    "hukou_type",
)


# --- helpers ---------------------------------------------------------------------------------------


def _check_permission(actor: Any, permission: str, region_code: str) -> None:
    """Inside the transaction: the actor holds the permission for this region (the CLI passes)."""
    if actor is None:
        return
    if not actor.has_canlian_perm(permission):
        raise PermissionDenied()
    assert_in_scope(actor, permission, region_code)


def _fail(field: str, message: Any, value: Any = None) -> ValidationFailed:
    return ValidationFailed(
        errors=[
            RowError(row=None, field=field, message=str(message), value=None if value is None else str(value))
        ],
        field=field,
    )


def _region_exists(code: str) -> bool:
    from canlian.core.regions.models import Region

    return Region.objects.filter(code=code).exists()


def _snapshot(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: getattr(obj, f) for f in fields}


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
                if not _region_exists(value):
                    raise ValueError(_("No region has the code %(code)s.") % {"code": value})
            elif key == "hukou_region_code" and value and not _region_exists(value):
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


# --- people ----------------------------------------------------------------------------------------


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
        raise _fail("id_number", exc, id_number) from exc
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
    _check_permission(actor, EDIT, fields["region_code"])
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
    person = Person.objects.select_for_update().filter(pk=person_id).first()
    if person is None:
        raise NotFound()
    _check_permission(actor, EDIT, person.region_code)
    fields = _clean_person(changes, partial=True)
    if "region_code" in fields:
        _check_permission(actor, EDIT, fields["region_code"])
    before = _snapshot(person, tuple(fields))
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
        raise _fail("life_status", _("Unknown life status."), status)
    person = Person.objects.select_for_update().filter(pk=person_id).first()
    if person is None:
        raise NotFound()
    _check_permission(actor, EDIT, person.region_code)
    if status != LifeStatus.LIVING:
        if on is None:
            raise _fail("life_status_date", _("Give the date of the death or the move."))
        if on > timezone.localdate():
            raise _fail("life_status_date", _("The date cannot be in the future."), on)
        if on < person.birth_date:
            raise _fail("life_status_date", _("The date is before the person's birth."), on)
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
    households_refresh_flags(household_ids=_household_ids_of([person.pk]))
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


def person_record_view(*, actor: Any, person: Person) -> None:
    """Every view of a person's case file is logged."""
    audit_sensitive_read(actor=actor, event=EventType.RECORD_VIEWED, obj=person)


# --- certificates ----------------------------------------------------------------------------------


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
            raise _fail(
                "sub_disabilities", _("Only a multiple-disability certificate lists sub-disabilities.")
            )
        return []
    if len(subs) < 2:
        raise _fail(
            "sub_disabilities", _("A multiple disability lists at least two disabilities with their grades.")
        )
    seen = set()
    for cat, grade in subs:
        if cat not in Category.values or cat == Category.MULTIPLE or grade not in Grade.values:
            raise _fail("sub_disabilities", _("Each sub-disability is a category 1–6 with a grade 1–4."))
        if cat in seen:
            raise _fail("sub_disabilities", _("A category is listed twice."))
        seen.add(cat)
    return subs


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


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
        actor=actor if getattr(actor, "is_authenticated", False) else None,
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
            raise _fail("number", exc, number) from exc
    else:
        number = certificate_number_for(person.id_number, category, grade)
    if issue_date > timezone.localdate():
        raise _fail("issue_date", _("The issue date cannot be in the future."), issue_date)
    if issue_date < person.birth_date:
        raise _fail("issue_date", _("The issue date is before the holder's birth."), issue_date)
    valid_until = valid_until or _add_years(issue_date, CERTIFICATE_YEARS) - dt.timedelta(days=1)
    if valid_until < issue_date:
        raise _fail("valid_until", _("The certificate cannot expire before it is issued."), valid_until)
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


def _locked(model: Any, pk: Any, actor: Any) -> Any:
    """Fetch a region-owned row for update and check, inside the transaction, that the actor may
    edit in its region; missing and out of scope are the same NotFound."""
    obj = model.objects.select_for_update().filter(pk=pk).first()
    if obj is None:
        raise NotFound()
    _check_permission(actor, EDIT, obj.region_code)
    return obj


def _locked_person(person_id: int, actor: Any) -> Person:
    return _locked(Person, person_id, actor)


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
    person = _locked_person(person_id, actor)
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
    households_refresh_flags(household_ids=_household_ids_of([person.pk]))
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
    old = Certificate.objects.select_for_update().select_related("person").filter(pk=certificate_id).first()
    if old is None:
        raise NotFound()
    person = _locked_person(old.person_id, actor)
    if old.state != CertificateState.ACTIVE:
        raise InvalidState(
            _("Only the certificate in force can be renewed or re-assessed."), code="certificate_not_active"
        )
    if person.life_status != LifeStatus.LIVING:
        raise InvalidState(_("Certificates are issued only to living residents."), code="person_not_living")
    category, grade = _clean_category_grade(category, grade)
    subs = _clean_subs(category, sub_disabilities)
    if issue_date < old.issue_date:
        raise _fail("issue_date", _("The new certificate cannot predate the one it replaces."), issue_date)
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
    households_refresh_flags(household_ids=_household_ids_of([person.pk]))
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
    cert = Certificate.objects.select_for_update().select_related("person").filter(pk=certificate_id).first()
    if cert is None:
        raise NotFound()
    _check_permission(actor, EDIT, cert.person.region_code)
    if reason not in CancelReason.values:
        raise _fail("cancel_reason", _("Choose a reason for the cancellation."), reason)
    if reason == CancelReason.OTHER and not note.strip():
        raise _fail("cancel_note", _("Describe the reason."))
    if cert.state != CertificateState.ACTIVE:
        raise InvalidState(
            _("Only the certificate in force can be cancelled."), code="certificate_not_active"
        )
    on = on or timezone.localdate()
    if on < cert.issue_date:
        raise _fail("cancelled_on", _("The cancellation cannot predate the issue."), on)
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
    households_refresh_flags(household_ids=_household_ids_of([cert.person_id]))
    persons_changed(
        actor=actor,
        person_ids=[cert.person_id],
        reason=f"{_('Certificate cancelled')} {on} ({CancelReason(reason).label})",
    )
    return cert


# --- hardship statuses -----------------------------------------------------------------------------


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
    person = _locked_person(person_id, actor)
    if kind not in HardshipKind.values:
        raise _fail("kind", _("Unknown hardship status."), kind)
    if source not in HardshipSource.values:
        raise _fail("source", _("Unknown source."), source)
    if kind == HardshipKind.MONITORED:
        if monitored_type not in MonitoredType.values:
            raise _fail("monitored_type", _("Choose the monitored-household type."), monitored_type)
        if risk_cause not in RiskCause.values:
            raise _fail("risk_cause", _("Choose the main risk cause."), risk_cause)
    else:
        monitored_type = risk_cause = ""
    if person.hardships.filter(kind=kind, valid_to__isnull=True).exists():
        raise Conflict(_("This status is already open for the person."), code="hardship_open", field="kind")
    if person.hardships.filter(kind=kind, valid_to__gte=valid_from).exists():
        raise _fail("valid_from", _("This period overlaps an earlier one of the same status."), valid_from)
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
        households_refresh_flags(household_ids=_household_ids_of([person.pk]))
    persons_changed(
        actor=actor, person_ids=[person.pk], reason=f"{HardshipKind(kind).label} {_('from')} {valid_from}"
    )
    return status


@transaction.atomic
def hardship_end(*, actor: Any, status_id: int, valid_to: dt.date, note: str = "") -> HardshipStatus:
    status = HardshipStatus.objects.select_for_update().select_related("person").filter(pk=status_id).first()
    if status is None:
        raise NotFound()
    _check_permission(actor, EDIT, status.person.region_code)
    if status.valid_to is not None:
        raise InvalidState(_("This status has already ended."), code="hardship_ended")
    if valid_to < status.valid_from:
        raise _fail("valid_to", _("The end cannot be before the start."), valid_to)
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
        households_refresh_flags(household_ids=_household_ids_of([status.person_id]))
    persons_changed(
        actor=actor,
        person_ids=[status.person_id],
        reason=f"{HardshipKind(status.kind).label} {_('ended on')} {valid_to}",
    )
    return status


# --- households ------------------------------------------------------------------------------------


def _household_ids_of(person_ids: list[int]) -> list[int]:
    return list(
        HouseholdMember.objects.filter(person_id__in=person_ids)
        .values_list("household_id", flat=True)
        .distinct()
    )


@transaction.atomic
def household_create(*, actor: Any, head_person_id: int, number: str = "", address: str = "") -> Household:
    """A household around its head, a registered person; it lives in the head's region."""
    head = _locked_person(head_person_id, actor)
    if HouseholdMember.objects.filter(person=head).exists():
        raise Conflict(
            _("This person already belongs to a household."), code="already_member", field="person"
        )
    household = Household.objects.create(
        region_code=head.region_code,
        number=number.strip(),
        address=(address or head.residence_address).strip(),
    )
    HouseholdMember.objects.create(
        household=household,
        person=head,
        name=head.name,
        birth_date=head.birth_date,
        relationship=Relationship.HEAD,
        is_head=True,
    )
    audit_record(
        actor=actor,
        event=EventType.HOUSEHOLD_CREATED,
        obj=household,
        new={"head": head.pk, "number": household.number},
    )
    households_refresh_flags(household_ids=[household.pk])
    return household


def _locked_household(household_id: int, actor: Any) -> Household:
    return _locked(Household, household_id, actor)


@transaction.atomic
def household_add_member(
    *,
    actor: Any,
    household_id: int,
    relationship: str,
    person_id: int | None = None,
    name: str = "",
    birth_date: dt.date | None = None,
) -> HouseholdMember:
    """Add a registered person (name and birth date copied) or a relative known by name and birth date."""
    household = _locked_household(household_id, actor)
    if relationship not in Relationship.values or relationship == Relationship.HEAD:
        raise _fail("relationship", _("Choose the relationship to the head."), relationship)
    if person_id is not None:
        person = Person.objects.filter(pk=person_id).first()
        if person is None:
            raise NotFound()
        _check_permission(actor, EDIT, person.region_code)
        if HouseholdMember.objects.filter(person=person).exists():
            raise Conflict(
                _("This person already belongs to a household."), code="already_member", field="person"
            )
        name, birth_date = person.name, person.birth_date
    else:
        person = None
        try:
            name = normalize_name(name)
        except ValueError as exc:
            raise _fail("name", exc, name) from exc
        if birth_date is None:
            raise _fail(
                "birth_date", _("Give the relative's birth date (it decides the elderly-carer flag).")
            )
        if birth_date > timezone.localdate():
            raise _fail("birth_date", _("The birth date cannot be in the future."), birth_date)
    member = HouseholdMember.objects.create(
        household=household, person=person, name=name, birth_date=birth_date, relationship=relationship
    )
    audit_record(
        actor=actor,
        event=EventType.HOUSEHOLD_MEMBER_ADDED,
        obj=household,
        new={"member": member.pk, "name": name, "person": person_id, "relationship": relationship},
    )
    households_refresh_flags(household_ids=[household.pk])
    return member


@transaction.atomic
def household_remove_member(*, actor: Any, member_id: int) -> Household:
    member = HouseholdMember.objects.select_related("household").filter(pk=member_id).first()
    if member is None:
        raise NotFound()
    household = _locked_household(member.household_id, actor)
    if member.is_head and household.members.count() > 1:
        raise InvalidState(_("Choose another head before removing the head."), code="head_required")
    old = {"member": member.pk, "name": member.name, "person": member.person_id}
    member.delete()
    audit_record(actor=actor, event=EventType.HOUSEHOLD_MEMBER_REMOVED, obj=household, old=old)
    households_refresh_flags(household_ids=[household.pk])
    return household


@transaction.atomic
def household_set_head(*, actor: Any, member_id: int) -> HouseholdMember:
    member = HouseholdMember.objects.filter(pk=member_id).first()
    if member is None:
        raise NotFound()
    household = _locked_household(member.household_id, actor)
    previous = household.members.filter(is_head=True).exclude(pk=member.pk).first()
    if previous is None and member.is_head:
        return member
    if previous is not None:
        previous.is_head = False
        previous.relationship = Relationship.OTHER
        previous.save(update_fields=["is_head", "relationship"])
    member.is_head = True
    member.relationship = Relationship.HEAD
    member.save(update_fields=["is_head", "relationship"])
    audit_record(
        actor=actor,
        event=EventType.HOUSEHOLD_HEAD_SET,
        obj=household,
        old={"head": previous.pk if previous else None},
        new={"head": member.pk},
    )
    return member


# The three rules as one aggregate over the members (one pass, hash joins), rewriting only the
# households whose flags change. PostgreSQL, and SQLite >= 3.33 for UPDATE … FROM. The statement
# starts with UPDATE (the CTEs sit in the FROM subquery) so that drivers report the row count.
_FLAGS_SQL = """
UPDATE {household} SET multi_disabled = f.multi, alone_disabled = f.alone, elderly_carers = f.carers
FROM (
WITH disabled AS (
  SELECT c.person_id FROM {cert} c WHERE c.state = 'active' AND c.valid_until >= %(on)s
), orphan AS (
  SELECT DISTINCT h.person_id FROM {hardship} h
  WHERE h.kind = 'orphan' AND h.valid_from <= %(on)s AND (h.valid_to IS NULL OR h.valid_to >= %(on)s)
), per_household AS (
  SELECT m.household_id AS id,
    COUNT(*) AS members,
    COUNT(d.person_id) AS disabled,
    SUM(CASE WHEN d.person_id IS NOT NULL AND m.birth_date <= %(adult)s AND m.birth_date > %(elderly)s
        THEN 1 ELSE 0 END) AS disabled_working_age,
    SUM(CASE WHEN d.person_id IS NOT NULL AND o.person_id IS NOT NULL THEN 1 ELSE 0 END) AS disabled_orphans,
    SUM(CASE WHEN d.person_id IS NULL THEN 1 ELSE 0 END) AS others,
    SUM(CASE WHEN d.person_id IS NULL AND (m.birth_date IS NULL OR m.birth_date > %(elderly)s)
        THEN 1 ELSE 0 END) AS young_others
  FROM {member} m
  LEFT JOIN disabled d ON d.person_id = m.person_id
  LEFT JOIN orphan o ON o.person_id = m.person_id
  {member_filter}
  GROUP BY m.household_id
), flags AS (
  SELECT h.id,
    COALESCE(p.disabled >= 2, FALSE) AS multi,
    COALESCE(p.disabled >= 1 AND (p.members = 1 OR p.disabled_orphans >= 1), FALSE) AS alone,
    COALESCE(p.disabled_working_age >= 1 AND p.others >= 1 AND p.young_others = 0, FALSE) AS carers
  FROM {household} h LEFT JOIN per_household p ON p.id = h.id
  {household_filter}
)
SELECT id, multi, alone, carers FROM flags
) AS f
WHERE {household}.id = f.id
  AND ({household}.multi_disabled <> f.multi OR {household}.alone_disabled <> f.alone
       OR {household}.elderly_carers <> f.carers)
"""


def households_refresh_flags(*, household_ids: list[int] | None = None, on: dt.date | None = None) -> int:
    """Recompute 一户多残, 孤残 and 以老养残 for the given households (all when None) in one UPDATE;
    returns how many households changed.

    - several disabled members: two or more members hold a certificate in force;
    - orphaned or alone: a disabled member who lives alone or is an orphan;
    - elderly carers: a disabled adult of working age (18–59) whose non-disabled members, at least
      one, are all 60 or older (elderly parents caring for a disabled son or daughter; an elderly
      couple of whom one is disabled is not counted).
    Deceased or moved-out people keep their membership until a worker removes them; their
    certificate is cancelled on death, so they stop counting as disabled.
    """
    if household_ids is not None and not household_ids:
        return 0
    on = on or timezone.localdate()
    params: dict[str, Any] = {"on": on, "adult": _add_years(on, -18), "elderly": _add_years(on, -60)}
    member_filter = household_filter = ""
    if household_ids is not None:
        marks = ", ".join(f"%(h{i})s" for i in range(len(household_ids)))
        member_filter = f"WHERE m.household_id IN ({marks})"
        household_filter = f"WHERE h.id IN ({marks})"
        params.update({f"h{i}": h for i, h in enumerate(household_ids)})
    sql = _FLAGS_SQL.format(
        household=Household._meta.db_table,
        member=HouseholdMember._meta.db_table,
        cert=Certificate._meta.db_table,
        hardship=HardshipStatus._meta.db_table,
        member_filter=member_filter,
        household_filter=household_filter,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


# --- screening (摸排) ------------------------------------------------------------------------------


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
    if not region_code or not _region_exists(region_code):
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
    _check_permission(actor, EDIT, region_code)
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
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        actor=actor,
        event=EventType.SCREENING_RECORDED,
        obj=record,
        new={"name": name, "found_on": found_on, "source": source, "suspected_category": suspected_category},
    )
    return record


def _locked_screening(record_id: int, actor: Any) -> ScreeningRecord:
    return _locked(ScreeningRecord, record_id, actor)


@transaction.atomic
def screening_schedule(
    *, actor: Any, record_id: int, appointment_on: dt.date, assessor: str = ""
) -> ScreeningRecord:
    record = _locked_screening(record_id, actor)
    if not record.is_open:
        raise InvalidState(_("This screening record is already concluded."), code="screening_closed")
    if appointment_on < record.found_on:
        raise _fail("appointment_on", _("The appointment cannot be before the screening."), appointment_on)
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
    record = _locked_screening(record_id, actor)
    if not record.is_open:
        raise InvalidState(_("This screening record is already concluded."), code="screening_closed")
    if outcome not in ScreeningOutcome.values or outcome in (
        ScreeningOutcome.PENDING,
        ScreeningOutcome.SCHEDULED,
    ):
        raise _fail("outcome", _("Choose the outcome."), outcome)
    if on < record.found_on or on > timezone.localdate():
        raise _fail("outcome_on", _("The date must lie between the screening and today."), on)
    if outcome == ScreeningOutcome.CERTIFIED:
        number = id_number or record.id_number
        if not number:
            raise _fail("id_number", _("A certificate needs the person's ID number."))
        try:
            number = parse_resident_id(number).number
        except IdError as exc:
            raise _fail("id_number", exc, number) from exc
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
