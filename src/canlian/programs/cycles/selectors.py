"""Reads of payment cycles and lines: always through ``for_user`` (the one scoping path)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet, Sum

from canlian.core.permissions import Perm
from canlian.programs.models import PaymentCycle, PaymentLine


@dataclass
class CycleFilters:
    program: str = ""  # program code
    month: dt.date | None = None
    status: str = ""
    region: str = ""


def cycles_for_user(
    *, user: Any, filters: CycleFilters | None = None, action: str = Perm.PAYMENTS_VIEW
) -> QuerySet:
    filters = filters or CycleFilters()
    cycles = PaymentCycle.objects.for_user(user, action).select_related(
        "program", "generated_by", "approved_by"
    )
    if filters.program:
        cycles = cycles.filter(program__code=filters.program)
    if filters.month:
        cycles = cycles.filter(month=filters.month.replace(day=1))
    if filters.status:
        cycles = cycles.filter(status=filters.status)
    if filters.region:
        cycles = cycles.filter(region_code__startswith=filters.region)
    return cycles


def cycle_for_user(*, user: Any, cycle_id: Any, action: str = Perm.PAYMENTS_VIEW) -> PaymentCycle:
    return PaymentCycle.objects.select_related("program", "generated_by", "approved_by").get_for_user(
        user, action, pk=cycle_id
    )


@dataclass
class LineFilters:
    cycle_id: int | None = None
    person_id: int | None = None
    period: dt.date | None = None
    status: str = ""
    kind: str = ""


def lines_for_user(
    *, user: Any, filters: LineFilters | None = None, action: str = Perm.PAYMENTS_VIEW
) -> QuerySet:
    """Lines in the user's scope (by the line's own region code), with the person for display."""
    filters = filters or LineFilters()
    lines = PaymentLine.objects.for_user(user, action).select_related("person", "program")
    if filters.cycle_id:
        lines = lines.filter(cycle_id=filters.cycle_id)
    if filters.person_id:
        lines = lines.filter(person_id=filters.person_id)
    if filters.period:
        lines = lines.filter(period=filters.period.replace(day=1))
    if filters.status:
        lines = lines.filter(status=filters.status)
    if filters.kind:
        lines = lines.filter(kind=filters.kind)
    return lines


def lines_of_cycle(*, user: Any, cycle: PaymentCycle, **filters: Any) -> QuerySet:
    # of_cycle names the months the cycle pays for: on PostgreSQL only those partitions are read.
    return lines_for_user(user=user, filters=LineFilters(**filters)).of_cycle(cycle)


@dataclass
class CycleTotals:
    rows: list[dict[str, Any]]  # {"kind", "status", "count", "amount"}
    by_kind: dict[str, tuple[int, Decimal]]
    by_status: dict[str, tuple[int, Decimal]]
    count: int
    amount: Decimal


def cycle_totals(*, cycle: PaymentCycle) -> CycleTotals:
    """Counts and amounts of a cycle's lines by kind and status (one GROUP BY on the cycle's index)."""
    rows = list(
        PaymentLine.objects.of_cycle(cycle)
        .values("kind", "status")
        .annotate(count=Count("id"), amount=Sum("amount"))
        .order_by("kind", "status")
    )
    by_kind: dict[str, tuple[int, Decimal]] = {}
    by_status: dict[str, tuple[int, Decimal]] = {}
    for row in rows:
        row["amount"] = (row["amount"] or Decimal("0")).quantize(Decimal("0.01"))
        for key, bucket in ((row["kind"], by_kind), (row["status"], by_status)):
            n, a = bucket.get(key, (0, Decimal("0")))
            bucket[key] = (n + row["count"], a + row["amount"])
    return CycleTotals(
        rows=rows,
        by_kind=by_kind,
        by_status=by_status,
        count=sum(r["count"] for r in rows),
        amount=sum((r["amount"] for r in rows), Decimal("0")),
    )
