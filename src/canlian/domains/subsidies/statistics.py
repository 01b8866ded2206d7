"""Statistics of the two subsidies and the sentence a federation puts in its report (issue 4, item 6).

For a region and a range of cycle months, per subsidy: people (distinct persons paid), person-times
(人次: payment lines, one per person and month paid, arrears and re-issues included) and amounts, and
the same per township. Only payments that were made count: lines that did not fail, in cycles
approved or later (approved, sent to the bank, closed); a generated cycle still under review does
not. The payments come from one SQL statement: a GROUP BY over payment lines (which carry their
region code, so no join to people), with the per-program totals and the overall distinct people as
two more groupings of the same rows in a UNION ALL. A second GROUP BY counts the recovery items
(追缴: months already paid without entitlement) of the same months, per outcome; the sentence names
them when there are any.

Money is Decimal throughout. The sentence writes amounts in 万元 with two decimals, rounded half up
(``ROUND_HALF_UP``) from the exact yuan; **the total is the exact yuan total rounded once, not the
sum of the two rounded amounts**, so it may differ from that sum by 0.01 (``to_wan``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import CharField, Count, IntegerField, Q, QuerySet, Sum, Value
from django.db.models.functions import Substr

from canlian.core.permissions import Perm
from canlian.core.registry.selectors import region_names
from canlian.domains.subsidies.presets import LIVING, NAMES, NURSING
from canlian.programs.choices import CycleStatus, LineStatus, RecoveryStatus
from canlian.programs.models import PaymentLine, Program, RecoveryItem, RecoveryLine

#: Cycle statuses whose lines count as paid out (approved or later).
COUNTED_CYCLES = (CycleStatus.APPROVED, CycleStatus.EXPORTED, CycleStatus.CLOSED)
#: The order the report names them in: nursing, then living.
PROGRAMS = (NURSING, LIVING)
TOWNSHIP_LENGTH = 9
WAN = Decimal(10000)
CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def to_wan(yuan: Decimal) -> Decimal:
    """Yuan to 万元 with two decimals, half up (1048.325 万 → 1048.33)."""
    return (Decimal(yuan) / WAN).quantize(CENT, rounding=ROUND_HALF_UP)


def month_range_text(first: dt.date, last: dt.date) -> str:
    """ "3月" for one month, "1–7月" within one year, "2025年12月–2026年2月" across years."""
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.month}月"
    if first.year == last.year:
        return f"{first.month}–{last.month}月"
    return f"{first.year}年{first.month}月–{last.year}年{last.month}月"


@dataclass
class Figures:
    """People (distinct), person-times and amount (yuan) of one program, one township or a total."""

    people: int = 0
    times: int = 0
    amount: Decimal = ZERO

    @property
    def amount_wan(self) -> Decimal:
        return to_wan(self.amount)

    def as_dict(self) -> dict[str, Any]:
        return {
            "people": self.people,
            "person_times": self.times,
            "amount": str(self.amount),
            "amount_wan": str(self.amount_wan),
        }


@dataclass
class TownshipRow:
    code: str
    name: str
    programs: dict[str, Figures] = field(default_factory=dict)
    #: The county the township belongs to: township names repeat across a city's counties.
    county: str = ""

    @property
    def amount(self) -> Decimal:
        return sum((f.amount for f in self.programs.values()), ZERO)

    @property
    def figures(self) -> list[Figures]:
        return [self.programs[code] for code in PROGRAMS]


@dataclass
class RecoveryFigures:
    """Months paid without entitlement (追缴) of one program: person-times and yuan by outcome."""

    times: int = 0
    amount: Decimal = ZERO
    recovered: Decimal = ZERO
    waived: Decimal = ZERO

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.recovered - self.waived

    def as_dict(self) -> dict[str, Any]:
        return {
            "person_times": self.times,
            "amount": str(self.amount),
            "recovered": str(self.recovered),
            "waived": str(self.waived),
            "outstanding": str(self.outstanding),
        }


@dataclass
class SubsidyStatistics:
    region: str
    first: dt.date
    last: dt.date
    programs: dict[str, Figures]  # by program code, in PROGRAMS order
    total: Figures  # people: distinct across both subsidies
    townships: list[TownshipRow]
    recoveries: dict[str, RecoveryFigures] = field(default_factory=dict)

    @property
    def recovery_total(self) -> RecoveryFigures:
        total = RecoveryFigures()
        for r in self.recoveries.values():
            total.times += r.times
            total.amount += r.amount
            total.recovered += r.recovered
            total.waived += r.waived
        return total

    @property
    def months_text(self) -> str:
        return month_range_text(self.first, self.last)

    @property
    def sentence(self) -> str:
        """E.g. "1–7月发放两项补贴1048.33万元，其中重度残疾人护理补贴4476人次、金额864.45万元，
        困难残疾人生活补贴1270人次、金额183.88万元" (the total rounded from the exact yuan)."""
        parts = [
            f"{NAMES[code][1]}{self.programs[code].times}人次、金额{self.programs[code].amount_wan}万元"
            for code in PROGRAMS
        ]
        text = f"{self.months_text}发放两项补贴{self.total.amount_wan}万元，其中" + "，".join(parts)
        due = self.recovery_total
        if due.times:
            text += (
                f"；应追缴{due.times}人次、金额{to_wan(due.amount)}万元，已追回{to_wan(due.recovered)}万元"
            )
        return text

    def recovery_rows(self) -> list[tuple[str, str, RecoveryFigures]]:
        return [(code, NAMES[code][1], self.recoveries.get(code, RecoveryFigures())) for code in PROGRAMS]

    @property
    def many_counties(self) -> bool:
        """Whether the townships span several counties (then each row names its county)."""
        return len({row.code[:6] for row in self.townships}) > 1

    def program_rows(self) -> list[tuple[str, str, Figures]]:
        return [(code, NAMES[code][1], self.programs[code]) for code in PROGRAMS]

    def as_dict(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "from": f"{self.first:%Y-%m}",
            "to": f"{self.last:%Y-%m}",
            "sentence": self.sentence,
            "programs": [
                {"code": code, "name": name, **f.as_dict()} for code, name, f in self.program_rows()
            ],
            "total": self.total.as_dict(),
            "recoveries": {code: f.as_dict() for code, _name, f in self.recovery_rows()},
            "townships": [
                {
                    "code": row.code,
                    "name": row.name,
                    "county": row.county,
                    "programs": {code: row.programs[code].as_dict() for code in PROGRAMS},
                    "amount": str(row.amount),
                }
                for row in self.townships
            ],
        }


def counted_lines(*, user: Any, region: str, first: dt.date, last: dt.date) -> QuerySet[PaymentLine]:
    """The lines that count, in the user's enrollments.view scope (statistics are aggregates)."""
    qs = PaymentLine.objects.for_user(user, Perm.ENROLLMENTS_VIEW).filter(
        program__code__in=PROGRAMS,
        cycle__status__in=COUNTED_CYCLES,
        cycle__month__gte=first,
        cycle__month__lte=last,
    )
    qs = qs.filter(~Q(status=LineStatus.FAILED))
    if region:
        qs = qs.filter(region_code__startswith=region)
    return qs


def subsidy_statistics(*, user: Any, region: str = "", first: dt.date, last: dt.date) -> SubsidyStatistics:
    """The figures of the two subsidies for ``region`` (blank = the user's whole scope) and the cycle
    months ``first``..``last`` (first days of months), in one statement."""
    first, last = first.replace(day=1), last.replace(day=1)
    lines = counted_lines(user=user, region=region, first=first, last=last)
    figures = {
        "people": Count("person_id", distinct=True),
        "times": Count("id"),
        "amount": Sum("amount"),
    }
    by_township = (
        lines.order_by()
        .annotate(g_program=Substr("program__code", 1, 40), g_town=Substr("region_code", 1, TOWNSHIP_LENGTH))
        .values("g_program", "g_town")
        .annotate(**figures)
        .values_list("g_program", "g_town", "people", "times", "amount")
    )
    by_program = (
        lines.order_by()
        .annotate(g_program=Substr("program__code", 1, 40), g_town=Value("*", output_field=CharField()))
        .values("g_program", "g_town")
        .annotate(**figures)
        .values_list("g_program", "g_town", "people", "times", "amount")
    )
    overall = (
        lines.order_by()
        .annotate(g_one=Value(1, output_field=IntegerField()))
        .values("g_one")
        .annotate(
            g_program=Value("*", output_field=CharField()),
            g_town=Value("*", output_field=CharField()),
            **figures,
        )
        .values_list("g_program", "g_town", "people", "times", "amount")
    )
    rows = list(by_township.union(by_program, overall, all=True))
    programs = {code: Figures() for code in PROGRAMS}
    total = Figures()
    towns: dict[str, TownshipRow] = {}
    for program_code, town, people, times, amount in rows:
        value = Figures(people=people, times=times, amount=Decimal(amount or 0).quantize(CENT))
        if program_code == "*":
            total = value
        elif town == "*":
            programs[program_code] = value
        else:
            row = towns.setdefault(town, TownshipRow(code=town, name=""))
            row.programs[program_code] = value
    names = region_names(set(towns) | {code[:6] for code in towns})
    townships = sorted(towns.values(), key=lambda r: r.code)
    for row in townships:
        row.name = names.get(row.code, row.code)
        row.county = names.get(row.code[:6], row.code[:6])
        for code in PROGRAMS:
            row.programs.setdefault(code, Figures())
    return SubsidyStatistics(
        region=region,
        first=first,
        last=last,
        programs=programs,
        total=total,
        townships=townships,
        recoveries=recovery_figures(user=user, region=region, first=first, last=last),
    )


def recovery_figures(*, user: Any, region: str, first: dt.date, last: dt.date) -> dict[str, RecoveryFigures]:
    """Recovery items' months paid for in ``first``..``last``, per program and outcome (one GROUP BY)."""
    items = RecoveryItem.objects.for_user(user, Perm.ENROLLMENTS_VIEW).filter(program__code__in=PROGRAMS)
    if region:
        items = items.filter(region_code__startswith=region)
    rows = (
        RecoveryLine.objects.filter(item__in=items, period__gte=first, period__lte=last)
        .order_by()
        .values_list("item__program__code", "item__status")
        .annotate(times=Count("id"), amount=Sum("amount"))
    )
    found: dict[str, RecoveryFigures] = {}
    for code, status, times, amount in rows:
        figures = found.setdefault(code, RecoveryFigures())
        amount = Decimal(amount or 0).quantize(CENT)
        figures.times += times
        figures.amount += amount
        if status == RecoveryStatus.RECOVERED:
            figures.recovered += amount
        elif status == RecoveryStatus.WAIVED:
            figures.waived += amount
    return found


def subsidy_programs() -> dict[str, Program]:
    return {p.code: p for p in Program.objects.filter(code__in=PROGRAMS)}
