"""爱心屋 kiosks and employment bases: the employment profile of an institution of that kind (its
sponsor), the people it employs (a registered disabled person, or a relative of one registered by
name and ID number) and the support funds granted to it (proposed by one user, approved by another)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_record
from canlian.core.institutions.choices import InstitutionKind
from canlian.core.institutions.models import Institution
from canlian.core.registry.identity import IdError, parse_resident_id
from canlian.core.registry.models import Person
from canlian.domains.employment.actions._common import MANAGE, VIEW, _uscc, _year
from canlian.domains.employment.choices import FundStatus, WorkerKind
from canlian.domains.employment.events import EmploymentEvent
from canlian.domains.employment.models import Site, SiteFund, SiteWorker
from canlian.platform.access import authorize, is_system, lock_for, user_or_none
from canlian.platform.errors import Conflict, InvalidState, ValidationFailed
from canlian.platform.indicators import sources_changed
from canlian.platform.inputs import as_amount, as_choice, as_date, as_text, field_error

SITE_KINDS = (InstitutionKind.LOVE_KIOSK, InstitutionKind.EMPLOYMENT_BASE)


def _changed() -> None:
    sources_changed("employment")


@transaction.atomic
def site_register(
    *,
    actor: Any,
    institution_id: Any,
    sponsor_name: Any,
    opened_on: Any,
    sponsor_uscc: Any = "",
    address: Any = "",
) -> Site:
    """The employment profile of a 爱心屋 kiosk or an employment base (an institution of that kind in
    the actor's region); the sponsor's code, when given, must be a valid USCC."""
    base = Institution.objects.all() if is_system(actor) else Institution.objects.for_user(actor, VIEW)
    institution = base.filter(pk=institution_id).first() if str(institution_id).isdigit() else None
    if institution is None:
        raise field_error("institution_id", _("Unknown institution."), institution_id)
    authorize(actor, MANAGE, institution.region_code)
    if institution.kind not in SITE_KINDS:
        raise field_error(
            "institution_id",
            _("Only a 爱心屋 kiosk or an employment base has a site profile."),
            institution.name,
        )
    code = as_text(sponsor_uscc, "sponsor_uscc", max_length=30)
    if code:
        try:
            code = _uscc(code)
        except ValidationFailed as exc:  # the error names "uscc"; here it is the sponsor's
            raise field_error(
                "sponsor_uscc",
                _("Not a valid unified social credit code (18 characters with its check character)."),
                sponsor_uscc,
            ) from exc
    if Site.objects.filter(institution=institution).exists():
        raise Conflict(_("This institution already has a site profile."), field="institution_id")
    site = Site.objects.create(
        institution=institution,
        region_code=institution.region_code,
        sponsor_name=as_text(sponsor_name, "sponsor_name", max_length=120, required=True),
        sponsor_uscc=code,
        opened_on=as_date(opened_on, "opened_on"),
        address=as_text(address, "address", max_length=200) or institution.address,
        created_by=user_or_none(actor),
    )
    audit_record(
        actor=actor,
        event=EmploymentEvent.SITE_REGISTERED,
        obj=site,
        new={"institution": institution.pk, "sponsor": site.sponsor_name, "sponsor_uscc": code},
    )
    _changed()
    return site


@transaction.atomic
def site_worker_record(
    *,
    actor: Any,
    site_id: Any,
    kind: Any,
    person_id_number: Any,
    post: Any,
    started_on: Any,
    monthly_pay: Any,
    ended_on: Any = None,
    relative_name: Any = "",
    relative_id_number: Any = "",
    relationship: Any = "",
) -> SiteWorker:
    """A person the site employs: the disabled person (by ID number, registered), or their relative
    (name, ID number and relationship, linked to the disabled person)."""
    site = lock_for(actor, Site, site_id, view=VIEW, act=MANAGE)
    kind = as_choice(kind, "kind", WorkerKind.choices)
    try:
        number = parse_resident_id(str(person_id_number or "")).number
    except IdError as exc:
        raise field_error("person_id_number", str(exc), person_id_number) from exc
    base = Person.objects.all() if is_system(actor) else Person.objects.for_user(actor, VIEW)
    person = base.filter(id_number=number).first()
    if person is None:
        raise field_error("person_id_number", _("Not in the registry."), number)
    if not person.certificates.exists():
        raise field_error("person_id_number", _("The person holds no disability certificate."), number)
    start = as_date(started_on, "started_on")
    end = as_date(ended_on, "ended_on", required=False)
    if end is not None and end < start:
        raise field_error("ended_on", _("The end is before the start."), end)
    rel_name = rel_id = rel = ""
    if kind == WorkerKind.RELATIVE:
        rel_name = as_text(relative_name, "relative_name", max_length=50, required=True)
        try:
            rel_id = parse_resident_id(str(relative_id_number or "")).number
        except IdError as exc:
            raise field_error("relative_id_number", str(exc), relative_id_number) from exc
        if rel_id == number:
            raise field_error(
                "relative_id_number", _("The relative's ID number is the disabled person's."), rel_id
            )
        rel = as_text(relationship, "relationship", max_length=20, required=True)
    if SiteWorker.objects.filter(
        site=site, person=person, relative_id_number=rel_id, ended_on__isnull=True
    ).exists():
        raise Conflict(_("This person already works at the site."), field="person_id_number")
    worker = SiteWorker.objects.create(
        site=site,
        region_code=site.region_code,
        kind=kind,
        person=person,
        relative_name=rel_name,
        relative_id_number=rel_id,
        relationship=rel,
        post=as_text(post, "post", max_length=60, required=True),
        started_on=start,
        ended_on=end,
        monthly_pay=as_amount(monthly_pay, "monthly_pay"),
        created_by=user_or_none(actor),
    )
    audit_record(
        actor=actor,
        event=EmploymentEvent.SITE_WORKER_RECORDED,
        obj=worker,
        new={"site": site.pk, "kind": kind, "person": person.pk, "post": worker.post},
    )
    _changed()
    return worker


@transaction.atomic
def site_fund_propose(*, actor: Any, site_id: Any, year: Any, amount: Any, purpose: Any) -> SiteFund:
    """A support fund for the site (year, amount, purpose), awaiting another user's approval."""
    site = lock_for(actor, Site, site_id, view=VIEW, act=MANAGE)
    fund = SiteFund(
        site=site,
        region_code=site.region_code,
        year=_year(year),
        total_amount=as_amount(amount, "amount", minimum=Decimal("0.01")),
        purpose=as_text(purpose, "purpose", max_length=200, required=True),
    )
    fund.mark_generated(actor)
    fund.save()
    audit_record(
        actor=actor,
        event=EmploymentEvent.SITE_FUND_PROPOSED,
        obj=fund,
        new={"site": site.pk, "year": fund.year, "amount": fund.total_amount},
    )
    return fund


@transaction.atomic
def site_fund_approve(*, actor: Any, fund_id: Any) -> SiteFund:
    """Approve a proposed fund: only a user other than the one who proposed it."""
    fund = lock_for(actor, SiteFund, fund_id, view=VIEW, act=MANAGE)
    if fund.status != FundStatus.PROPOSED:
        raise InvalidState(_("This fund is already approved."))
    fund.mark_approved(actor, refusal=_("The fund must be approved by someone other than who proposed it."))
    fund.status = FundStatus.APPROVED
    fund.save(update_fields=["status", "approved_by", "approved_at"])
    audit_record(
        actor=actor,
        event=EmploymentEvent.SITE_FUND_APPROVED,
        obj=fund,
        old={"status": FundStatus.PROPOSED},
        new={"status": FundStatus.APPROVED, "amount": fund.total_amount},
    )
    _changed()
    return fund
