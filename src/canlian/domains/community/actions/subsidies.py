"""Institution subsidies as program lines: the standards by region and kind, the institutions'
applications, and a region's yearly batch (maker-checker, then paid to the institutions).

The lines of a year Y for a region: a **construction** subsidy for every home of the region opened in
Y (from 1 January to 31 December; once per home, ever); a **rent** subsidy of the yearly standard ×
months rented ÷ 12; an **equipment** subsidy of the cost, at most the standard; a **social
insurance** subsidy of the standard × people insured. Each reads the standard of its kind in force on
1 January of Y for the institution's region (the longest region prefix wins); a kind without a
standard is not paid and is named in the batch's note. An institution already holding a line of the
same kind and year (or, for construction, any construction line) in another batch stops the batch,
named, nothing written."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_record
from canlian.core.institutions.choices import InstitutionKind
from canlian.core.regions.models import Region
from canlian.domains.community.actions._common import (
    MANAGE,
    PAY,
    RECORD,
    batch_approve,
    batch_mark_paid,
    institution_for,
)
from canlian.domains.community.choices import BatchStatus, SubsidyKind
from canlian.domains.community.events import CommunityEvent
from canlian.domains.community.models import (
    Home,
    InstitutionSubsidyBatch,
    InstitutionSubsidyLine,
    InstitutionSubsidyStandard,
    SubsidyApplication,
)
from canlian.domains.community.models._base import effective_q, region_prefixes
from canlian.platform.access import authorize, user_or_none
from canlian.platform.errors import Conflict, InvalidState, RowError, ValidationFailed
from canlian.platform.inputs import as_amount, as_choice, as_date, as_int, as_text, field_error

CENT = Decimal("0.01")
#: The institutions institution subsidies are for: homes, care and assisted-employment institutions.
SUBSIDY_KINDS = (
    InstitutionKind.HOME,
    InstitutionKind.CARE,
    InstitutionKind.EMPLOYMENT,
    InstitutionKind.EMPLOYMENT_BASE,
)
#: The kinds an institution applies for (construction follows from the home's opening date).
APPLIED_KINDS = (SubsidyKind.RENT, SubsidyKind.EQUIPMENT, SubsidyKind.SOCIAL_INSURANCE)


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


@transaction.atomic
def subsidy_standard_save(
    *, actor: Any, region_code: Any, kind: Any, valid_from: Any, amount: Any, valid_to: Any = None
) -> InstitutionSubsidyStandard:
    """Save a region's standard of a kind from a day; the region's open standard of the same kind
    that started earlier ends the day before."""
    code = str(region_code or "").strip()
    authorize(actor, MANAGE, code)
    kind = as_choice(kind, "kind", SubsidyKind.values)
    start = as_date(valid_from, "valid_from")
    end = as_date(valid_to, "valid_to", required=False)
    if end is not None and end < start:
        raise field_error("valid_to", _("The end lies before the start."), end)
    value = as_amount(amount, "amount")
    InstitutionSubsidyStandard.objects.filter(region_code=code, kind=kind, valid_from__lt=start).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=start)
    ).update(valid_to=start - dt.timedelta(days=1))
    standard, _created = InstitutionSubsidyStandard.objects.update_or_create(
        region_code=code,
        kind=kind,
        valid_from=start,
        defaults={"amount": value, "valid_to": end, "created_by": user_or_none(actor)},
    )
    audit_record(
        actor=actor,
        event=CommunityEvent.STANDARD_SAVED,
        obj=standard,
        region_code=code,
        new={"kind": f"institution_{kind}", "amount": str(value), "valid_from": str(start)},
    )
    return standard


@transaction.atomic
def subsidy_apply(
    *,
    actor: Any,
    institution_id: Any,
    year: Any,
    kind: Any,
    quantity: Any = 1,
    cost: Any = None,
    note: Any = "",
) -> SubsidyApplication:
    """Record (or correct, while not in an approved batch) an institution's application of a year:
    months rented (1–12), the equipment's cost, or the people insured."""
    inst = institution_for(actor, institution_id, act=RECORD, kinds=SUBSIDY_KINDS)
    year = as_int(year, "year", low=2001, high=2100)
    kind = as_choice(kind, "kind", SubsidyKind.values)
    if kind not in APPLIED_KINDS:
        raise field_error(
            "kind",
            _("The construction subsidy follows from the home's opening date; no application is needed."),
            kind,
        )
    value = None
    if kind == SubsidyKind.RENT:
        number = as_int(quantity, "quantity", low=1, high=12)
    elif kind == SubsidyKind.SOCIAL_INSURANCE:
        number = as_int(quantity, "quantity", low=1, high=10000)
    else:
        number = 1
        value = as_amount(cost, "cost", minimum=Decimal("0.01"))
    settled = InstitutionSubsidyLine.objects.filter(
        institution=inst, year=year, kind=kind, batch__status__in=[BatchStatus.APPROVED, BatchStatus.PAID]
    )
    if settled.exists():
        raise InvalidState(
            _("The %(year)s subsidy of this kind is already in an approved batch.") % {"year": year},
            code="batch_approved",
        )
    application, _created = SubsidyApplication.objects.update_or_create(
        institution=inst,
        year=year,
        kind=kind,
        defaults={
            "region_code": inst.region_code,
            "quantity": number,
            "cost": value,
            "note": as_text(note, "note", max_length=200),
            "created_by": user_or_none(actor),
        },
    )
    audit_record(
        actor=actor,
        event=CommunityEvent.SUBSIDY_APPLIED,
        obj=application,
        region_code=inst.region_code,
        new={"year": year, "kind": kind, "quantity": number, "cost": str(value or "")},
    )
    return application


def _standards(on: dt.date) -> dict[tuple[str, str], InstitutionSubsidyStandard]:
    """Every standard in force on ``on`` by (region prefix, kind): one query, a small table."""
    found: dict[tuple[str, str], InstitutionSubsidyStandard] = {}
    for s in InstitutionSubsidyStandard.objects.filter(effective_q(on)).order_by("valid_from"):
        found[(s.region_code, s.kind)] = s  # the latest start wins within a region
    return found


def _standard_for(
    standards: dict[tuple[str, str], InstitutionSubsidyStandard], region_code: str, kind: str
) -> InstitutionSubsidyStandard | None:
    for prefix in region_prefixes(region_code):  # longest first
        if (prefix, kind) in standards:
            return standards[(prefix, kind)]
    return None


def compute_line(
    kind: str,
    standard: InstitutionSubsidyStandard,
    *,
    quantity: int = 1,
    cost: Any = None,
    opened_on: dt.date | None = None,
) -> tuple[int, Decimal, str]:
    """(quantity, amount, basis in words) of one subsidy from its standard."""
    rate = standard.amount
    if kind == SubsidyKind.CONSTRUCTION:
        return (
            1,
            rate,
            _("Opened on %(day)s: one-off %(amount)s") % {"day": opened_on, "amount": _money(rate)},
        )
    if kind == SubsidyKind.RENT:
        amount = (rate * quantity / 12).quantize(CENT, rounding=ROUND_HALF_UP)
        return (
            quantity,
            amount,
            _("%(months)s months rented × %(amount)s a year ÷ 12")
            % {
                "months": quantity,
                "amount": _money(rate),
            },
        )
    if kind == SubsidyKind.EQUIPMENT:
        amount = min(Decimal(cost), rate)
        return (
            1,
            amount,
            _("Equipment cost %(cost)s, at most %(amount)s")
            % {
                "cost": _money(Decimal(cost)),
                "amount": _money(rate),
            },
        )
    amount = (rate * quantity).quantize(CENT)
    return (
        quantity,
        amount,
        _("%(people)s people insured × %(amount)s")
        % {
            "people": quantity,
            "amount": _money(rate),
        },
    )


@transaction.atomic
def subsidy_batch_generate(*, actor: Any, region_code: Any, year: Any) -> InstitutionSubsidyBatch:
    """The institution subsidies of ``year`` for a region (see the module). Regenerating replaces a
    batch not yet approved."""
    code = str(region_code or "").strip()
    authorize(actor, PAY, code)
    if not Region.objects.filter(code=code).exists():
        raise field_error("region_code", _("Unknown region."), code)
    year = as_int(year, "year", low=2001, high=2100)
    on, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    batch = InstitutionSubsidyBatch.objects.select_for_update().filter(region_code=code, year=year).first()
    if batch is not None and batch.status != BatchStatus.GENERATED:
        raise InvalidState(
            _("The %(year)s institution subsidy batch is already approved.") % {"year": year},
            code="batch_approved",
        )
    standards = _standards(on)
    wanted: list[dict[str, Any]] = []
    homes = (
        Home.objects.filter(region_code__startswith=code, opened_on__gte=on, opened_on__lte=end)
        .select_related("institution")
        .order_by("region_code", "pk")
    )
    for home in homes:
        wanted.append(
            {
                "institution": home.institution,
                "region_code": home.region_code,
                "kind": SubsidyKind.CONSTRUCTION,
                "opened_on": home.opened_on,
            }
        )
    applications = (
        SubsidyApplication.objects.filter(region_code__startswith=code, year=year)
        .select_related("institution")
        .order_by("region_code", "institution", "kind")
    )
    for app in applications:
        wanted.append(
            {
                "institution": app.institution,
                "region_code": app.region_code,
                "kind": app.kind,
                "quantity": app.quantity,
                "cost": app.cost,
            }
        )
    earlier = (
        InstitutionSubsidyLine.objects.exclude(batch=batch)
        .filter(
            Q(
                kind=SubsidyKind.CONSTRUCTION,
                institution__in=[w["institution"] for w in wanted if w["kind"] == SubsidyKind.CONSTRUCTION],
            )
            | Q(year=year, institution__in=[w["institution"] for w in wanted])
        )
        .select_related("batch")
    )
    held = {
        (x.institution_id, x.kind): x for x in earlier if x.kind == SubsidyKind.CONSTRUCTION or x.year == year
    }
    labels = dict(SubsidyKind.choices)
    lines, errors, unpriced = [], [], []
    for w in wanted:
        inst, kind = w["institution"], w["kind"]
        previous = held.get((inst.pk, kind))
        if previous is not None:
            errors.append(
                RowError(
                    None,
                    "kind",
                    _("%(institution)s already received its %(kind)s (%(year)s, batch of %(region)s).")
                    % {
                        "institution": inst.name,
                        "kind": str(labels[kind]).lower(),
                        "year": previous.year,
                        "region": previous.batch.region_code,
                    },
                    kind,
                )
            )
            continue
        standard = _standard_for(standards, w["region_code"], kind)
        if standard is None:
            unpriced.append(f"{inst.name} ({labels[kind]})")
            continue
        quantity, amount, basis = compute_line(
            kind, standard, quantity=w.get("quantity", 1), cost=w.get("cost"), opened_on=w.get("opened_on")
        )
        lines.append(
            InstitutionSubsidyLine(
                institution=inst,
                region_code=w["region_code"],
                year=year,
                kind=kind,
                standard=standard,
                quantity=quantity,
                amount=amount,
                basis=basis[:200],
            )
        )
    if errors:
        raise ValidationFailed(errors=errors, field="kind")
    if not lines:
        raise InvalidState(
            _("No institution of this region is owed a subsidy for %(year)s.") % {"year": year},
            code="nothing_to_pay",
        )
    if batch is None:
        try:
            with transaction.atomic():
                batch = InstitutionSubsidyBatch.objects.create(region_code=code, year=year)
        except IntegrityError as exc:
            raise Conflict(_("A subsidy batch for this region and year exists."), field="year") from exc
    else:
        batch.lines.all().delete()
    batch.mark_generated(actor)
    for line in lines:
        line.batch = batch
    InstitutionSubsidyLine.objects.bulk_create(lines)
    total = sum((line.amount for line in lines), Decimal("0.00"))
    batch.total_amount, batch.line_count = total, len(lines)
    batch.note = (
        (_("Not paid (no standard in force): %(names)s") % {"names": "、".join(unpriced)})[:300]
        if unpriced
        else ""
    )
    batch.save()
    audit_record(
        actor=actor,
        event=CommunityEvent.SUBSIDY_GENERATED,
        obj=batch,
        region_code=code,
        new={"year": year, "lines": len(lines), "total": str(total), "unpriced": len(unpriced)},
    )
    return batch


@transaction.atomic
def subsidy_batch_approve(*, actor: Any, batch_id: Any) -> InstitutionSubsidyBatch:
    return batch_approve(
        actor=actor,
        model=InstitutionSubsidyBatch,
        batch_id=batch_id,
        event=CommunityEvent.SUBSIDY_APPROVED,
        stale=False,
    )


@transaction.atomic
def subsidy_batch_mark_paid(*, actor: Any, batch_id: Any, paid_on: Any = None) -> InstitutionSubsidyBatch:
    return batch_mark_paid(
        actor=actor,
        model=InstitutionSubsidyBatch,
        batch_id=batch_id,
        paid_on=paid_on,
        event=CommunityEvent.SUBSIDY_PAID,
        stale_year=lambda b: b.paid_on.year,
    )
