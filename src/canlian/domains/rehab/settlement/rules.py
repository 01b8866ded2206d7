"""The settlement calculation: a pure function from aggregated rows to lines (no database).

Inputs are what ``settlement.actions.batch_generate`` reads set-based: the rules of the program
(``RuleSpec``), each plan of the institution in the year with its training days per month up to the
batch's end (``PlanDays``; only days inside the enrollment's paid window), every plan of the same
children in the year at any institution (``child_plans``: a child who changed institution mid-year),
what other batches of the same year already hold per (plan, rule) (``earlier``), and per child the
earlier years already paid under per-year rules (``years_paid``).

Choices (documented in docs/rehab-settlement.md):

* **Age** is the child's age in whole years on 1 January of the settled year.
* **Which rule** applies is decided per month: among the rules in force on the month's first day
  whose region is a prefix of the child's residence and whose keys (age band, categories, mode)
  match, the longest region prefix wins, then the most keys, then the latest start (then the
  highest id, for determinism).
* **A mid-year change** of standard: each month's days are counted under the rule in force that
  month. Yearly families (threshold, per_year) judge the threshold on the year's total days and pay
  each rule its share: ``amount_r × days_r / year_days`` when reached (below the threshold of the
  threshold family, pro rata: ``amount_r × days_r / min_days_r``).
* **Per month**: a month qualifies with at least ``max(min_days, 1)`` days; the first qualifying
  months of the year count, up to the month's rule's ``max_months`` (counted over the whole year).
* **Several plans in a year** (a child who changed institution): the rule is chosen per plan and
  month (each plan has its own residence region and mode); the yearly threshold is judged on the
  child's days at all institutions, the monthly minimum on the child's days in the month at all
  institutions; the child's amount is then split between the plans by their share of the days (per
  rule for the yearly families, per month for the monthly one). Shares are rounded to the cent
  (half up) and the last plan in plan order (first day, then id) gets the remainder, so the shares
  add up exactly to the child's amount. Each institution's batch holds only its plans' shares.
* **Cumulative batches**: a line's components are the entitlement for the year up to the batch's
  end; ``already_paid`` is what other batches of the year hold for the same plan and rule (any
  status, so nothing is paid twice); ``amount`` (due now) is the difference, negative when a later
  batch shows that less was due (a deduction from the institution's payment).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext as _

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

THRESHOLD = "threshold"
PER_MONTH = "per_month"
PER_YEAR = "per_year"

NOTHING = "nothing"
PRO_RATA = "pro_rata"
TRAINING_PRO_RATA = "training_pro_rata"


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def age_on_january_first(birth_date: dt.date | None, year: int) -> int | None:
    """Age in whole years on 1 January of ``year`` (None when the birth date is unknown)."""
    if birth_date is None:
        return None
    age = year - birth_date.year
    if (birth_date.month, birth_date.day) > (1, 1):
        age -= 1
    return max(age, 0)


@dataclass(frozen=True)
class RuleSpec:
    id: int
    region_code: str
    valid_from: dt.date
    valid_to: dt.date | None
    family: str
    amount: Decimal
    transport_amount: Decimal = ZERO
    min_days: int = 0
    below_threshold: str = NOTHING
    max_months: int | None = None
    max_years: int | None = None
    age_min: int | None = None
    age_max: int | None = None
    categories: str = ""
    mode: str = ""

    @classmethod
    def of(cls, row: Any) -> RuleSpec:
        """From a SettlementRule (or any object with the same attributes)."""
        return cls(
            id=row.id,
            region_code=row.region_code or "",
            valid_from=row.valid_from,
            valid_to=row.valid_to,
            family=row.family,
            amount=Decimal(row.amount),
            transport_amount=Decimal(row.transport_amount or 0),
            min_days=int(row.min_days or 0),
            below_threshold=row.below_threshold or NOTHING,
            max_months=row.max_months,
            max_years=row.max_years,
            age_min=row.age_min,
            age_max=row.age_max,
            categories=row.categories or "",
            mode=row.mode or "",
        )

    @property
    def key_count(self) -> int:
        return (
            int(self.age_min is not None or self.age_max is not None)
            + int(bool(self.categories))
            + int(bool(self.mode))
        )

    def in_force(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def matches(self, *, region_code: str, age: int | None, category: str, mode: str) -> bool:
        if not region_code.startswith(self.region_code):
            return False
        if self.age_min is not None and (age is None or age < self.age_min):
            return False
        if self.age_max is not None and (age is None or age > self.age_max):
            return False
        if self.categories and str(category) not in self.categories:
            return False
        return not (self.mode and mode != self.mode)


@dataclass(frozen=True)
class PlanDays:
    """One child's plan in the settled year and its training days per month (1–12)."""

    plan_id: int
    person_id: int
    region_code: str
    category: str
    mode: str
    birth_date: dt.date | None
    month_days: Mapping[int, int] = field(default_factory=dict)
    #: The plan's first day: a child's plans are split in this order (then by id).
    starts_on: dt.date | None = None


def plan_order(plan: PlanDays) -> tuple[dt.date, int]:
    return (plan.starts_on or dt.date.min, plan.plan_id)


@dataclass
class LineResult:
    plan_id: int
    person_id: int
    region_code: str
    rule_id: int | None
    family: str
    days: int
    year_days: int
    months: int
    training_amount: Decimal
    transport_amount: Decimal
    already_paid: Decimal
    amount: Decimal
    detail: dict[str, Any]


def choose_rule(
    rules: Iterable[RuleSpec], *, day: dt.date, region_code: str, age: int | None, category: str, mode: str
) -> RuleSpec | None:
    """The rule for a child in the month starting ``day``: longest region prefix, then most keys,
    then latest start, then highest id."""
    best: RuleSpec | None = None
    best_key: tuple[int, int, dt.date, int] | None = None
    for rule in rules:
        if not rule.in_force(day) or not rule.matches(
            region_code=region_code, age=age, category=category, mode=mode
        ):
            continue
        key = (len(rule.region_code), rule.key_count, rule.valid_from, rule.id)
        if best_key is None or key > best_key:
            best, best_key = rule, key
    return best


def _fraction(amount: Decimal, numerator: int, denominator: int) -> Decimal:
    if denominator <= 0:
        return ZERO
    return money(amount * numerator / denominator)


def _s(value: Decimal) -> str:
    return str(money(value))


def settle(
    *,
    year: int,
    end_month: int,
    rules: Iterable[RuleSpec],
    plans: Iterable[PlanDays],
    earlier: Mapping[tuple[int, int | None], Decimal] | None = None,
    years_paid: Mapping[tuple[int, str, str], int] | None = None,
    child_plans: Mapping[int, Sequence[PlanDays]] | None = None,
) -> list[LineResult]:
    """Lines for every plan of ``plans``: one per (plan, rule) with days, or with an amount held by
    an earlier batch. ``earlier`` maps (plan_id, rule_id) → sum already held by other batches of the
    year; ``years_paid`` maps (person_id, categories, mode) → earlier years paid under per-year
    rules with those keys; ``child_plans`` maps person_id → every plan of the child in the year at
    any institution (a child missing from it has only its plans in ``plans``): the child's days at
    all of them decide the amount, each plan of ``plans`` gets its share."""
    rule_list = list(rules)
    by_id = {r.id: r for r in rule_list}
    earlier = earlier or {}
    years_paid = years_paid or {}
    child_plans = child_plans or {}
    earlier_by_plan: dict[int, dict[int | None, Decimal]] = {}
    for (plan_id, rule_id), value in earlier.items():
        earlier_by_plan.setdefault(plan_id, {})[rule_id] = Decimal(value)
    targets = list(plans)
    by_person: dict[int, list[PlanDays]] = {}
    for plan in targets:
        by_person.setdefault(plan.person_id, []).append(plan)
    done: dict[int, dict[int, list[LineResult]]] = {}
    out: list[LineResult] = []
    for plan in targets:
        person = plan.person_id
        if person not in done:
            own = by_person[person]
            every = {p.plan_id: p for p in child_plans.get(person, ())}
            every.update({p.plan_id: p for p in own})
            done[person] = _settle_child(
                year,
                end_month,
                rule_list,
                by_id,
                sorted(every.values(), key=plan_order),
                {p.plan_id for p in own},
                earlier_by_plan,
                years_paid,
            )
        out.extend(done[person].get(plan.plan_id, []))
    return out


def _split(amount: Decimal, parts: Sequence[tuple[int, int]]) -> dict[int, tuple[Decimal, bool]]:
    """``amount`` split between plans by their days (``parts``: (plan_id, days), in plan order):
    each share rounded to the cent, the last one the remainder. → plan_id: (share, is the remainder
    different from the rounded share)."""
    total = sum(d for _p, d in parts)
    out: dict[int, tuple[Decimal, bool]] = {}
    given = ZERO
    for i, (plan_id, d) in enumerate(parts):
        rounded = _fraction(amount, d, total)
        if i == len(parts) - 1:
            share = money(amount) - given
            out[plan_id] = (share, share != rounded)
        else:
            out[plan_id] = (rounded, False)
            given += rounded
    return out


def _settle_child(
    year: int,
    end_month: int,
    rules: list[RuleSpec],
    by_id: dict[int, RuleSpec],
    plans: list[PlanDays],
    wanted: set[int],
    earlier_by_plan: Mapping[int, dict[int | None, Decimal]],
    years_paid: Mapping[tuple[int, str, str], int],
) -> dict[int, list[LineResult]]:
    """One child's lines for the plans in ``wanted``, from all the child's plans of the year
    (``plans``, in plan order)."""
    age = age_on_january_first(plans[0].birth_date, year)
    months = range(1, end_month + 1)
    chosen: dict[tuple[str, str, str, int], RuleSpec | None] = {}

    def rule_of(plan: PlanDays, month: int) -> RuleSpec | None:
        key = (plan.region_code, plan.category, plan.mode, month)
        if key not in chosen:
            chosen[key] = choose_rule(
                rules,
                day=dt.date(year, month, 1),
                region_code=plan.region_code,
                age=age,
                category=plan.category,
                mode=plan.mode,
            )
        return chosen[key]

    month_rule = {p.plan_id: {m: rule_of(p, m) for m in months} for p in plans}
    days = {p.plan_id: {m: int(p.month_days.get(m, 0)) for m in months} for p in plans}
    year_days = sum(sum(d.values()) for d in days.values())
    child_month = {m: sum(days[p.plan_id][m] for p in plans) for m in months}
    trained = [p for p in plans if any(days[p.plan_id].values())]
    several = len(trained) > 1

    # Yearly families: the child's entitlement per rule, judged on the child's days, then split.
    rule_days: dict[int, list[tuple[int, int]]] = {}
    for p in plans:
        per_rule: dict[int, int] = {}
        for m in months:
            rule = month_rule[p.plan_id][m]
            if rule is not None and rule.family in (THRESHOLD, PER_YEAR) and days[p.plan_id][m]:
                per_rule[rule.id] = per_rule.get(rule.id, 0) + days[p.plan_id][m]
        for rule_id, d in per_rule.items():
            rule_days.setdefault(rule_id, []).append((p.plan_id, d))
    yearly: dict[int, tuple[Decimal, Decimal, dict[str, Any]]] = {}
    shares: dict[tuple[int, int], tuple[Decimal, Decimal, bool]] = {}
    for rule_id, parts in rule_days.items():
        rule = by_id[rule_id]
        total_days = sum(d for _p, d in parts)
        child_detail: dict[str, Any] = {}
        if rule.family == THRESHOLD:
            training, transport = _threshold(rule, total_days, year_days, child_detail)
        else:
            paid_years = years_paid.get((plans[0].person_id, rule.categories, rule.mode), 0)
            training, transport = _per_year(rule, total_days, year_days, paid_years, child_detail)
        yearly[rule_id] = (training, transport, child_detail)
        split_training, split_transport = _split(training, parts), _split(transport, parts)
        for plan_id, _d in parts:
            shares[(plan_id, rule_id)] = (
                split_training[plan_id][0],
                split_transport[plan_id][0],
                split_training[plan_id][1] or split_transport[plan_id][1],
            )

    # Per month: a month qualifies on the child's days in it at all institutions; the first
    # qualifying months of the year count, up to each month's rule's cap; a month's amount is split
    # between the plans with days in it by their days.
    monthly: dict[tuple[int, int], list[Decimal]] = {}
    monthly_months: dict[tuple[int, int], list[int]] = {}
    shared_months: dict[tuple[int, int], dict[str, list[int]]] = {}
    counted = 0
    for m in months:
        qualifying = []
        for p in plans:
            rule = month_rule[p.plan_id][m]
            if rule is None or rule.family != PER_MONTH or not days[p.plan_id][m]:
                continue
            if child_month[m] >= max(rule.min_days, 1) and (
                rule.max_months is None or counted < rule.max_months
            ):
                qualifying.append((p, rule))
        if not qualifying:
            continue
        counted += 1
        total = sum(days[p.plan_id][m] for p, _r in qualifying)
        one_rule = len({r.id for _p, r in qualifying}) == 1
        given_training = given_transport = ZERO
        for i, (p, rule) in enumerate(qualifying):
            d = days[p.plan_id][m]
            if one_rule and i == len(qualifying) - 1:
                training = money(rule.amount) - given_training
                transport = money(rule.transport_amount) - given_transport
            else:
                training = _fraction(rule.amount, d, total)
                transport = _fraction(rule.transport_amount, d, total)
            given_training += training
            given_transport += transport
            key = (p.plan_id, rule.id)
            paid = monthly.setdefault(key, [ZERO, ZERO])
            paid[0] += training
            paid[1] += transport
            monthly_months.setdefault(key, []).append(m)
            if d != total:
                shared_months.setdefault(key, {})[str(m)] = [d, total]

    out: dict[int, list[LineResult]] = {}
    for plan in plans:
        if plan.plan_id not in wanted:
            continue
        pid = plan.plan_id
        earlier = earlier_by_plan.get(pid, {})
        plan_days = sum(days[pid].values())
        groups: dict[int | None, list[int]] = {}
        for m in months:
            rule = month_rule[pid][m]
            if days[pid][m] or rule is not None:
                groups.setdefault(rule.id if rule else None, []).append(m)
        results: list[LineResult] = []
        for rule_id in sorted(set(groups) | set(earlier), key=lambda k: (k is None, k or 0)):
            group = groups.get(rule_id, [])
            line_days = sum(days[pid][m] for m in group)
            rule = by_id.get(rule_id) if rule_id is not None else None
            already = money(earlier.get(rule_id, ZERO))
            if line_days == 0 and already == ZERO:
                continue
            detail: dict[str, Any] = {
                "year": year,
                "end_month": end_month,
                "age": age,
                "days": line_days,
                "year_days": year_days,
                "months": group,
            }
            if several:
                detail.update({"plan_days": plan_days, "institutions": len(trained)})
            training = transport = ZERO
            family = rule.family if rule else ""
            n_months = 0
            if rule is None:
                detail["no_rule"] = True
            else:
                detail.update(
                    {
                        "family": rule.family,
                        "rule": rule.id,
                        "rule_amount": _s(rule.amount),
                        "rule_transport": _s(rule.transport_amount),
                        "min_days": rule.min_days,
                    }
                )
                if rule.family in (THRESHOLD, PER_YEAR):
                    if rule.id in yearly:
                        child_training, child_transport, child_detail = yearly[rule.id]
                        detail.update(child_detail)
                        if (pid, rule.id) in shares:
                            training, transport, remainder = shares[(pid, rule.id)]
                            parts = rule_days[rule.id]
                            if len(parts) > 1:
                                detail["split"] = [line_days, sum(d for _p, d in parts)]
                                detail["child_total"] = _s(child_training + child_transport)
                                detail["remainder"] = remainder
                    else:
                        _yearly_detail(rule, year_days, detail, years_paid, plan.person_id)
                elif rule.family == PER_MONTH:
                    key = (pid, rule.id)
                    training, transport = monthly.get(key, [ZERO, ZERO])
                    paid_months = monthly_months.get(key, [])
                    n_months = len(paid_months)
                    detail.update(
                        {
                            "qualifying_months": paid_months,
                            "max_months": rule.max_months,
                            "month_days": {str(m): days[pid][m] for m in group},
                        }
                    )
                    if several:
                        detail["child_month_days"] = {str(m): child_month[m] for m in group}
                        if key in shared_months:
                            detail["split_months"] = shared_months[key]
            total = training + transport
            due = total - already
            detail.update(
                {
                    "training": _s(training),
                    "transport": _s(transport),
                    "total": _s(total),
                    "earlier": _s(already),
                    "due": _s(due),
                }
            )
            results.append(
                LineResult(
                    plan_id=pid,
                    person_id=plan.person_id,
                    region_code=plan.region_code,
                    rule_id=rule_id,
                    family=family,
                    days=line_days,
                    year_days=year_days,
                    months=n_months if family == PER_MONTH else len([m for m in group if days[pid][m]]),
                    training_amount=training,
                    transport_amount=transport,
                    already_paid=already,
                    amount=money(due),
                    detail=detail,
                )
            )
        out[pid] = results
    return out


def _yearly_detail(
    rule: RuleSpec,
    year_days: int,
    detail: dict[str, Any],
    years_paid: Mapping[tuple[int, str, str], int],
    person_id: int,
) -> None:
    """The explanation's facts of a yearly rule under which the plan has no days (a line that only
    takes back what an earlier batch held)."""
    if rule.family == THRESHOLD:
        _threshold(rule, 0, year_days, detail)
    else:
        _per_year(rule, 0, year_days, years_paid.get((person_id, rule.categories, rule.mode), 0), detail)


def _threshold(rule: RuleSpec, days: int, year_days: int, detail: dict[str, Any]) -> tuple[Decimal, Decimal]:
    reached = (rule.min_days > 0 and year_days >= rule.min_days) or (rule.min_days == 0 and year_days > 0)
    detail["reached"] = reached
    detail["below_threshold"] = rule.below_threshold
    if reached:
        detail["share"] = [days, year_days]
        if days == year_days:
            return money(rule.amount), money(rule.transport_amount)
        return _fraction(rule.amount, days, year_days), _fraction(rule.transport_amount, days, year_days)
    if rule.below_threshold == PRO_RATA:
        detail["share"] = [days, rule.min_days]
        return _fraction(rule.amount, days, rule.min_days), _fraction(
            rule.transport_amount, days, rule.min_days
        )
    if rule.below_threshold == TRAINING_PRO_RATA:
        detail["share"] = [days, rule.min_days]
        return _fraction(rule.amount, days, rule.min_days), ZERO
    return ZERO, ZERO


def _per_year(
    rule: RuleSpec, days: int, year_days: int, paid_years: int, detail: dict[str, Any]
) -> tuple[Decimal, Decimal]:
    reached = year_days >= max(rule.min_days, 1)
    detail["reached"] = reached
    detail["max_years"] = rule.max_years
    detail["years_paid"] = paid_years
    if rule.max_years is not None and paid_years >= rule.max_years:
        detail["years_exhausted"] = True
        return ZERO, ZERO
    if not reached:
        return ZERO, ZERO
    detail["share"] = [days, year_days]
    if days == year_days:
        return money(rule.amount), money(rule.transport_amount)
    return _fraction(rule.amount, days, year_days), _fraction(rule.transport_amount, days, year_days)


# --- explanation -----------------------------------------------------------------------------------


def _fmt(value: Any) -> str:
    return f"{Decimal(str(value)):,.2f}"


def explain(detail: Mapping[str, Any]) -> str:
    """One sentence that shows a line's arithmetic, from its ``detail``. For a child who trained at
    several institutions in the year it names the days at this institution, the child's days at all
    of them and this institution's share."""
    if not detail:
        return ""
    year = detail.get("year")
    days, year_days = detail.get("days", 0), detail.get("year_days", 0)
    several = int(detail.get("institutions") or 1) > 1
    tail = _("earlier batches %(earlier)s; due %(due)s") % {
        "earlier": _fmt(detail.get("earlier", 0)),
        "due": _fmt(detail.get("due", 0)),
    }
    if detail.get("no_rule"):
        head = _("%(days)s training days in %(year)s with no settlement rule in force for this child") % {
            "days": days,
            "year": year,
        }
        return f"{head}: 0.00; {tail}"
    if several:
        values = {"days": days, "year_days": year_days, "year": year}
        if days == detail.get("plan_days"):
            head = (
                _(
                    "%(days)s training days at this institution, of the child's %(year_days)s in %(year)s at all institutions"
                )
                % values
            )
        else:
            head = (
                _(
                    "%(days)s training days at this institution under this rule, of the child's "
                    "%(year_days)s in %(year)s at all institutions"
                )
                % values
            )
    elif days == year_days:
        head = _("%(days)s training days in %(year)s") % {"days": days, "year": year}
    else:
        head = _("%(days)s of %(year_days)s training days in %(year)s under this rule") % {
            "days": days,
            "year_days": year_days,
            "year": year,
        }
    family = detail.get("family")
    training, transport, total = (_fmt(detail.get(k, 0)) for k in ("training", "transport", "total"))
    share = detail.get("share")
    split = detail.get("split")

    def part(amount_key: str, value: str) -> str:
        # This institution's part of the child's amount: the child's fraction (days / year_days or
        # / min_days) times the split (this plan's days / the child's days under the rule).
        if share:
            numerator = split[0] if split else share[0]
            if numerator != share[1]:
                return f"{_fmt(detail[amount_key])} × {numerator}/{share[1]} = {value}"
        return value

    shared = ""
    if split:
        values = {"total": _fmt(detail.get("child_total", 0)), "n": detail.get("institutions") or 2}
        if detail.get("remainder"):
            shared = (
                _("the child's %(total)s shared by days between %(n)s institutions, this one the remainder")
                % values
            )
        else:
            shared = _("the child's %(total)s shared by days between %(n)s institutions") % values
        shared = f"; {shared}"

    if family == THRESHOLD:
        if detail.get("reached"):
            cond = _("threshold %(min)s reached") % {"min": detail.get("min_days")}
        else:
            cond = _("threshold %(min)s not reached: %(rule)s") % {
                "min": detail.get("min_days"),
                "rule": {
                    NOTHING: _("nothing below the threshold"),
                    PRO_RATA: _("pro rata to days"),
                    TRAINING_PRO_RATA: _("training pro rata to days, no transport"),
                }.get(detail.get("below_threshold", NOTHING), ""),
            }
        body = _("training %(training)s + transport %(transport)s = %(total)s") % {
            "training": part("rule_amount", training),
            "transport": part("rule_transport", transport)
            if detail.get("transport") != "0.00"
            else transport,
            "total": total,
        }
        return f"{head} ({cond}): {body}{shared}; {tail}"
    if family == PER_YEAR:
        if detail.get("years_exhausted"):
            cond = _("already paid for %(paid)s of at most %(max)s years") % {
                "paid": detail.get("years_paid"),
                "max": detail.get("max_years"),
            }
        elif detail.get("reached"):
            cond = _("at least %(min)s days: a year's amount") % {
                "min": max(int(detail.get("min_days") or 0), 1)
            }
        else:
            cond = _("fewer than %(min)s days: nothing") % {"min": max(int(detail.get("min_days") or 0), 1)}
        body = _("training %(training)s + transport %(transport)s = %(total)s") % {
            "training": part("rule_amount", training),
            "transport": part("rule_transport", transport)
            if detail.get("transport") != "0.00"
            else transport,
            "total": total,
        }
        return f"{head} ({cond}): {body}{shared}; {tail}"
    if family == PER_MONTH:
        months = detail.get("qualifying_months", [])
        values = {
            "n": len(months),
            "min": max(int(detail.get("min_days") or 0), 1),
            "cap": (_(", at most %(max)s a year") % {"max": detail["max_months"]})
            if detail.get("max_months")
            else "",
        }
        if several:
            cond = _("%(n)s qualifying months with at least %(min)s days at all institutions%(cap)s") % values
        else:
            cond = _("%(n)s qualifying months with at least %(min)s days%(cap)s") % values
        split_months = detail.get("split_months")
        if split_months:
            body = _(
                "training %(training)s + transport %(transport)s = %(total)s, months shared with another "
                "institution by days: %(months)s"
            ) % {
                "training": training,
                "transport": transport,
                "total": total,
                "months": ", ".join(f"{m}: {d}/{n}" for m, (d, n) in split_months.items()),
            }
        else:
            body = _("%(n)s × %(amount)s = %(training)s + transport %(transport)s = %(total)s") % {
                "n": len(months),
                "amount": _fmt(detail.get("rule_amount", 0)),
                "training": training,
                "transport": transport,
                "total": total,
            }
        return f"{head} ({cond}): {body}; {tail}"
    return f"{head}: {total}; {tail}"
