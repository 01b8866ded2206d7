"""Care (托养): admission and discharge (eligibility as a rule list), the resident's own allowances,
the monthly fee statements under the fee rule (regenerated for a whole institution at once), and the
yearly care subsidy batches paid to institutions (maker-checker)."""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_record
from canlian.core.institutions.choices import InstitutionKind
from canlian.domains.community import eligibility, fees
from canlian.domains.community.actions._common import (
    PAY,
    RECORD,
    batch_approve,
    batch_mark_paid,
    institution_for,
    person_for,
)
from canlian.domains.community.choices import AllowanceKind, BatchStatus, CareMode, EndReason, Purpose
from canlian.domains.community.events import CommunityEvent
from canlian.domains.community.models import (
    Allowance,
    CareResident,
    CareSubsidyBatch,
    CareSubsidyLine,
    CareSubsidyStandard,
    FeeStatement,
)
from canlian.domains.community.models._base import effective_q, region_prefixes
from canlian.platform.access import lock_for, user_or_none
from canlian.platform.bulk import drop_temp_table, load_temp_table
from canlian.platform.errors import Conflict, InvalidState, RowError, ValidationFailed
from canlian.platform.indicators import sources_changed
from canlian.platform.inputs import as_amount, as_choice, as_date, as_int, as_month, field_error

CARE_KINDS = (InstitutionKind.CARE, InstitutionKind.HOME)
CENT = Decimal("0.01")


@transaction.atomic
def resident_admit(
    *,
    actor: Any,
    institution_id: Any,
    person_id: Any,
    mode: Any,
    admitted_on: Any,
    monthly_fee: Any = 0,
    review_on: Any = None,
    row: int | None = None,
) -> CareResident:
    """Admit a registered person to care at a care institution or a home, if the care rule list in
    force says they are eligible (working age, intellectual, mental or severely disabled)."""
    inst = institution_for(actor, institution_id, act=RECORD, kinds=CARE_KINDS)
    person = person_for(actor, person_id)
    mode = as_choice(mode, "mode", CareMode.choices, row=row)
    day = as_date(admitted_on, "admitted_on", row=row)
    fee = as_amount(monthly_fee if monthly_fee not in (None, "") else 0, "monthly_fee", row=row)
    review = as_date(review_on, "review_on", required=False, row=row)
    if review is not None and review < day:
        raise field_error("review_on", _("The review cannot come before the admission."), review, row=row)
    eligibility.require(Purpose.RESIDENT, person, day)
    current = (
        CareResident.objects.filter(person=person, discharged_on__isnull=True)
        .select_related("institution")
        .first()
    )
    if current is not None:
        raise Conflict(
            _("%(name)s is already in care at %(inst)s.")
            % {"name": person.name, "inst": current.institution.name},
            field="person_id",
        )
    try:
        with transaction.atomic():
            resident = CareResident.objects.create(
                institution=inst,
                person=person,
                region_code=inst.region_code,
                mode=mode,
                admitted_on=day,
                monthly_fee=fee,
                review_on=review,
                created_by=user_or_none(actor),
            )
    except IntegrityError as exc:
        raise Conflict(_("%(name)s is already in care.") % {"name": person.name}, field="person_id") from exc
    sources_changed("community", year=day.year)
    audit_record(
        actor=actor,
        event=CommunityEvent.RESIDENT_ADMITTED,
        obj=resident,
        region_code=inst.region_code,
        new={"person": person.pk, "mode": mode, "admitted_on": str(day), "monthly_fee": str(fee)},
    )
    return resident


@transaction.atomic
def resident_discharge(
    *, actor: Any, resident_id: Any, discharged_on: Any, reason: Any = EndReason.LEFT
) -> CareResident:
    resident = lock_for(actor, CareResident, resident_id, act=RECORD)
    if resident.discharged_on is not None:
        raise InvalidState(_("The resident has already been discharged."), code="discharged")
    day = as_date(discharged_on, "discharged_on")
    if day < resident.admitted_on:
        raise field_error(
            "discharged_on", _("The resident was admitted on %(day)s.") % {"day": resident.admitted_on}, day
        )
    resident.discharged_on = day
    resident.discharge_reason = as_choice(reason, "reason", EndReason.choices)
    resident.save(update_fields=["discharged_on", "discharge_reason"])
    sources_changed("community", year=day.year)
    audit_record(
        actor=actor,
        event=CommunityEvent.RESIDENT_DISCHARGED,
        obj=resident,
        region_code=resident.region_code,
        new={"discharged_on": str(day), "reason": resident.discharge_reason},
    )
    return resident


@transaction.atomic
def resident_update(
    *, actor: Any, resident_id: Any, monthly_fee: Any = None, review_on: Any = None
) -> CareResident:
    resident = lock_for(actor, CareResident, resident_id, act=RECORD)
    old = {"monthly_fee": str(resident.monthly_fee), "review_on": str(resident.review_on)}
    if monthly_fee not in (None, ""):
        resident.monthly_fee = as_amount(monthly_fee, "monthly_fee")
    if review_on not in (None, ""):
        resident.review_on = as_date(review_on, "review_on")
    resident.save(update_fields=["monthly_fee", "review_on"])
    audit_record(
        actor=actor,
        event=CommunityEvent.RESIDENT_UPDATED,
        obj=resident,
        region_code=resident.region_code,
        old=old,
        new={"monthly_fee": str(resident.monthly_fee), "review_on": str(resident.review_on)},
    )
    return resident


@transaction.atomic
def allowance_record(
    *, actor: Any, resident_id: Any, kind: Any, monthly_amount: Any, valid_from: Any, valid_to: Any = None
) -> Allowance:
    """Record a resident's allowance (低保金 or 五保金) from ``valid_from``: an open record of the same
    kind ends the day before. The fee statements read it (regenerate them after a change)."""
    resident = lock_for(actor, CareResident, resident_id, act=RECORD)
    kind = as_choice(kind, "kind", AllowanceKind.choices)
    amount = as_amount(monthly_amount, "monthly_amount")
    start = as_date(valid_from, "valid_from")
    end = as_date(valid_to, "valid_to", required=False)
    if end is not None and end < start:
        raise field_error("valid_to", _("The end lies before the start."), end)
    earlier = (
        Allowance.objects.select_for_update()
        .filter(person_id=resident.person_id, kind=kind, valid_to__isnull=True)
        .first()
    )
    if earlier is not None:
        if earlier.valid_from >= start:
            raise Conflict(
                _("An allowance of this kind is already recorded from %(day)s.")
                % {"day": earlier.valid_from},
                field="valid_from",
            )
        earlier.valid_to = start - dt.timedelta(days=1)
        earlier.save(update_fields=["valid_to"])
    allowance = Allowance.objects.create(
        person_id=resident.person_id,
        region_code=resident.region_code,
        institution_id=resident.institution_id,
        kind=kind,
        monthly_amount=amount,
        valid_from=start,
        valid_to=end,
        created_by=user_or_none(actor),
    )
    audit_record(
        actor=actor,
        event=CommunityEvent.ALLOWANCE_RECORDED,
        obj=allowance,
        region_code=resident.region_code,
        new={
            "resident": resident.pk,
            "kind": kind,
            "amount": str(amount),
            "from": str(start),
            "to": str(end),
        },
    )
    return allowance


_STATEMENTS = "tmp_community_statements"


@transaction.atomic
def fee_statements_generate(*, actor: Any, institution_id: Any, month: Any) -> int:
    """(Re)write the fee statements of every resident in care at the institution during ``month``:
    computed from the facts in a few queries (``fees.fees_for``), written with one DELETE and one
    INSERT … SELECT. Returns the statements written."""
    inst = institution_for(actor, institution_id, act=RECORD, kinds=CARE_KINDS)
    first = as_month(month, "month")
    residents = list(
        fees.residents_in_month(CareResident.objects.filter(institution=inst), first).order_by("pk")
    )
    computed = fees.fees_for(residents, first)
    missing = [r for r, f in zip(residents, computed, strict=True) if f is None]
    if missing:
        raise InvalidState(_("No fee rule is in force for this institution's region."), code="no_fee_rule")
    now = timezone.now()
    rows = []
    for r, f in zip(residents, computed, strict=True):
        assert f is not None
        rows.append(
            (
                r.pk,
                r.person_id,
                f.rule.pk,
                f.days_in_month,
                f.resident_days,
                f.hardship_days,
                f.dibao,
                f.wubao,
                f.living,
                f.nursing,
                f.basis,
                f.institution_fee,
                f.cap,
                f.fee,
                _json(f.detail()),
            )
        )
    table = FeeStatement._meta.db_table
    FeeStatement.objects.filter(institution=inst, month=first).delete()
    money = "numeric(10,2)"
    load_temp_table(
        _STATEMENTS,
        [
            ("resident_id", "bigint"),
            ("person_id", "bigint"),
            ("rule_id", "bigint"),
            ("d", "integer"),
            ("r", "integer"),
            ("h", "integer"),
            ("dibao", money),
            ("wubao", money),
            ("living", money),
            ("nursing", money),
            ("basis", money),
            ("inst_fee", money),
            ("cap", money),
            ("fee", money),
            ("detail", "text"),
        ],
        rows,
    )
    try:
        with connection.cursor() as cursor:
            detail = "CAST(detail AS jsonb)" if connection.vendor == "postgresql" else "detail"
            cursor.execute(
                f"""INSERT INTO {table} (resident_id, person_id, institution_id, region_code, month, rule_id,
                      days_in_month, resident_days, hardship_days, dibao_amount, wubao_amount, living_amount,
                      nursing_amount, basis, institution_fee, cap, fee, detail, generated_at)
                    SELECT resident_id, person_id, %s, %s, %s, rule_id, d, r, h, dibao, wubao, living, nursing,
                      basis, inst_fee, cap, fee, {detail}, %s FROM {_STATEMENTS}""",
                [inst.pk, inst.region_code, first, now],
            )
    finally:
        drop_temp_table(_STATEMENTS)
    audit_record(
        actor=actor,
        event=CommunityEvent.STATEMENTS_GENERATED,
        obj=inst,
        region_code=inst.region_code,
        new={
            "month": f"{first:%Y-%m}",
            "statements": len(rows),
            "total": str(sum((r[13] for r in rows), Decimal(0))),
        },
    )
    return len(rows)


def _json(data: dict[str, Any]) -> str:
    import json

    return json.dumps(data, ensure_ascii=False)


# --- the care subsidy ------------------------------------------------------------------------------


def care_standard_for(region_code: str, mode: str, on: dt.date) -> CareSubsidyStandard | None:
    rows = list(
        CareSubsidyStandard.objects.filter(
            effective_q(on), mode=mode, region_code__in=region_prefixes(region_code)
        )
    )
    rows.sort(key=lambda s: (len(s.region_code), s.valid_from), reverse=True)
    return rows[0] if rows else None


def months_in_care(resident: CareResident, year: int, min_days: int) -> int:
    """The months of ``year`` in which the resident was in care at least ``min_days`` days."""
    n = 0
    for m in range(1, 13):
        first = dt.date(year, m, 1)
        last = first.replace(day=calendar.monthrange(year, m)[1])
        lo, hi = max(resident.admitted_on, first), min(resident.discharged_on or last, last)
        if lo <= hi and (hi - lo).days + 1 >= min(min_days, (last - first).days + 1):
            n += 1
    return n


_CARE = "tmp_community_care_subsidy"


@transaction.atomic
def care_subsidy_generate(*, actor: Any, institution_id: Any, year: Any) -> CareSubsidyBatch:
    """An institution's care subsidy for ``year``: per resident, the yearly standard of their mode in
    force on 1 January for the institution's region × months in care ÷ 12 (to the cent, half up).
    A mode without a standard stops the batch (named). Regenerating replaces a batch not yet approved."""
    inst = institution_for(actor, institution_id, act=PAY, kinds=CARE_KINDS)
    year = as_int(year, "year", low=2001, high=2100)
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    residents = list(
        CareResident.objects.filter(institution=inst, admitted_on__lte=last)
        .filter(Q(discharged_on__isnull=True) | Q(discharged_on__gte=first))
        .order_by("pk")
    )
    rows, errors = [], []
    standards: dict[str, CareSubsidyStandard | None] = {}
    for r in residents:
        if r.mode not in standards:
            standards[r.mode] = care_standard_for(inst.region_code, r.mode, first)
        std = standards[r.mode]
        if std is None:
            errors.append(
                RowError(
                    None,
                    "mode",
                    _("No care subsidy standard for %(mode)s.") % {"mode": CareMode(r.mode).label},
                    r.mode,
                )
            )
            continue
        months = months_in_care(r, year, std.min_days)
        if months == 0:
            continue
        amount = (std.yearly_amount * months / 12).quantize(CENT, rounding=ROUND_HALF_UP)
        rows.append((r.pk, r.person_id, r.mode, months, std.pk, amount))
    if errors:
        seen = {e.message: e for e in errors}
        raise ValidationFailed(errors=list(seen.values()), field="mode")
    if not rows:
        raise InvalidState(
            _("No resident was in care long enough in %(year)s.") % {"year": year}, code="nothing_to_pay"
        )
    batch = CareSubsidyBatch.objects.select_for_update().filter(institution=inst, year=year).first()
    if batch is not None and batch.status != BatchStatus.GENERATED:
        raise InvalidState(
            _("The %(year)s care subsidy batch is already approved.") % {"year": year}, code="batch_approved"
        )
    if batch is None:
        batch = CareSubsidyBatch.objects.create(institution=inst, region_code=inst.region_code, year=year)
    else:
        batch.lines.all().delete()
    batch.mark_generated(actor)
    load_temp_table(
        _CARE,
        [
            ("resident_id", "bigint"),
            ("person_id", "bigint"),
            ("mode", "varchar(12)"),
            ("months", "integer"),
            ("standard_id", "bigint"),
            ("amount", "numeric(10,2)"),
        ],
        rows,
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                f"""INSERT INTO {CareSubsidyLine._meta.db_table}
                      (batch_id, resident_id, person_id, institution_id, region_code, mode, months, standard_id, amount)
                    SELECT %s, resident_id, person_id, %s, %s, mode, months, standard_id, amount FROM {_CARE}""",
                [batch.pk, inst.pk, inst.region_code],
            )
    finally:
        drop_temp_table(_CARE)
    batch.total_amount = sum((r[5] for r in rows), Decimal("0.00"))
    batch.line_count = len(rows)
    batch.save()
    audit_record(
        actor=actor,
        event=CommunityEvent.CARE_SUBSIDY_GENERATED,
        obj=batch,
        region_code=inst.region_code,
        new={"year": year, "residents": len(rows), "total": str(batch.total_amount)},
    )
    return batch


@transaction.atomic
def care_subsidy_approve(*, actor: Any, batch_id: Any) -> CareSubsidyBatch:
    return batch_approve(
        actor=actor,
        model=CareSubsidyBatch,
        batch_id=batch_id,
        event=CommunityEvent.CARE_SUBSIDY_APPROVED,
        stale=True,
    )


@transaction.atomic
def care_subsidy_mark_paid(*, actor: Any, batch_id: Any, paid_on: Any = None) -> CareSubsidyBatch:
    return batch_mark_paid(
        actor=actor,
        model=CareSubsidyBatch,
        batch_id=batch_id,
        paid_on=paid_on,
        event=CommunityEvent.CARE_SUBSIDY_PAID,
        stale_year=lambda b: b.year,
    )
