"""The fee rule of care (托养), computed: for a resident and a month, the basis (the resident's own
allowances recorded: 低保金, 五保金; and the engine's paid lines of the month of the subsidy programs
the rule names: living and nursing subsidy), the days in care, the days the resident's household is
低保 or 特困/五保 (the registry's HardshipStatus), and the fee::

    fee = (basis × hardship days + min(institution's fee, cap) × other days) ÷ days in the month

(rounded half up to the cent): a resident of a 低保/五保 household brings their own allowances and
stays free; on the other days the institution's fee is capped at ``cap`` (the same basis, or a fixed
amount: ``FeeRule.cap_basis``). A resident in care the whole month: the fee is the basis, or
min(fee, cap). The facts of a whole institution are read in four queries (``load_facts``)."""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Q, Sum

from canlian.core.registry.models import HardshipStatus
from canlian.domains.community.choices import LIVING_PROGRAM, NURSING_PROGRAM, AllowanceKind, CapBasis
from canlian.domains.community.models import Allowance, CareResident, FeeRule
from canlian.domains.community.models._base import effective_q, region_prefixes
from canlian.programs.choices import LineStatus
from canlian.programs.models import PaymentLine

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def fee_rule_for(region_code: str, month: dt.date) -> FeeRule | None:
    rows = list(FeeRule.objects.filter(effective_q(month), region_code__in=region_prefixes(region_code)))
    rows.sort(key=lambda r: (len(r.region_code), r.valid_from), reverse=True)
    return rows[0] if rows else None


@dataclass
class Facts:
    """What the rule reads about one resident for one month."""

    resident: CareResident
    hardship: list[tuple[str, dt.date, dt.date | None]] = field(default_factory=list)
    allowances: list[tuple[str, Decimal, dt.date, dt.date | None]] = field(default_factory=list)
    subsidies: dict[str, Decimal] = field(default_factory=dict)


@dataclass
class Fee:
    rule: FeeRule
    month: dt.date
    days_in_month: int
    resident_days: int
    hardship_days: int
    dibao: Decimal
    wubao: Decimal
    living: Decimal
    nursing: Decimal
    other_subsidies: Decimal
    basis: Decimal
    institution_fee: Decimal
    cap: Decimal
    fee: Decimal

    def detail(self) -> dict[str, Any]:
        return {
            "rule": self.rule.pk,
            "cap_basis": self.rule.cap_basis,
            "other_subsidies": str(self.other_subsidies),
            "formula": (
                f"({self.basis} × {self.hardship_days} + min({self.institution_fee}, {self.cap}) × "
                f"{self.resident_days - self.hardship_days}) ÷ {self.days_in_month} = {self.fee}"
            ),
        }


def _overlap(
    start: dt.date, end: dt.date | None, first: dt.date, last: dt.date
) -> tuple[dt.date, dt.date] | None:
    lo, hi = max(start, first), min(end or last, last)
    return (lo, hi) if lo <= hi else None


def compute(rule: FeeRule, month: dt.date, facts: Facts) -> Fee:
    first = month.replace(day=1)
    days = calendar.monthrange(first.year, first.month)[1]
    last = first.replace(day=days)
    r = facts.resident
    stay = _overlap(r.admitted_on, r.discharged_on, first, last)
    resident_days = (stay[1] - stay[0]).days + 1 if stay else 0
    kinds = set(rule.hardship_kinds or [])
    held: set[dt.date] = set()
    if stay:
        for kind, start, end in facts.hardship:
            if kind not in kinds:
                continue
            span = _overlap(start, end, stay[0], stay[1])
            if span:
                held.update(span[0] + dt.timedelta(days=i) for i in range((span[1] - span[0]).days + 1))
    hardship_days = len(held)
    parts = {k: ZERO for k in AllowanceKind.values}
    counted = set(rule.allowance_kinds or [])
    latest: dict[str, dt.date] = {}
    for kind, amount, start, end in facts.allowances:
        # The monthly amount recorded for the month (the latest record overlapping it).
        if kind in counted and _overlap(start, end, first, last) and start >= latest.get(kind, dt.date.min):
            parts[kind], latest[kind] = amount, start
    programs = list(rule.subsidy_programs or [])
    living = facts.subsidies.get(LIVING_PROGRAM, ZERO) if LIVING_PROGRAM in programs else ZERO
    nursing = facts.subsidies.get(NURSING_PROGRAM, ZERO) if NURSING_PROGRAM in programs else ZERO
    other = sum(
        (
            v
            for k, v in facts.subsidies.items()
            if k in programs and k not in (LIVING_PROGRAM, NURSING_PROGRAM)
        ),
        ZERO,
    )
    basis = parts[AllowanceKind.DIBAO] + parts[AllowanceKind.WUBAO] + living + nursing + other
    cap = basis if rule.cap_basis == CapBasis.OWN else (rule.cap_amount or ZERO)
    institution_fee = r.monthly_fee
    other_days = resident_days - hardship_days
    fee = ((basis * hardship_days + min(institution_fee, cap) * other_days) / days).quantize(
        CENT, rounding=ROUND_HALF_UP
    )
    return Fee(
        rule=rule,
        month=first,
        days_in_month=days,
        resident_days=resident_days,
        hardship_days=hardship_days,
        dibao=parts[AllowanceKind.DIBAO],
        wubao=parts[AllowanceKind.WUBAO],
        living=living,
        nursing=nursing,
        other_subsidies=other,
        basis=basis,
        institution_fee=institution_fee,
        cap=cap,
        fee=fee,
    )


def residents_in_month(residents: Any, month: dt.date) -> Any:
    first = month.replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    return residents.filter(admitted_on__lte=last).filter(
        Q(discharged_on__isnull=True) | Q(discharged_on__gte=first)
    )


def load_facts(residents: list[CareResident], month: dt.date, programs: list[str]) -> list[Facts]:
    """The facts of many residents for a month in three queries (statuses, allowances, paid lines)."""
    first = month.replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    people = [r.person_id for r in residents]
    hardship: dict[int, list[Any]] = defaultdict(list)
    for pid, kind, start, end in (
        HardshipStatus.objects.filter(person_id__in=people, valid_from__lte=last)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=first))
        .values_list("person_id", "kind", "valid_from", "valid_to")
    ):
        hardship[pid].append((kind, start, end))
    allowances: dict[int, list[Any]] = defaultdict(list)
    for pid, kind, amount, start, end in (
        Allowance.objects.filter(person_id__in=people, valid_from__lte=last)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=first))
        .values_list("person_id", "kind", "monthly_amount", "valid_from", "valid_to")
    ):
        allowances[pid].append((kind, amount, start, end))
    subsidies: dict[int, dict[str, Decimal]] = defaultdict(dict)
    if programs:
        rows = (
            PaymentLine.objects.filter(
                person_id__in=people, period=first, status=LineStatus.PAID, program__code__in=programs
            )
            .values_list("person_id", "program__code")
            .annotate(total=Sum("amount"))
            .order_by()
        )
        for pid, code, total in rows:
            subsidies[pid][code] = Decimal(total).quantize(CENT)
    return [
        Facts(
            resident=r,
            hardship=hardship[r.person_id],
            allowances=allowances[r.person_id],
            subsidies=subsidies[r.person_id],
        )
        for r in residents
    ]


def fees_for(residents: list[CareResident], month: dt.date) -> list[Fee | None]:
    """The fee of each resident for the month under the rule in force for their region (None: no rule)."""
    rules = {r.region_code: fee_rule_for(r.region_code, month) for r in residents}
    programs = sorted({p for rule in rules.values() if rule for p in (rule.subsidy_programs or [])})
    out: list[Fee | None] = []
    for facts in load_facts(residents, month, programs):
        rule = rules[facts.resident.region_code]
        out.append(compute(rule, month, facts) if rule else None)
    return out
