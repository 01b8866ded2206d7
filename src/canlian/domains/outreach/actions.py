"""Every write of volunteers, donations and typical cases: atomic, audited (``events.py``)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_record
from canlian.core.permissions import Perm
from canlian.core.registry.identity import IdError, normalize_phone, parse_resident_id
from canlian.core.registry.models import Person
from canlian.domains.outreach.choices import ActivityKind, CaseStatus, Consent, DonationKind, DonorKind
from canlian.domains.outreach.events import OutreachEvent
from canlian.domains.outreach.models import (
    Activity,
    Donation,
    DonationUse,
    TypicalCase,
    Volunteer,
    VolunteerHours,
)
from canlian.platform.access import authorize, is_system, lock_for, user_or_none
from canlian.platform.errors import Conflict, InvalidState, PermissionDenied
from canlian.platform.indicators import sources_changed
from canlian.platform.inputs import as_amount, as_choice, as_date, as_int, as_text, field_error
from canlian.platform.numbering import NumberingExhausted, allocate_yearly

MANAGE = Perm.OUTREACH_MANAGE
RECEIPT_PREFIX = "JZ"
#: What the indicators of ``indicators.py`` read: every write here marks them stale from its month.
SOURCE = "outreach"


def _changed(day: dt.date | None) -> None:
    day = day or timezone.localdate()
    sources_changed(SOURCE, year=day.year, month=day.month)


def _region(actor: Any, region_code: Any) -> str:
    code = as_text(region_code, "region_code", max_length=12, required=True)
    authorize(actor, MANAGE, code)
    return code


def _day(value: Any, field: str, *, required: bool = True) -> dt.date | None:
    day = as_date(value, field, required=required)
    if day is not None and day > timezone.localdate():
        raise field_error(field, _("The date cannot be in the future."), day)
    return day


def _person_in(actor: Any, person_id: Any, field: str) -> Person:
    """A person the actor reaches (``persons.view``): out of reach is an unknown id, named by field."""
    pk = as_int(person_id, field, low=1)
    rows = Person.objects.all() if is_system(actor) else Person.objects.for_user(actor, Perm.PERSONS_VIEW)
    person = rows.filter(pk=pk).first()
    if person is None:
        raise field_error(field, _("No such person in your region."), person_id)
    return person


# --- volunteers and activities ---------------------------------------------------------------------


@transaction.atomic
def volunteer_register(
    *,
    actor: Any,
    region_code: str,
    name: str,
    registered_on: Any = None,
    id_number: str = "",
    phone: str = "",
    organisation: str = "",
    skills: str = "",
) -> Volunteer:
    region_code = _region(actor, region_code)
    number = ""
    if id_number:
        try:
            number = parse_resident_id(id_number).number
        except IdError as exc:
            raise field_error("id_number", str(exc), id_number) from exc
    try:
        phone = normalize_phone(phone)
    except ValueError as exc:
        raise field_error("phone", str(exc), phone) from exc
    volunteer = Volunteer.objects.create(
        region_code=region_code,
        name=as_text(name, "name", max_length=50, required=True),
        id_number=number,
        phone=phone,
        organisation=as_text(organisation, "organisation", max_length=120),
        skills=as_text(skills, "skills", max_length=200),
        registered_on=_day(registered_on, "registered_on", required=False) or timezone.localdate(),
    )
    audit_record(
        actor=actor,
        event=OutreachEvent.VOLUNTEER_REGISTERED,
        obj=volunteer,
        region_code=region_code,
        new={"name": volunteer.name, "organisation": volunteer.organisation},
    )
    _changed(volunteer.registered_on)
    return volunteer


@transaction.atomic
def activity_record(
    *,
    actor: Any,
    region_code: str,
    title: str,
    kind: str,
    on: Any,
    hours: list[tuple[Any, Any]] | None = None,
    people_served: list[Any] | None = None,
    institution_id: Any = None,
    place: str = "",
    description: str = "",
) -> Activity:
    """An activity with each volunteer's hours [(volunteer id, hours)] and the people served."""
    region_code = _region(actor, region_code)
    activity = Activity(
        region_code=region_code,
        title=as_text(title, "title", max_length=120, required=True),
        kind=as_choice(kind, "kind", ActivityKind.choices),
        on=_day(on, "on"),
        place=as_text(place, "place", max_length=200),
        description=as_text(description, "description", max_length=4000),
        created_by=user_or_none(actor),
    )
    if institution_id not in (None, ""):
        from canlian.core.institutions.models import Institution

        rows = (
            Institution.objects.all()
            if is_system(actor)
            else Institution.objects.for_user(actor, Perm.OUTREACH_VIEW)
        )
        institution = rows.filter(
            pk=as_int(institution_id, "institution_id", low=1), region_code__startswith=region_code[:6]
        ).first()
        if institution is None:
            raise field_error(
                "institution_id", _("No such home or institution in your region."), institution_id
            )
        activity.institution = institution
    activity.save()
    served = [_person_in(actor, pk, "people_served") for pk in dict.fromkeys(people_served or [])]
    activity.people_served.set(served)
    rows = []
    for volunteer_id, amount in hours or []:
        volunteer = (
            Volunteer.objects.for_user(actor, Perm.OUTREACH_VIEW)
            .filter(pk=as_int(volunteer_id, "volunteer_id", low=1))
            .first()
            if not is_system(actor)
            else Volunteer.objects.filter(pk=volunteer_id).first()
        )
        if volunteer is None:
            raise field_error("volunteer_id", _("No such volunteer in your region."), volunteer_id)
        value = as_amount(amount, "hours", minimum=Decimal("0.1"))
        if value > 24 or value != value.quantize(Decimal("0.1")):
            raise field_error("hours", _("Give the hours (0.1 to 24, one decimal)."), amount)
        rows.append(VolunteerHours(activity=activity, volunteer=volunteer, hours=value))
    try:
        with transaction.atomic():
            VolunteerHours.objects.bulk_create(rows)
    except IntegrityError as exc:
        raise Conflict(_("A volunteer is listed twice."), field="volunteer_id") from exc
    audit_record(
        actor=actor,
        event=OutreachEvent.ACTIVITY_RECORDED,
        obj=activity,
        region_code=region_code,
        new={
            "title": activity.title,
            "on": activity.on,
            "volunteers": len(rows),
            "served": len(served),
            "hours": sum((r.hours for r in rows), Decimal("0")),
        },
    )
    _changed(activity.on)
    return activity


# --- donations -------------------------------------------------------------------------------------


@transaction.atomic
def donation_receive(
    *,
    actor: Any,
    region_code: str,
    donor: str,
    donor_kind: str,
    received_on: Any,
    kind: str,
    amount: Any,
    goods: str = "",
    purpose: str = "",
    restricted: bool = False,
    note: str = "",
) -> Donation:
    """Record a donation and give it the next receipt number of its region and year."""
    region_code = _region(actor, region_code)
    day = _day(received_on, "received_on")
    kind = as_choice(kind, "kind", DonationKind.choices)
    goods = as_text(goods, "goods", max_length=200)
    if kind == DonationKind.GOODS and not goods:
        raise field_error("goods", _("Describe the goods."))
    purpose = as_text(purpose, "purpose", max_length=200)
    if restricted and not purpose:
        raise field_error("purpose", _("A restricted donation needs its purpose."))
    values = {
        "region_code": region_code,
        "donor": as_text(donor, "donor", max_length=120, required=True),
        "donor_kind": as_choice(donor_kind, "donor_kind", DonorKind.choices),
        "received_on": day,
        "kind": kind,
        "amount": as_amount(amount, "amount", minimum=Decimal("0.01")),
        "goods": goods,
        "purpose": purpose,
        "restricted": bool(restricted),
        "note": as_text(note, "note", max_length=300),
        "created_by": user_or_none(actor),
    }

    def next_sequence() -> int:
        rows = Donation.objects.filter(region_code=region_code, year=day.year)
        return (rows.aggregate(m=Max("sequence"))["m"] or 0) + 1

    def create(sequence: int) -> Donation:
        number = f"{RECEIPT_PREFIX}{region_code}-{day.year}-{sequence:04d}"
        return Donation.objects.create(number=number, year=day.year, sequence=sequence, **values)

    try:
        donation = allocate_yearly(next_sequence=next_sequence, create=create)
    except NumberingExhausted as exc:  # pragma: no cover
        raise InvalidState(_("Could not number the receipt; try again.")) from exc
    audit_record(
        actor=actor,
        event=OutreachEvent.DONATION_RECEIVED,
        obj=donation,
        region_code=region_code,
        new={
            "number": donation.number,
            "donor": donation.donor,
            "kind": kind,
            "amount": donation.amount,
            "restricted": donation.restricted,
            "purpose": purpose,
        },
    )
    _changed(day)
    return donation


@transaction.atomic
def donation_use(
    *,
    actor: Any,
    donation_id: Any,
    on: Any,
    amount: Any,
    description: str,
    activity_id: Any = None,
    person_id: Any = None,
) -> DonationUse:
    """Record a use of a donation (for an activity, a person, or described), never beyond its balance."""
    donation = lock_for(actor, Donation, donation_id, act=MANAGE)
    day = _day(on, "on")
    if day < donation.received_on:
        raise field_error("on", _("A donation cannot be used before it was received."), day)
    value = as_amount(amount, "amount", minimum=Decimal("0.01"))
    balance = donation.amount - donation.used()
    if value > balance:
        raise field_error(
            "amount", _("The balance of this donation is %(balance)s.") % {"balance": balance}, value
        )
    activity = person = None
    if activity_id not in (None, ""):
        activity = Activity.objects.filter(
            pk=as_int(activity_id, "activity_id", low=1), region_code__startswith=donation.region_code
        ).first()
        if activity is None:
            raise field_error("activity_id", _("No such activity of this region."), activity_id)
    if person_id not in (None, ""):
        person = _person_in(actor, person_id, "person_id")
    description = as_text(description, "description", max_length=200, required=True)
    use = DonationUse.objects.create(
        donation=donation,
        on=day,
        amount=value,
        activity=activity,
        person=person,
        description=description,
        created_by=user_or_none(actor),
    )
    audit_record(
        actor=actor,
        event=OutreachEvent.DONATION_USED,
        obj=donation,
        region_code=donation.region_code,
        old={"balance": balance},
        new={
            "amount": value,
            "on": day,
            "activity": activity_id,
            "person": person_id,
            "balance": balance - value,
        },
    )
    _changed(day)
    return use


# --- typical cases ---------------------------------------------------------------------------------


@transaction.atomic
def case_save(
    *,
    actor: Any,
    title: str,
    story: str,
    region_code: str | None = None,
    case_id: Any = None,
    figures: str = "",
    person_id: Any = None,
    cadre_id: Any = None,
    institution_id: Any = None,
    consent: str = Consent.NONE,
    consent_on: Any = None,
) -> TypicalCase:
    """Create or edit a typical case (draft or returned); the consent needs its date."""
    if case_id:
        case = lock_for(actor, TypicalCase, case_id, act=MANAGE)
        if case.status not in (CaseStatus.DRAFT, CaseStatus.RETURNED):
            raise InvalidState(_("A case under review or published cannot be edited."), code="case_locked")
    else:
        case = TypicalCase(region_code=_region(actor, region_code), created_by=user_or_none(actor))
    case.title = as_text(title, "title", max_length=120, required=True)
    case.story = as_text(story, "story", max_length=20000, required=True)
    case.figures = as_text(figures, "figures", max_length=4000)
    case.consent = as_choice(consent, "consent", Consent.choices)
    case.consent_on = _day(consent_on, "consent_on", required=case.consent != Consent.NONE)
    case.person = _person_in(actor, person_id, "person_id") if person_id not in (None, "") else None
    if cadre_id not in (None, ""):
        from canlian.core.accounts.models import User

        case.cadre = User.objects.filter(pk=as_int(cadre_id, "cadre_id", low=1)).first()
        if case.cadre is None:
            raise field_error("cadre_id", _("No such user."), cadre_id)
    else:
        case.cadre = None
    if institution_id not in (None, ""):
        from canlian.core.institutions.models import Institution

        case.institution = Institution.objects.filter(
            pk=as_int(institution_id, "institution_id", low=1)
        ).first()
        if case.institution is None:
            raise field_error("institution_id", _("No such home or institution."), institution_id)
    else:
        case.institution = None
    case.save()
    audit_record(
        actor=actor,
        event=OutreachEvent.CASE_SAVED,
        obj=case,
        region_code=case.region_code,
        new={"title": case.title, "consent": case.consent, "person": case.person_id},
    )
    return case


@transaction.atomic
def case_submit(*, actor: Any, case_id: Any) -> TypicalCase:
    case = lock_for(actor, TypicalCase, case_id, act=MANAGE)
    if case.status not in (CaseStatus.DRAFT, CaseStatus.RETURNED):
        raise InvalidState(_("Only a draft or a returned case can be submitted."), code="case_state")
    if case.person_id and case.consent == Consent.NONE:
        raise field_error("consent", _("Record the person's consent before the case is submitted."))
    case.status = CaseStatus.SUBMITTED
    case.save(update_fields=["status"])
    audit_record(
        actor=actor,
        event=OutreachEvent.CASE_SUBMITTED,
        obj=case,
        region_code=case.region_code,
        new={"status": case.status},
    )
    return case


@transaction.atomic
def case_review(*, actor: Any, case_id: Any, publish: bool, note: str = "", on: Any = None) -> TypicalCase:
    """Publish a submitted case to the internal list, or return it with a note; the reviewer is not
    the author."""
    case = lock_for(actor, TypicalCase, case_id, act=MANAGE)
    if case.status != CaseStatus.SUBMITTED:
        raise InvalidState(_("Only a submitted case can be reviewed."), code="case_state")
    if not is_system(actor) and case.created_by_id == actor.pk:
        raise PermissionDenied(_("Someone other than the author reviews the case."))
    note = as_text(note, "note", max_length=300)
    if not publish and not note:
        raise field_error("note", _("Say what to change."))
    case.status = CaseStatus.PUBLISHED if publish else CaseStatus.RETURNED
    case.published_on = (_day(on, "on", required=False) or timezone.localdate()) if publish else None
    case.review_note, case.reviewed_by = note, user_or_none(actor)
    case.save(update_fields=["status", "published_on", "review_note", "reviewed_by"])
    audit_record(
        actor=actor,
        event=OutreachEvent.CASE_REVIEWED,
        obj=case,
        region_code=case.region_code,
        new={"status": case.status, "note": note},
    )
    if publish:
        _changed(case.published_on)
    return case


def case_docx(*, actor: Any, case: TypicalCase) -> bytes:
    """The case as a Word document for the publicity department (names masked unless consented);
    the export is audited."""
    from docx import Document
    from docx.shared import Mm, Pt

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    document.styles["Normal"].font.size = Pt(12)
    document.add_heading(case.shown(case.title), level=0)
    if case.published_on:
        document.add_paragraph(f"{_('Published on')} {case.published_on:%Y-%m-%d}")
    for block in case.shown(case.story).split("\n"):
        if block.strip():
            document.add_paragraph(block.strip())
    if case.figures:
        document.add_heading(_("Figures behind it"), level=1)
        for block in case.shown(case.figures).split("\n"):
            if block.strip():
                document.add_paragraph(block.strip())
    out = io.BytesIO()
    document.save(out)
    with transaction.atomic():
        audit_record(
            actor=actor,
            event=OutreachEvent.CASE_EXPORTED,
            obj=case,
            region_code=case.region_code,
            new={"format": "docx", "consent": case.consent},
        )
    return out.getvalue()
