"""The settlement calculation: a pure function from aggregated rows to lines (no database).

Inputs are what ``settlement_actions.batch_generate`` reads set-based: the rules of the program
(``RuleSpec``), each plan of the institution in the year with its training days per month up to the
batch's end (``PlanDays``), what other batches of the same year already hold per (plan, rule)
(``earlier``), and per child the earlier years already paid under per-year rules (``years_paid``).

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
* **Cumulative batches**: a line's components are the entitlement for the year up to the batch's
  end; ``already_paid`` is what other batches of the year hold for the same plan and rule (any
  status, so nothing is paid twice); ``amount`` (due now) is the difference, negative when a later
  batch shows that less was due (a deduction from the institution's payment).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
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
) -> list[LineResult]:
    """Lines for every plan: one per (plan, rule) with days, or with an amount held by an earlier
    batch. ``earlier`` maps (plan_id, rule_id) → sum already held by other batches of the year;
    ``years_paid`` maps (person_id, categories, mode) → earlier years paid under per-year rules
    with those keys."""
    rule_list = list(rules)
    by_id = {r.id: r for r in rule_list}
    earlier = earlier or {}
    years_paid = years_paid or {}
    earlier_by_plan: dict[int, dict[int | None, Decimal]] = {}
    for (plan_id, rule_id), value in earlier.items():
        earlier_by_plan.setdefault(plan_id, {})[rule_id] = Decimal(value)
    out: list[LineResult] = []
    for plan in plans:
        out.extend(
            _settle_plan(
                year, end_month, rule_list, by_id, plan, earlier_by_plan.get(plan.plan_id, {}), years_paid
            )
        )
    return out


def _settle_plan(
    year: int,
    end_month: int,
    rules: list[RuleSpec],
    by_id: dict[int, RuleSpec],
    plan: PlanDays,
    earlier: dict[int | None, Decimal],
    years_paid: Mapping[tuple[int, str, str], int],
) -> list[LineResult]:
    age = age_on_january_first(plan.birth_date, year)
    month_rule: dict[int, RuleSpec | None] = {}
    for month in range(1, end_month + 1):
        month_rule[month] = choose_rule(
            rules,
            day=dt.date(year, month, 1),
            region_code=plan.region_code,
            age=age,
            category=plan.category,
            mode=plan.mode,
        )
    year_days = sum(int(plan.month_days.get(m, 0)) for m in range(1, end_month + 1))
    groups: dict[int | None, list[int]] = {}
    for month in range(1, end_month + 1):
        rule = month_rule[month]
        if plan.month_days.get(month, 0) or rule is not None:
            groups.setdefault(rule.id if rule else None, []).append(month)

    # Per month: the first qualifying months of the year count, up to each month's rule's cap.
    counted_months: dict[int, list[int]] = {}
    counted = 0
    for month in range(1, end_month + 1):
        rule = month_rule[month]
        if rule is None or rule.family != PER_MONTH:
            continue
        if plan.month_days.get(month, 0) >= max(rule.min_days, 1):
            if rule.max_months is None or counted < rule.max_months:
                counted_months.setdefault(rule.id, []).append(month)
                counted += 1

    results: list[LineResult] = []
    keys = set(groups) | set(earlier)
    for rule_id in sorted(keys, key=lambda k: (k is None, k or 0)):
        months = groups.get(rule_id, [])
        days = sum(int(plan.month_days.get(m, 0)) for m in months)
        rule = by_id.get(rule_id) if rule_id is not None else None
        already = money(earlier.get(rule_id, ZERO))
        if days == 0 and already == ZERO:
            continue
        detail: dict[str, Any] = {
            "year": year,
            "end_month": end_month,
            "age": age,
            "days": days,
            "year_days": year_days,
            "months": months,
        }
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
            if rule.family == THRESHOLD:
                training, transport = _threshold(rule, days, year_days, detail)
            elif rule.family == PER_YEAR:
                paid_years = years_paid.get((plan.person_id, rule.categories, rule.mode), 0)
                training, transport = _per_year(rule, days, year_days, paid_years, detail)
            elif rule.family == PER_MONTH:
                paid_months = counted_months.get(rule.id, [])
                n_months = len(paid_months)
                training = money(rule.amount * n_months)
                transport = money(rule.transport_amount * n_months)
                detail.update(
                    {
                        "qualifying_months": paid_months,
                        "max_months": rule.max_months,
                        "month_days": {str(m): int(plan.month_days.get(m, 0)) for m in months},
                    }
                )
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
                plan_id=plan.plan_id,
                person_id=plan.person_id,
                region_code=plan.region_code,
                rule_id=rule_id,
                family=family,
                days=days,
                year_days=year_days,
                months=n_months
                if family == PER_MONTH
                else len([m for m in months if plan.month_days.get(m, 0)]),
                training_amount=training,
                transport_amount=transport,
                already_paid=already,
                amount=money(due),
                detail=detail,
            )
        )
    return results


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
    """One sentence that shows a line's arithmetic, from its ``detail``."""
    if not detail:
        return ""
    year = detail.get("year")
    days, year_days = detail.get("days", 0), detail.get("year_days", 0)
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
    if days == year_days:
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

    def part(amount_key: str, value: str) -> str:
        if share and share[0] != share[1]:
            return f"{_fmt(detail[amount_key])} × {share[0]}/{share[1]} = {value}"
        return value

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
        return f"{head} ({cond}): {body}; {tail}"
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
        return f"{head} ({cond}): {body}; {tail}"
    if family == PER_MONTH:
        months = detail.get("qualifying_months", [])
        cond = _("%(n)s qualifying months with at least %(min)s days%(cap)s") % {
            "n": len(months),
            "min": max(int(detail.get("min_days") or 0), 1),
            "cap": (_(", at most %(max)s a year") % {"max": detail["max_months"]})
            if detail.get("max_months")
            else "",
        }
        body = _("%(n)s × %(amount)s = %(training)s + transport %(transport)s = %(total)s") % {
            "n": len(months),
            "amount": _fmt(detail.get("rule_amount", 0)),
            "training": training,
            "transport": transport,
            "total": total,
        }
        return f"{head} ({cond}): {body}; {tail}"
    return f"{head}: {total}; {tail}"
