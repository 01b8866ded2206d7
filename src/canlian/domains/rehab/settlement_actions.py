"""Writes of settlement: rules (effective-dated, rehab.manage), batches (generate and mark paid with
settlements.generate, approve with settlements.approve by someone other than the generator).
Each action is atomic, checks permission and scope inside its transaction and audits there.
``actor=None`` is the operator at the command line.

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

import calendar
import datetime as dt
import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.accounts.roles import Perm
from canlian.core.audit.actions import audit_record
from canlian.core.audit.events import EventType
from canlian.core.institutions.choices import ServiceCategory
from canlian.core.institutions.models import Institution
from canlian.domains.rehab import settlement as calc
from canlian.domains.rehab.choices import PROGRAM_CODE, BatchStatus, BelowThreshold, RuleFamily, TrainingMode
from canlian.domains.rehab.models import (
    Attendance,
    RehabPlan,
    SettlementBatch,
    SettlementLine,
    SettlementRule,
)
from canlian.platform.bulk import append_rows
from canlian.platform.errors import (
    Conflict,
    InvalidState,
    NotFound,
    PermissionDenied,
    RowError,
    ValidationFailed,
)
from canlian.platform.scoping import assert_in_scope, scope_of
from canlian.programs.models import Program

MANAGE = Perm.REHAB_MANAGE
GENERATE = Perm.SETTLEMENTS_GENERATE
APPROVE = Perm.SETTLEMENTS_APPROVE

_DAY = dt.timedelta(days=1)


def _fail(field: str, message: Any, value: Any = None) -> ValidationFailed:
    return ValidationFailed(
        errors=[
            RowError(row=None, field=field, message=str(message), value=None if value is None else str(value))
        ],
        field=field,
    )


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _check(actor: Any, permission: str, region_code: str) -> None:
    if actor is None:
        return
    if not actor.has_canlian_perm(permission):
        raise PermissionDenied()
    assert_in_scope(actor, permission, region_code)


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
        raise _fail(field, _("Give a month as YYYY-MM."), value) from exc


def month_end(value: Any, field: str) -> dt.date:
    first = month_start(value, field)
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def _amount(field: str, value: Any, *, required: bool = True) -> Decimal:
    if value in (None, ""):
        if required:
            raise _fail(field, _("This field is required."))
        return Decimal("0.00")
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError, TypeError) as exc:
        raise _fail(field, _("Give an amount in yuan."), value) from exc
    if not amount.is_finite() or amount < 0:
        raise _fail(field, _("The amount cannot be negative."), value)
    if amount != amount.quantize(Decimal("0.01")) or amount >= Decimal("100000000"):
        raise _fail(field, _("Give an amount in yuan with at most two decimals."), value)
    return amount.quantize(Decimal("0.01"))


def _small(field: str, value: Any, *, low: int = 0, high: int = 366) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise _fail(field, _("Enter a whole number."), value) from exc
    if not low <= number <= high:
        raise _fail(field, _("Enter a number from %(low)s to %(high)s.") % {"low": low, "high": high}, value)
    return number


def _categories(value: Any) -> str:
    text = "".join(str(value or "").replace(",", "").replace("、", "").split())
    allowed = set(ServiceCategory.values)
    if any(ch not in allowed for ch in text):
        raise _fail(
            "categories",
            _("Use only the category codes %(allowed)s.") % {"allowed": "".join(sorted(allowed))},
            value,
        )
    return "".join(sorted(set(text)))


def _clean_region(region_code: Any) -> str:
    from canlian.core.regions.models import Region

    code = str(region_code or "").strip()
    if code and not Region.objects.filter(code=code).exists():
        raise _fail("region_code", _("No region has the code %(code)s.") % {"code": code}, code)
    return code


def _check_rule_region(actor: Any, region_code: str) -> None:
    if actor is None:
        return
    if not actor.has_canlian_perm(MANAGE):
        raise PermissionDenied()
    scope = scope_of(actor, MANAGE)
    if region_code == "":
        if not scope.everything:
            raise PermissionDenied(_("Only a national administrator may change national rows."))
        return
    if not scope.contains(region_code):
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
        raise _fail("valid_to", _("The end cannot be before the start."), valid_to)
    family = str(family or "")
    if family not in RuleFamily.values:
        raise _fail("family", _("Choose a rule family."), family)
    below = str(below_threshold or BelowThreshold.NOTHING)
    if below not in BelowThreshold.values:
        raise _fail("below_threshold", _("Choose what is paid below the threshold."), below)
    mode = str(mode or "")
    if mode and mode not in TrainingMode.values:
        raise _fail("mode", _("Choose a training mode."), mode)
    keys = {
        "age_min": _small("age_min", age_min, high=18),
        "age_max": _small("age_max", age_max, high=18),
        "categories": _categories(categories),
        "mode": mode,
    }
    if keys["age_min"] is not None and keys["age_max"] is not None and keys["age_min"] > keys["age_max"]:
        raise _fail("age_max", _("The upper age is below the lower one."), age_max)
    values = {
        "family": family,
        "amount": _amount("amount", amount),
        "transport_amount": _amount("transport_amount", transport_amount, required=False),
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
        raise _fail("min_days", _("A threshold rule needs the minimum number of training days."), min_days)
    if family == RuleFamily.PER_MONTH and values["min_days"] > 31:
        raise _fail("min_days", _("A month has at most 31 days."), min_days)
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
            event=EventType.SETTLEMENT_RULE_SAVED,
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
                created_by=_user(actor),
                **keys,
                **values,
            )
    except IntegrityError as exc:
        raise Conflict(_("A rule with the same keys starts in this month."), code="rule_overlap") from exc
    audit_record(
        actor=actor,
        event=EventType.SETTLEMENT_RULE_SAVED,
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
    try:
        institution = Institution.objects.select_for_update().filter(pk=institution_id).first()
    except (TypeError, ValueError):
        institution = None
    if institution is None:
        raise NotFound()
    if actor is not None and not actor.has_canlian_perm(GENERATE):
        raise PermissionDenied()
    _check(actor, GENERATE, institution.region_code)
    return institution


def _clean_period(period_start: Any, period_end: Any) -> tuple[dt.date, dt.date]:
    start = month_start(period_start, "period_start")
    end = month_end(period_end, "period_end")
    if end < start:
        raise _fail("period_end", _("The period's end cannot be before its start."), period_end)
    if start.year != end.year:
        raise _fail("period_end", _("A batch covers months of one calendar year."), period_end)
    return start, end


@dataclass
class Inputs:
    """What the calculation needs for a set of institutions in one year, read set-based: the rules,
    per institution its plans (with training days per month) and what other batches hold per (plan,
    rule), per child every plan of the year at any institution (``children``), and the earlier years
    paid per (child, categories, mode) under per-year rules."""

    rules: list[calc.RuleSpec]
    plans: dict[int, list[calc.PlanDays]] = field(default_factory=dict)
    earlier: dict[int, dict[Any, Decimal]] = field(default_factory=dict)
    years_paid: dict[Any, int] = field(default_factory=dict)
    children: dict[int, list[calc.PlanDays]] = field(default_factory=dict)


def read_inputs(
    *,
    program: Program,
    institution_ids: Sequence[int],
    year: int,
    end: dt.date,
    exclude_batch_ids: Collection[int] = (),
) -> Inputs:
    """The inputs of every institution in ``institution_ids`` in five queries whatever their number
    and size: rules, training days per (plan, month) of every plan of the year of the institutions'
    children (inside the enrollment's paid window: from the application date to the day before the
    stop), other batches' lines per (plan, rule), those plans, earlier years paid (only when
    per-year rules exist)."""
    ids = list(institution_ids)
    first = dt.date(year, 1, 1)
    inputs = Inputs(
        rules=[
            calc.RuleSpec.of(r)
            for r in SettlementRule.objects.filter(program=program, valid_from__lte=end).filter(
                Q(valid_to__isnull=True) | Q(valid_to__gte=first)
            )
        ]
    )
    own_plans = RehabPlan.objects.filter(institution_id__in=ids, year=year)
    children = own_plans.values("person_id")
    # Training days per (plan, month) of the children's plans of the year, at any institution, up to
    # the end and inside the paid window (days stored outside it, old data, are not counted).
    days: dict[int, dict[int, int]] = {}
    for plan_id, month, n in _training_days(year=year, first=first, end=end, children=children):
        days.setdefault(plan_id, {})[month] = n
    # What other batches of the program hold for these children in the year, per (plan, rule).
    held = SettlementLine.objects.filter(
        batch__program=program, plan__institution_id__in=ids, plan__year=year
    )
    if exclude_batch_ids:
        held = held.exclude(batch_id__in=list(exclude_batch_ids))
    for institution_id, plan_id, rule_id, total in (
        held.values_list("plan__institution_id", "plan_id", "rule_id")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        inputs.earlier.setdefault(institution_id, {})[(plan_id, rule_id)] = total or Decimal("0.00")
    held_plans = {p for lines in inputs.earlier.values() for p, _r in lines}
    wanted = set(ids)
    plans_qs = RehabPlan.objects.filter(year=year, person_id__in=children)
    for (
        pid,
        institution_id,
        person_id,
        region_code,
        category,
        mode,
        birth_date,
        starts_on,
    ) in plans_qs.values_list(
        "id",
        "institution_id",
        "person_id",
        "region_code",
        "category",
        "mode",
        "person__birth_date",
        "starts_on",
    ).order_by("id"):
        month_days = days.get(pid)
        if month_days is None and pid not in held_plans:
            continue
        plan = calc.PlanDays(
            plan_id=pid,
            person_id=person_id,
            region_code=region_code,
            category=category,
            mode=mode,
            birth_date=birth_date,
            month_days=month_days or {},
            starts_on=starts_on,
        )
        inputs.children.setdefault(person_id, []).append(plan)
        if institution_id in wanted:
            inputs.plans.setdefault(institution_id, []).append(plan)
    # Earlier years paid per (child, categories, mode) of per-year rules.
    if any(r.family == RuleFamily.PER_YEAR for r in inputs.rules):
        paid = (
            SettlementLine.objects.filter(
                batch__program=program,
                family=RuleFamily.PER_YEAR,
                training_amount__gt=0,
                plan__year__lt=year,
                person_id__in=children,
            )
            .values_list("person_id", "rule__categories", "rule__mode")
            .annotate(years=Count("plan__year", distinct=True))
            .order_by()
        )
        for person_id, categories, mode, years in paid:
            inputs.years_paid[(person_id, categories or "", mode or "")] = int(years)
    return inputs


def _training_days(*, year: int, first: dt.date, end: dt.date, children: Any) -> list[tuple[int, int, int]]:
    """(plan, month, days) of every plan in ``year`` of the ``children`` (a subquery of person ids),
    counting the days from ``first`` to ``end`` inside each plan's enrollment window: on or after
    ``applied_on``, before ``stopped_from``.

    One statement, written by hand for its shape: the plans of the children with their window are a
    small derived table (fenced with ``OFFSET 0`` on PostgreSQL, so that the planner does not flatten
    it), joined once to the attendance rows. Flattened (the ORM's joins of plan and enrollment), the
    planner hashes the attendance rows through both joins and the filter, about 1.8× the time of
    the grouped scan alone; fenced, about 1.3× (bench/settlement.py's data)."""
    window = (
        RehabPlan.objects.filter(year=year, person_id__in=children)
        .annotate(w_plan=F("id"), w_from=F("enrollment__applied_on"), w_stop=F("enrollment__stopped_from"))
        .values_list("w_plan", "w_from", "w_stop")
        .order_by()
    )
    window_sql, window_params = window.query.sql_with_params()
    ops = connection.ops
    table = ops.quote_name(Attendance._meta.db_table)
    plan_col = ops.quote_name(Attendance._meta.get_field("plan").column)
    on_col = "a." + ops.quote_name(Attendance._meta.get_field("on").column)
    month_sql, month_params = ops.date_extract_sql("month", on_col, ())
    fence = " OFFSET 0" if connection.vendor == "postgresql" else ""
    sql = (
        f"SELECT a.{plan_col}, CAST({month_sql} AS integer), COUNT(*) "
        f"FROM {table} a JOIN ({window_sql}{fence}) w ON w.w_plan = a.{plan_col} "
        f"WHERE {on_col} >= %s AND {on_col} <= %s AND {on_col} >= w.w_from "
        f"AND (w.w_stop IS NULL OR {on_col} < w.w_stop) "
        "GROUP BY 1, 2"
    )
    params = [
        *month_params,
        *window_params,
        ops.adapt_datefield_value(first),
        ops.adapt_datefield_value(end),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(int(plan_id), int(month), int(n)) for plan_id, month, n in cursor.fetchall()]


def settlement_inputs(
    *, program: Program, institution_id: int, year: int, end: dt.date, exclude_batch_id: int | None
) -> tuple[
    list[calc.RuleSpec],
    list[calc.PlanDays],
    dict[Any, Decimal],
    dict[Any, int],
    dict[int, list[calc.PlanDays]],
]:
    """One institution's inputs (``read_inputs`` for a single institution)."""
    inputs = read_inputs(
        program=program,
        institution_ids=[institution_id],
        year=year,
        end=end,
        exclude_batch_ids=() if exclude_batch_id is None else (exclude_batch_id,),
    )
    return (
        inputs.rules,
        inputs.plans.get(institution_id, []),
        inputs.earlier.get(institution_id, {}),
        inputs.years_paid,
        inputs.children,
    )


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
        batch.generated_by = _user(actor)
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
            event=EventType.SETTLEMENT_GENERATED,
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
    try:
        batch = SettlementBatch.objects.select_for_update().filter(pk=batch_id).first()
    except (TypeError, ValueError):
        batch = None
    if batch is None:
        raise NotFound()
    if (
        actor is not None
        and not SettlementBatch.objects.for_user(actor, "rehab.view").filter(pk=batch.pk).exists()
    ):
        raise NotFound()
    _check(actor, permission, batch.region_code)
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
    approver_id = getattr(actor, "pk", None)
    if approver_id is None or approver_id == batch.generated_by_id:
        raise PermissionDenied(
            _("The person who generated a batch cannot approve it: another user must check and approve it."),
            code="same_person",
        )
    batch.status = BatchStatus.APPROVED
    batch.approved_by = actor
    batch.approved_at = timezone.now()
    batch.save(update_fields=["status", "approved_by", "approved_at"])
    audit_record(
        actor=actor,
        event=EventType.SETTLEMENT_APPROVED,
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
    if paid_on in (None, ""):
        day = timezone.localdate()
    elif isinstance(paid_on, dt.date):
        day = paid_on
    else:
        try:
            day = dt.date.fromisoformat(str(paid_on).strip())
        except ValueError as exc:
            raise _fail("paid_on", _("Enter a date as YYYY-MM-DD."), paid_on) from exc
    if batch.approved_at is not None and day < timezone.localtime(batch.approved_at).date():
        raise _fail("paid_on", _("A batch cannot be paid before it was approved."), day)
    if day > timezone.localdate():
        raise _fail("paid_on", _("The payment date cannot be in the future."), day)
    batch.status = BatchStatus.PAID
    batch.paid_on = day
    batch.save(update_fields=["status", "paid_on"])
    audit_record(
        actor=actor,
        event=EventType.SETTLEMENT_PAID,
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
        if actor is not None and not actor.has_canlian_perm(GENERATE):
            raise PermissionDenied()
        institutions = list(Institution.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
        for institution in institutions:
            _check(actor, GENERATE, institution.region_code)
        program = _program()
        done, skipped = _generate(
            actor=actor, program=program, institutions=institutions, start=start, end=end, skip_final=True
        )
    if on_done is not None:
        for batch in done:
            on_done(batch)
    return done, skipped
