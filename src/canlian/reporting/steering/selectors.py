"""Reads of the steering layer: figures of a region (and its sub-regions) for a year up to a month,
with their targets, progress, status and "as of" time. Summary rows only (``IndicatorValue``): a
dashboard of a city with every indicator by county and month is three or four indexed queries.

Scope: values and targets are read through ``for_user(user, "steering.view")`` (a county sees its own
rows and its townships', never a sibling county's); an indicator is listed only to holders of its own
permission (``Indicator.permission``), which also guards the people behind it (``indicator_records``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from canlian.core.permissions import Perm
from canlian.core.regions.models import Region
from canlian.platform.access import region_in_scope, scope_roots
from canlian.platform.errors import NotFound, PermissionDenied
from canlian.platform.indicators import Indicator, Period, all_indicators, get_indicator
from canlian.reporting.models import BulletinScheme, IndicatorRefresh, IndicatorValue, Target
from canlian.reporting.steering.progress import Status, elapsed, ratio, status_of

ZERO = Decimal(0)


@dataclass
class Figure:
    """One indicator of one region for a year up to ``month``."""

    indicator: Indicator
    region_code: str
    year: int
    month: int
    numerator: Decimal = ZERO
    denominator: Decimal | None = None
    #: The value one month earlier (None in January or when unknown).
    previous: Decimal | None = None
    target: Decimal | None = None
    elapsed: Decimal = ZERO
    as_of: dt.datetime | None = None
    #: (month, value) from January to ``month``: the year-to-date value at each month's end.
    series: list[tuple[int, Decimal | None]] = field(default_factory=list)

    @property
    def value(self) -> Decimal | None:
        if self.indicator.is_rate:
            return ratio(self.numerator, self.denominator)
        return self.numerator

    @property
    def change(self) -> Decimal | None:
        if self.previous is None or self.value is None:
            return None
        return self.value - self.previous

    @property
    def progress(self) -> Decimal | None:
        """Value ÷ target (a rate: rate ÷ target rate)."""
        if self.target is None or self.value is None or not self.target:
            return None
        return self.value / self.target

    @property
    def status(self) -> Status:
        return status_of(
            value=self.value,
            target=self.target,
            is_rate=self.indicator.is_rate,
            elapsed_share=self.elapsed,
            lower_is_better=self.indicator.lower_is_better,
        )


def indicators_visible(*, user: Any, codes: list[str] | None = None) -> list[Indicator]:
    """The indicators the user may see (steering.view and the indicator's own permission)."""
    if not user.has_canlian_perm(Perm.STEERING_VIEW):
        return []
    chosen = [get_indicator(c) for c in codes] if codes else all_indicators()
    return [i for i in chosen if user.has_canlian_perm(i.permission)]


def default_region(*, user: Any) -> str:
    """The top region of the user's steering scope ("" for the national scope)."""
    roots = scope_roots(user, Perm.STEERING_VIEW)
    if not roots:
        raise PermissionDenied()
    return sorted(roots, key=lambda c: (len(c), c))[0]


def check_region(*, user: Any, region_code: str) -> None:
    if not region_in_scope(user, Perm.STEERING_VIEW, region_code):
        raise NotFound()


def child_regions(region_code: str, on: dt.date | None = None) -> list[Region]:
    """The active regions one level below (the provinces under the national root)."""
    rows = Region.objects.active(on)
    if region_code:
        return list(rows.filter(parent__code=region_code).order_by("code"))
    return list(rows.filter(level=1).order_by("code"))


def _rows(
    user: Any, indicators: list[Indicator], regions: list[str], year: int, month: int
) -> dict[tuple[str, str], dict[int, tuple[Decimal, Decimal | None]]]:
    rows = (
        IndicatorValue.objects.for_user(user, Perm.STEERING_VIEW)
        .filter(
            region_code__in=regions, year=year, month__lte=month, indicator__in=[i.code for i in indicators]
        )
        .values_list("indicator", "region_code", "month", "numerator", "denominator")
    )
    found: dict[tuple[str, str], dict[int, tuple[Decimal, Decimal | None]]] = defaultdict(dict)
    for code, region, m, numerator, denominator in rows:
        found[(code, region)][m] = (numerator, denominator)
    return found


def _year_to_date(
    indicator: Indicator, months: dict[int, tuple[Decimal, Decimal | None]], upto: int
) -> tuple[Decimal, Decimal | None] | None:
    """Numerator and denominator of the year up to the end of month ``upto``."""
    if indicator.period == Period.IN_PERIOD:
        picked = [months[m] for m in months if m <= upto]
        if not picked:
            return None
        numerator = sum((n for n, _d in picked), ZERO)
        dens = [d for _n, d in picked if d is not None]
        return numerator, (sum(dens, ZERO) if dens else None)
    # cumulative and snapshot: the month's own row, or the latest one before it (a snapshot
    # recorded only while it was current)
    earlier = [m for m in months if m <= upto]
    if not earlier:
        return None
    return months[max(earlier)]


def _value(indicator: Indicator, pair: tuple[Decimal, Decimal | None] | None) -> Decimal | None:
    if pair is None:
        return None
    return ratio(pair[0], pair[1]) if indicator.is_rate else pair[0]


def target_values(
    *, user: Any, indicators: list[Indicator], regions: list[str], year: int
) -> dict[tuple[str, str], Decimal]:
    rows = (
        Target.objects.for_user(user, Perm.STEERING_VIEW)
        .filter(year=year, region_code__in=regions, indicator__in=[i.code for i in indicators])
        .values_list("indicator", "region_code", "value")
    )
    return {(code, region): value for code, region, value in rows}


def as_of_for(*, indicators: list[Indicator], year: int) -> dict[str, dt.datetime]:
    rows = IndicatorRefresh.objects.filter(year=year, indicator__in=[i.code for i in indicators])
    return dict(rows.values_list("indicator", "refreshed_at"))


def figures(
    *,
    user: Any,
    regions: list[str],
    year: int,
    month: int,
    indicators: list[Indicator] | None = None,
    today: dt.date | None = None,
) -> dict[tuple[str, str], Figure]:
    """Figures of each (indicator code, region code) for ``year`` up to ``month``. The caller has
    checked that the regions are in scope (rows outside it are simply not read)."""
    today = today or timezone.localdate()
    indicators = indicators if indicators is not None else indicators_visible(user=user)
    rows = _rows(user, indicators, regions, year, month)
    targets = target_values(user=user, indicators=indicators, regions=regions, year=year)
    as_of = as_of_for(indicators=indicators, year=year)
    share = elapsed(year, month, today)
    result: dict[tuple[str, str], Figure] = {}
    for indicator in indicators:
        for region in regions:
            months = rows.get((indicator.code, region), {})
            figure = Figure(
                indicator=indicator,
                region_code=region,
                year=year,
                month=month,
                target=targets.get((indicator.code, region)),
                elapsed=share,
                as_of=as_of.get(indicator.code),
            )
            current = _year_to_date(indicator, months, month)
            if current is not None:
                figure.numerator, figure.denominator = current
            if month > 1:
                figure.previous = _value(indicator, _year_to_date(indicator, months, month - 1))
            figure.series = [
                (m, _value(indicator, _year_to_date(indicator, months, m))) for m in range(1, month + 1)
            ]
            result[(indicator.code, region)] = figure
    return result


@dataclass
class Dashboard:
    region_code: str
    region_name: str
    year: int
    month: int
    elapsed: Decimal
    indicators: list[Indicator]
    own: dict[str, Figure]
    children: list[Region]
    by_child: dict[tuple[str, str], Figure]

    def areas(self) -> list[tuple[str, list[Figure]]]:
        grouped: dict[str, list[Figure]] = {}
        for indicator in self.indicators:
            grouped.setdefault(str(indicator.area), []).append(self.own[indicator.code])
        return list(grouped.items())

    def child_figures(self, code: str) -> list[tuple[Region, Figure]]:
        return [(child, self.by_child[(code, child.code)]) for child in self.children]


def current_month(year: int, today: dt.date | None = None) -> int:
    today = today or timezone.localdate()
    if year < today.year:
        return 12
    if year > today.year:
        return 1
    return today.month


def dashboard(
    *,
    user: Any,
    region_code: str | None = None,
    year: int | None = None,
    month: int | None = None,
    codes: list[str] | None = None,
    today: dt.date | None = None,
) -> Dashboard:
    """A region's figures and its sub-regions' for one year up to one month (default: now)."""
    today = today or timezone.localdate()
    region_code = default_region(user=user) if region_code is None else region_code
    check_region(user=user, region_code=region_code)
    year = year or today.year
    month = month or current_month(year, today)
    indicators = indicators_visible(user=user, codes=codes)
    children = child_regions(region_code, today)
    found = figures(
        user=user,
        regions=[region_code, *[c.code for c in children]],
        year=year,
        month=month,
        indicators=indicators,
        today=today,
    )
    name = (
        ""
        if not region_code
        else Region.objects.filter(code=region_code).values_list("name", flat=True).first() or region_code
    )
    return Dashboard(
        region_code=region_code,
        region_name=name,
        year=year,
        month=month,
        elapsed=elapsed(year, month, today),
        indicators=indicators,
        own={i.code: found[(i.code, region_code)] for i in indicators},
        children=children,
        by_child={k: v for k, v in found.items() if k[1] != region_code},
    )


def indicator_records(
    *, user: Any, code: str, region_code: str, year: int, month: int, today: dt.date | None = None
) -> QuerySet:
    """The scoped records behind one figure (the drill-down list): the indicator's own ``records``
    starting from its model's ``for_user``, narrowed to the region."""
    indicator = get_indicator(code)
    if not user.has_canlian_perm(Perm.STEERING_VIEW) or not user.has_canlian_perm(indicator.permission):
        raise PermissionDenied()
    check_region(user=user, region_code=region_code)
    if indicator.records is None:
        raise NotFound()
    return indicator.records(user, indicator.window(year, month, today or timezone.localdate()), region_code)


def targets_visible(*, user: Any, year: int, region_code: str | None = None) -> QuerySet:
    rows = Target.objects.for_user(user, Perm.STEERING_VIEW).filter(year=year)
    if region_code:
        rows = rows.filter(region_code__startswith=region_code)
    return rows


def schemes_visible(*, user: Any) -> QuerySet:
    return BulletinScheme.objects.for_user(user, Perm.STEERING_VIEW)


@dataclass
class CascadeRow:
    region: Region
    target: Decimal | None


@dataclass
class Cascade:
    """A region's target and its sub-regions' parts; ``gap`` = whole − Σ parts (None when the
    whole or every part is missing)."""

    indicator: Indicator
    region_code: str
    year: int
    whole: Decimal | None
    rows: list[CascadeRow]

    @property
    def parts_total(self) -> Decimal | None:
        values = [r.target for r in self.rows if r.target is not None]
        return sum(values, ZERO) if values else None

    @property
    def missing(self) -> list[Region]:
        return [r.region for r in self.rows if r.target is None]

    @property
    def gap(self) -> Decimal | None:
        if self.whole is None or self.parts_total is None or self.indicator.is_rate:
            return None
        return self.whole - self.parts_total

    @property
    def adds_up(self) -> bool:
        """Counts and amounts: the parts add up to the whole and none is missing. A rate target
        is not split: each part must be at least the whole's rate."""
        if self.whole is None:
            return True
        if self.indicator.is_rate:
            return all(r.target is not None and r.target >= self.whole for r in self.rows)
        return not self.missing and self.gap == 0


def cascade(*, user: Any, code: str, region_code: str, year: int) -> Cascade:
    indicator = get_indicator(code)
    check_region(user=user, region_code=region_code)
    children = child_regions(region_code)
    values = target_values(
        user=user, indicators=[indicator], regions=[region_code, *[c.code for c in children]], year=year
    )
    return Cascade(
        indicator=indicator,
        region_code=region_code,
        year=year,
        whole=values.get((code, region_code)),
        rows=[CascadeRow(region=c, target=values.get((code, c.code))) for c in children],
    )
