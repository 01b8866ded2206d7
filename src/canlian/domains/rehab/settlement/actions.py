"""Writes of settlement: rules (effective-dated, rehab.manage), batches (generate and mark paid with
settlements.generate, approve with settlements.approve by someone other than the generator).
Each action is atomic, checks permission and scope inside its transaction and audits there.
``actor=SYSTEM`` (or None) is the operator at the command line. The inputs of a generation are
read in ``settlement.inputs``.

Generation is set-based, for one institution (``batch_generate``) or every institution of a region
at once (``batches_generate_for_region``), through the same code (``_generate``): the rules loaded
once, one grouped query for training days per (plan, month) of every plan in the year of the
institutions' children (at any institution: a child who changed institution mid-year counts all
their days), only days inside the enrollment's paid window; one for what other batches of the year
hold per (plan, rule), one for the plans, one for earlier years paid under per-year rules —
whatever the number of institutions; the arithmetic is ``settlement.settle`` (pure), per
institution; the lines of all batches are written in one statement without model instances (COPY on
PostgreSQL, one executemany on SQLite).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_record
from canlian.core.institutions.choices import ServiceCategory
from canlian.core.institutions.models import Institution
from canlian.core.permissions import Perm
from canlian.domains.rehab.actions._common import _amount
from canlian.domains.rehab.choices import PROGRAM_CODE, BatchStatus, BelowThreshold, RuleFamily, TrainingMode
from canlian.domains.rehab.events import RehabEvent
from canlian.domains.rehab.models import (
    RehabPlan,
    SettlementBatch,
    SettlementLine,
    SettlementRule,
)
from canlian.domains.rehab.settlement import rules as calc
from canlian.domains.rehab.settlement.inputs import read_inputs
from canlian.platform import dates
from canlian.platform.access import SYSTEM, authorize, is_system, lock_for, may, user_or_none
from canlian.platform.bulk import append_rows
from canlian.platform.errors import (
    Conflict,
    InvalidState,
    NotFound,
    PermissionDenied,
)
from canlian.platform.indicators import sources_changed
from canlian.platform.inputs import as_date, as_int, field_error
from canlian.programs.models import Program

MANAGE = Perm.REHAB_MANAGE
GENERATE = Perm.SETTLEMENTS_GENERATE
APPROVE = Perm.SETTLEMENTS_APPROVE

_DAY = dt.timedelta(days=1)


def _program(code: str = PROGRAM_CODE, *, lock: bool = False) -> Program:
    qs = Program.objects.select_for_update() if lock else Program.objects.all()
    program = qs.filter(code=code).first()
    if program is None:
        raise NotFound(_("No program has the code %(code)s.") % {"code": code})
    return program


# --- cleaning --------------------------------------------------------------------------------------


def month_start(value: Any, field: str) -> dt.date:
    """A month as YYYY-MM (or a date, taken as its month) → its first day."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.replace(day=1)
    text = str(value or "").strip()
    try:
        if len(text) == 7:
            return dt.date.fromisoformat(f"{text}-01")
        return dt.date.fromisoformat(text).replace(day=1)
    except ValueError as exc:
        raise field_error(field, _("Give a month as YYYY-MM."), value) from exc


def month_end(value: Any, field: str) -> dt.date:
    return dates.month_end(month_start(value, field))


def _small(field: str, value: Any, *, low: int = 0, high: int = 366) -> int | None:
    return as_int(value, field, low=low, high=high, required=False)


def _categories(value: Any) -> str:
    text = "".join(str(value or "").replace(",", "").replace("、", "").split())
    allowed = set(ServiceCategory.values)
    if any(ch not in allowed for ch in text):
        raise field_error(
            "categories",
            _("Use only the category codes %(allowed)s.") % {"allowed": "".join(sorted(allowed))},
            value,
        )
    return "".join(sorted(set(text)))


def _clean_region(region_code: Any) -> str:
    from canlian.core.regions.models import Region

    code = str(region_code or "").strip()
    if code and not Region.objects.filter(code=code).exists():
        raise field_error("region_code", _("No region has the code %(code)s.") % {"code": code}, code)
    return code


def _check_rule_region(actor: Any, region_code: str) -> None:
    """A rule of ``region_code`` ("" = national) is changed by ``rehab.manage`` over that region
    (the national rows by a national-scope user); refused as 403, not 404 (rules are reference data)."""
    if is_system(actor):
        return
    if not actor.has_canlian_perm(MANAGE):
        raise PermissionDenied()
    if not may(actor, MANAGE, region_code):
        if region_code == "":
            raise PermissionDenied(_("Only a national administrator may change national rows."))
        raise PermissionDenied(_("This region is outside your scope."))


# --- rules -----------------------------------------------------------------------------------------


@transaction.atomic
def settlement_rule_save(
    *,
    actor: Any,
    program_code: str = PROGRAM_CODE,
    region_code: Any = "",
    valid_from: Any,
    family: Any,
    amount: Any,
    transport_amount: Any = None,
    min_days: Any = None,
    below_threshold: Any = BelowThreshold.NOTHING,
    max_months: Any = None,
    max_years: Any = None,
    age_min: Any = None,
    age_max: Any = None,
    categories: Any = "",
    mode: Any = "",
    valid_to: Any = None,
    note: Any = "",
) -> SettlementRule:
    """Add a settlement rule from a month (``valid_from`` is the month's first day). The open-ended
    rule with the same keys (program, region, age band, categories, mode) in force then is closed at
    the end of the month before; any other overlapping rule with the same keys is refused."""
    program = _program(program_code, lock=True)
    region = _clean_region(region_code)
    _check_rule_region(actor, region)
    start = month_start(valid_from, "valid_from")
    end = month_end(valid_to, "valid_to") if valid_to not in (None, "") else None
    if end is not None and end < start:
        raise field_error("valid_to", _("The end cannot be before the start."), valid_to)
    family = str(family or "")
    if family not in RuleFamily.values:
        raise field_error("family", _("Choose a rule family."), family)
    below = str(below_threshold or BelowThreshold.NOTHING)
    if below not in BelowThreshold.values:
        raise field_error("below_threshold", _("Choose what is paid below the threshold."), below)
    mode = str(mode or "")
    if mode and mode not in TrainingMode.values:
        raise field_error("mode", _("Choose a training mode."), mode)
    keys = {
        "age_min": _small("age_min", age_min, high=18),
        "age_max": _small("age_max", age_max, high=18),
        "categories": _categories(categories),
        "mode": mode,
    }
    if keys["age_min"] is not None and keys["age_max"] is not None and keys["age_min"] > keys["age_max"]:
        raise field_error("age_max", _("The upper age is below the lower one."), age_max)
    values = {
        "family": family,
        "amount": _amount(amount, "amount", required=True),
        "transport_amount": _amount(transport_amount, "transport_amount"),
        "min_days": _small("min_days", min_days) or 0,
        "below_threshold": below if family == RuleFamily.THRESHOLD else BelowThreshold.NOTHING,
        "max_months": _small("max_months", max_months, low=1, high=12)
        if family == RuleFamily.PER_MONTH
        else None,
        "max_years": _small("max_years", max_years, low=1, high=18)
        if family == RuleFamily.PER_YEAR
        else None,
    }
    if family == RuleFamily.THRESHOLD and values["min_days"] == 0:
        raise field_error(
            "min_days", _("A threshold rule needs the minimum number of training days."), min_days
        )
    if family == RuleFamily.PER_MONTH and values["min_days"] > 31:
        raise field_error("min_days", _("A month has at most 31 days."), min_days)
    same = SettlementRule.objects.select_for_update().filter(program=program, region_code=region, **keys)
    overlapping = same.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=start))
    if end is not None:
        overlapping = overlapping.filter(valid_from__lte=end)
    rows = list(overlapping.order_by("valid_from"))
    previous = next((r for r in rows if r.valid_from < start and r.valid_to is None), None)
    clashes = [r for r in rows if r is not previous]
    if clashes:
        clash = clashes[0]
        raise Conflict(
            _("A rule with the same keys is in force from %(start)s to %(end)s; it overlaps.")
            % {"start": clash.valid_from, "end": clash.valid_to or _("open")},
            code="rule_overlap",
            field="valid_from",
        )
    if previous is not None:
        old = {"valid_to": previous.valid_to}
        previous.valid_to = start - _DAY
        previous.save(update_fields=["valid_to"])
        audit_record(
            actor=actor,
            event=RehabEvent.SETTLEMENT_RULE_SAVED,
            obj=previous,
            region_code=previous.region_code or None,
            old=old,
            new={"valid_to": previous.valid_to, "closed_by_successor": True},
        )
    try:
        with transaction.atomic():
            rule = SettlementRule.objects.create(
                program=program,
                region_code=region,
                valid_from=start,
                valid_to=end,
                note=str(note or "")[:200],
                created_by=user_or_none(actor),
                **keys,
                **values,
            )
    except IntegrityError as exc:
        raise Conflict(_("A rule with the same keys starts in this month."), code="rule_overlap") from exc
    audit_record(
        actor=actor,
        event=RehabEvent.SETTLEMENT_RULE_SAVED,
        obj=rule,
        region_code=region or None,
        new={
            "program": program.code,
            "region_code": region,
            "valid_from": start,
            "valid_to": end,
            "follows": previous.pk if previous else None,
            **keys,
            **values,
        },
    )
    return rule


# --- batches ---------------------------------------------------------------------------------------


def _locked_institution(actor: Any, institution_id: Any) -> Institution:
    """The institution, locked (a missing one is NotFound), if the actor generates over its region."""
    institution = lock_for(SYSTEM, Institution, institution_id)
    authorize(actor, GENERATE, institution.region_code)
    return institution


def _clean_period(period_start: Any, period_end: Any) -> tuple[dt.date, dt.date]:
    start = month_start(period_start, "period_start")
    end = month_end(period_end, "period_end")
    if end < start:
        raise field_error("period_end", _("The period's end cannot be before its start."), period_end)
    if start.year != end.year:
        raise field_error("period_end", _("A batch covers months of one calendar year."), period_end)
    return start, end


#: The columns of a settlement line written by ``_write_lines``, in order.
_LINE_COLUMNS = (
    "batch_id",
    "plan_id",
    "person_id",
    "institution_id",
    "region_code",
    "rule_id",
    "family",
    "days",
    "year_days",
    "months",
    "training_amount",
    "transport_amount",
    "already_paid",
    "amount",
    "detail",
)


def _line_row(batch_id: int, institution_id: int, r: calc.LineResult) -> tuple[Any, ...]:
    return (
        batch_id,
        r.plan_id,
        r.person_id,
        institution_id,
        r.region_code,
        r.rule_id,
        r.family,
        r.days,
        r.year_days,
        r.months,
        r.training_amount,
        r.transport_amount,
        r.already_paid,
        r.amount,
        # What JSONField stores (json.dumps of the dict): it reads back as the same dict.
        json.dumps(r.detail, default=str),
    )


def _write_lines(rows: Iterable[Sequence[Any]]) -> None:
    """Every line in one statement, without model instances: COPY on PostgreSQL, one prepared
    multi-row executemany on SQLite (``platform.bulk.append_rows``)."""
    append_rows(SettlementLine._meta.db_table, _LINE_COLUMNS, rows)


def _generate(
    *,
    actor: Any,
    program: Program,
    institutions: Sequence[Institution],
    start: dt.date,
    end: dt.date,
    skip_final: bool,
) -> tuple[list[SettlementBatch], list[str]]:
    """Generate the batch (start–end) of every institution in ``institutions`` — locked, permission
    checked, inside the caller's transaction. A batch approved or paid is final: raised as
    ``batch_final``, or (``skip_final``) reported as "id: message" and left untouched. The inputs of
    all institutions are read once (``read_inputs``), the lines of all batches written in one
    statement, the batches updated in one, one audit row per batch."""
    existing = {
        b.institution_id: b
        for b in SettlementBatch.objects.select_for_update().filter(
            program=program,
            institution_id__in=[i.pk for i in institutions],
            period_start=start,
            period_end=end,
        )
    }
    skipped: list[str] = []
    targets: list[tuple[Institution, SettlementBatch, bool]] = []
    new: list[SettlementBatch] = []
    for institution in institutions:
        batch = existing.get(institution.pk)
        if batch is not None and batch.status != BatchStatus.GENERATED:
            error = InvalidState(
                _("This batch is %(status)s and cannot be generated again.")
                % {"status": batch.get_status_display()},
                code="batch_final",
            )
            if not skip_final:
                raise error
            skipped.append(f"{institution.pk}: {error.message}")
            continue
        regenerated = batch is not None
        if batch is None:
            batch = SettlementBatch(
                program=program,
                institution=institution,
                region_code=institution.region_code,
                period_start=start,
                period_end=end,
            )
            new.append(batch)
        targets.append((institution, batch, regenerated))
    if not targets:
        return [], skipped
    if new:
        try:
            with transaction.atomic():
                SettlementBatch.objects.bulk_create(new)
        except IntegrityError as exc:
            raise Conflict(
                _("This batch is being generated by someone else; try again."), code="batch_busy"
            ) from exc
    regenerated_ids = [b.pk for _i, b, again in targets if again]
    if regenerated_ids:
        SettlementLine.objects.filter(batch_id__in=regenerated_ids).delete()
    inputs = read_inputs(
        program=program,
        institution_ids=[i.pk for i, _b, _again in targets],
        year=start.year,
        end=end,
        exclude_batch_ids=[b.pk for _i, b, _again in targets],
    )
    rows: list[tuple[Any, ...]] = []
    counts: dict[int, int] = {}
    now = timezone.now()
    for institution, batch, _again in targets:
        results = calc.settle(
            year=start.year,
            end_month=end.month,
            rules=inputs.rules,
            plans=inputs.plans.get(institution.pk, []),
            earlier=inputs.earlier.get(institution.pk, {}),
            years_paid=inputs.years_paid,
            child_plans=inputs.children,
        )
        rows.extend(_line_row(batch.pk, institution.pk, r) for r in results)
        counts[batch.pk] = len(results)
        batch.line_count = len({r.person_id for r in results})
        batch.total_amount = sum((r.amount for r in results), Decimal("0.00"))
        batch.status = BatchStatus.GENERATED
        batch.generated_by = user_or_none(actor)
        batch.generated_at = now
    if rows:
        _write_lines(rows)
    batches = [b for _i, b, _again in targets]
    SettlementBatch.objects.bulk_update(
        batches, ["line_count", "total_amount", "status", "generated_by", "generated_at"]
    )
    for institution, batch, again in targets:
        audit_record(
            actor=actor,
            event=RehabEvent.SETTLEMENT_GENERATED,
            obj=batch,
            region_code=batch.region_code,
            new={
                "institution": institution.pk,
                "period_start": start,
                "period_end": end,
                "lines": counts[batch.pk],
                "children": batch.line_count,
                "total": batch.total_amount,
                "regenerated": again,
            },
        )
    return batches, skipped


@transaction.atomic
def batch_generate(*, actor: Any, institution_id: Any, period_start: Any, period_end: Any) -> SettlementBatch:
    """Compute an institution's settlement for whole months of one year. Generating again a batch
    that is still ``generated`` replaces its lines; an approved or paid batch is final."""
    institution = _locked_institution(actor, institution_id)
    start, end = _clean_period(period_start, period_end)
    program = _program()
    batches, _skipped = _generate(
        actor=actor, program=program, institutions=[institution], start=start, end=end, skip_final=False
    )
    return batches[0]


def _locked_batch(actor: Any, permission: str, batch_id: Any) -> SettlementBatch:
    """The batch, locked, if the actor sees it (``rehab.view``) and holds ``permission`` over it."""
    batch = lock_for(actor, SettlementBatch, batch_id, view="rehab.view")
    authorize(actor, permission, batch.region_code)
    return batch


@transaction.atomic
def batch_approve(*, actor: Any, batch_id: Any) -> SettlementBatch:
    """Maker-checker: someone other than the generator approves a generated batch."""
    batch = _locked_batch(actor, APPROVE, batch_id)
    if batch.status != BatchStatus.GENERATED:
        raise InvalidState(
            _("Only a generated batch can be approved; this one is %(status)s.")
            % {"status": batch.get_status_display()},
            code="batch_not_generated",
        )
    batch.mark_approved(
        actor,
        refusal=_(
            "The person who generated a batch cannot approve it: another user must check and approve it."
        ),
    )
    batch.status = BatchStatus.APPROVED
    batch.save(update_fields=["status", "approved_by", "approved_at"])
    sources_changed(
        "settlements", year=batch.period_end.year, month=batch.period_end.month
    )  # its lines now count as money spent
    audit_record(
        actor=actor,
        event=RehabEvent.SETTLEMENT_APPROVED,
        obj=batch,
        region_code=batch.region_code,
        old={"status": BatchStatus.GENERATED},
        new={"status": BatchStatus.APPROVED, "total": batch.total_amount},
    )
    return batch


@transaction.atomic
def batch_mark_paid(*, actor: Any, batch_id: Any, paid_on: Any = None) -> SettlementBatch:
    """Record that an approved batch was paid to the institution on ``paid_on`` (default today)."""
    batch = _locked_batch(actor, GENERATE, batch_id)
    if batch.status != BatchStatus.APPROVED:
        raise InvalidState(
            _("Only an approved batch can be marked paid; this one is %(status)s.")
            % {"status": batch.get_status_display()},
            code="batch_not_approved",
        )
    day = as_date(paid_on, "paid_on", required=False) or timezone.localdate()
    if batch.approved_at is not None and day < timezone.localtime(batch.approved_at).date():
        raise field_error("paid_on", _("A batch cannot be paid before it was approved."), day)
    if day > timezone.localdate():
        raise field_error("paid_on", _("The payment date cannot be in the future."), day)
    batch.status = BatchStatus.PAID
    batch.paid_on = day
    batch.save(update_fields=["status", "paid_on"])
    sources_changed("settlements", year=batch.period_end.year, month=batch.period_end.month)
    audit_record(
        actor=actor,
        event=RehabEvent.SETTLEMENT_PAID,
        obj=batch,
        region_code=batch.region_code,
        old={"status": BatchStatus.APPROVED},
        new={"status": BatchStatus.PAID, "paid_on": day, "total": batch.total_amount},
    )
    return batch


def batches_generate_for_region(
    *, actor: Any, region_code: str, period_start: Any, period_end: Any, on_done: Any = None
) -> tuple[list[SettlementBatch], list[str]]:
    """Generate the batch of every institution with plans in the year in ``region_code``, in one
    transaction: the institutions locked and checked as ``batch_generate`` does, the inputs of all of
    them read once, all lines written in one statement. Returns the batches and one message per
    institution skipped (an approved or paid batch, left untouched); ``on_done(batch)`` is called
    for each batch after the commit."""
    start, end = _clean_period(period_start, period_end)
    with transaction.atomic():
        ids = list(
            RehabPlan.objects.filter(year=start.year, institution__region_code__startswith=region_code)
            .values_list("institution_id", flat=True)
            .distinct()
            .order_by("institution_id")
        )
        if not ids:
            return [], []
        if not is_system(actor) and not actor.has_canlian_perm(GENERATE):
            raise PermissionDenied()
        institutions = list(Institution.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
        for institution in institutions:
            authorize(actor, GENERATE, institution.region_code)
        program = _program()
        done, skipped = _generate(
            actor=actor, program=program, institutions=institutions, start=start, end=end, skip_final=True
        )
    if on_done is not None:
        for batch in done:
            on_done(batch)
    return done, skipped
