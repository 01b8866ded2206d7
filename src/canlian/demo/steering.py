"""Demo data of the steering layer: the demo city's yearly plan as targets, cascaded down, a default
bulletin scheme, and the summaries refreshed — run last by ``canlian demo-data``, once the people,
subsidies, care and rehabilitation data are loaded.

* **The plan** is the one city's yearly plan of ../shared/DOMAIN.md ("One city's yearly plan, in
  full"), for the items canlian has an indicator for: living subsidy 36,000 people, nursing subsidy
  17,000, basic rehabilitation for 2,000 children, precise rehabilitation service rate ≥98%; and
  the national plan's "two subsidies coverage 100% of the eligible" (DOMAIN.md, "Targets and
  indicators"). Items whose indicator is not registered are skipped.
* **Scaled**: a count is multiplied by the demo city's certified people ÷ a real city's 50,000
  (``registry.certified`` now), rounded half up; a rate stays as it is.
* **Cascaded**: the city splits each count among its counties, each county among its townships, by
  their share of the certified people (largest remainders, so the parts add up exactly; a region
  without certified people gets 0); a rate target is the same in every part. The city admin sets
  the city's and the counties' targets, each county's admin (where the demo has one) its townships'.
  **One county's townships deliberately fall short** of its living-subsidy target by
  ``SHORTFALL`` people, so the cascade page shows its warning.
* **A bulletin scheme** of the city ranks the counties by the plan's indicators with weights.
* **The summaries** (``indicator_refresh``) of this year, and of last year when the registry has
  certificates from before it.

Every write goes through the steering actions (``target_set``, ``scheme_save``), audited. Idempotent:
targets and the scheme are skipped when the city already has targets for the year; the summaries
are refreshed on every run.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from canlian.core.accounts.models import RoleAssignment
from canlian.core.permissions import Role
from canlian.core.registry.models import Certificate
from canlian.platform.indicators import all_indicators
from canlian.programs.models import PaymentCycle
from canlian.reporting.models import IndicatorValue, Target
from canlian.reporting.steering.refresh import RefreshResult, indicator_refresh
from canlian.reporting.steering.selectors import child_regions, current_month
from canlian.reporting.steering.targets import scheme_save, target_set

#: Certified people of the real city whose plan this is (DOMAIN.md); the demo city's plan is scaled by
#: its own certified people ÷ this.
REAL_CITY_CERTIFIED = 50_000
#: How many people the chosen county's township parts of the living-subsidy target fall short.
SHORTFALL = 5
SHORT_INDICATOR = "subsidies.living.people"
SCHEME_NAME = "民生实事目标（季通报）"


@dataclass(frozen=True)
class PlanItem:
    indicator: str
    #: A count of the real city's plan, or a rate as typed ("98%").
    whole: int | str
    #: The plan's wording, kept as the target's note.
    wording: str
    #: Its weight in the bulletin scheme.
    weight: int

    @property
    def is_rate(self) -> bool:
        return isinstance(self.whole, str)


PLAN = (
    PlanItem("subsidies.living.people", 36_000, "市民生实事：困难残疾人生活补贴 36,000 人", 20),
    PlanItem("subsidies.nursing.people", 17_000, "市民生实事：重度残疾人护理补贴 17,000 人", 20),
    PlanItem("rehab.children", 2_000, "市民生实事：0–14 岁残疾儿童基本康复训练 2,000 人", 20),
    PlanItem("rehab.service_rate", "98%", "市民生实事：残疾人精准康复服务率 ≥98%", 20),
    PlanItem("subsidies.living.coverage", "100%", "全国规划：两项补贴应享尽享（覆盖 100%）", 10),
    PlanItem("subsidies.nursing.coverage", "100%", "全国规划：两项补贴应享尽享（覆盖 100%）", 10),
)


@dataclass
class DemoSteeringResult:
    region_code: str
    year: int
    skipped: bool = False
    certified: int = 0
    scale: Decimal = Decimal(0)
    #: Targets set, by region level (2 city, 3 county, 4 township).
    targets: dict[int, int] = field(default_factory=dict)
    #: Plan items whose indicator is not registered.
    missing: list[str] = field(default_factory=list)
    short_county: str = ""
    scheme: str = ""
    refreshed: dict[int, RefreshResult] = field(default_factory=dict)
    #: First days of the months of ``year`` holding an approved (or later) subsidy cycle.
    cycle_months: list[dt.date] = field(default_factory=list)
    seconds: float = 0.0


def split(whole: int, shares: list[tuple[str, int]]) -> dict[str, int]:
    """``whole`` in parts proportional to ``shares`` that add up to it exactly (largest remainders,
    ties to the earlier region). With no share at all the first region takes the whole."""
    if not shares:
        return {}
    total = sum(share for _code, share in shares)
    if total <= 0:
        return {code: (whole if index == 0 else 0) for index, (code, _share) in enumerate(shares)}
    parts = {code: whole * share // total for code, share in shares}
    remainders = sorted(
        ((whole * share % total, -index, code) for index, (code, share) in enumerate(shares)), reverse=True
    )
    for _rest, _index, code in remainders[: whole - sum(parts.values())]:
        parts[code] += 1
    return parts


def scaled(item: PlanItem, certified: int) -> int:
    """A count of the real city's plan, for a city of ``certified`` people (half up)."""
    assert not item.is_rate
    value = Decimal(item.whole) * Decimal(certified) / Decimal(REAL_CITY_CERTIFIED)
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def chosen_county(counties: list[str]) -> str:
    """The county whose parts do not add up: the demo's second county admin's (the third county,
    or the last when there are fewer), so that admin sees the warning on their own page."""
    return counties[2] if len(counties) > 2 else counties[-1]


def _certified_by_region(year: int, month: int, prefix: str) -> dict[str, int]:
    rows = IndicatorValue.objects.filter(
        indicator="registry.certified", year=year, month=month, region_code__startswith=prefix
    ).values_list("region_code", "numerator")
    return {code: int(value) for code, value in rows}


def _county_admins(counties: list[str]) -> dict[str, Any]:
    rows = (
        RoleAssignment.objects.filter(role=Role.COUNTY_ADMIN, region_code__in=counties)
        .select_related("user")
        .order_by("region_code", "pk")
    )
    found: dict[str, Any] = {}
    for row in rows:
        if row.user.is_active:
            found.setdefault(row.region_code, row.user)
    return found


def _set(actor: Any, item: PlanItem, region_code: str, year: int, value: int | str, note: str) -> None:
    target_set(
        actor=actor, indicator=item.indicator, region_code=region_code, year=year, value=value, note=note
    )


def set_plan_targets(
    *,
    region_code: str,
    year: int,
    actor: Any,
    plan: list[PlanItem],
    certified: dict[str, int],
    today: dt.date,
) -> tuple[dict[int, int], str]:
    """The plan's targets for the city, its counties and their townships. Returns the targets set by
    level and the county whose township parts fall short."""
    counties = [c.code for c in child_regions(region_code, today)]
    named = [c.code for c in child_regions(region_code, today) if c.name != "市辖区"] or counties
    short = chosen_county(named) if named else ""
    admins = _county_admins(counties)
    townships = {county: [t.code for t in child_regions(county, today)] for county in counties}
    counts: dict[int, int] = {}

    def count(level: int) -> None:
        counts[level] = counts.get(level, 0) + 1

    for item in plan:
        city_note = item.wording
        if item.is_rate:
            _set(actor, item, region_code, year, item.whole, city_note)
            count(2)
            for county in counties:
                _set(actor, item, county, year, item.whole, "市分解（演示）")
                count(3)
                for town in townships[county]:
                    _set(admins.get(county, actor), item, town, year, item.whole, "县分解（演示）")
                    count(4)
            continue
        whole = scaled(item, certified.get(region_code, 0))
        _set(actor, item, region_code, year, whole, f"{city_note}，按持证人数折算（演示）")
        count(2)
        by_county = split(whole, [(c, certified.get(c, 0)) for c in counties])
        for county in counties:
            _set(actor, item, county, year, by_county[county], "市按持证人数分解（演示）")
            count(3)
            parts = split(by_county[county], [(t, certified.get(t, 0)) for t in townships[county]])
            if county == short and item.indicator == SHORT_INDICATOR and parts:
                largest = max(parts, key=lambda code: (parts[code], code))
                parts[largest] -= min(SHORTFALL, parts[largest])
            for town in townships[county]:
                note = "县按持证人数分解（演示）"
                if county == short and item.indicator == SHORT_INDICATOR:
                    note = f"县分解合计少 {SHORTFALL} 人，待调整（演示）"
                _set(admins.get(county, actor), item, town, year, parts[town], note)
                count(4)
    return counts, short


def _cycle_months(region_code: str, year: int) -> list[dt.date]:
    months = (
        PaymentCycle.objects.filter(
            region_code__startswith=region_code,
            month__year=year,
            status__in=("approved", "exported", "closed"),
        )
        .values_list("month", flat=True)
        .distinct()
    )
    return sorted(set(months))


def generate_demo_steering(
    *, region_code: str, actor: Any, today: dt.date | None = None
) -> DemoSteeringResult:
    """The plan's targets, the bulletin scheme and the summaries of the demo city ``region_code``
    (see the module docstring). ``actor`` is the city federation's admin."""
    started = time.perf_counter()
    today = today or timezone.localdate()
    year = today.year
    result = DemoSteeringResult(region_code=region_code, year=year)
    result.refreshed[year] = indicator_refresh(year=year, today=today)
    earlier = Certificate.objects.filter(
        person__region_code__startswith=region_code, issue_date__lt=dt.date(year, 1, 1)
    ).exists()
    if earlier:
        result.refreshed[year - 1] = indicator_refresh(year=year - 1, today=today)
    result.cycle_months = _cycle_months(region_code, year)
    known = {i.code for i in all_indicators()}
    plan = [item for item in PLAN if item.indicator in known]
    result.missing = [item.indicator for item in PLAN if item.indicator not in known]
    certified = _certified_by_region(year, current_month(year, today), region_code)
    result.certified = certified.get(region_code, 0)
    result.scale = Decimal(result.certified) / Decimal(REAL_CITY_CERTIFIED)
    if Target.objects.filter(region_code=region_code, year=year).exists() or not plan or not result.certified:
        result.skipped = True
        result.seconds = time.perf_counter() - started
        return result
    with transaction.atomic():
        result.targets, result.short_county = set_plan_targets(
            region_code=region_code, year=year, actor=actor, plan=plan, certified=certified, today=today
        )
        scheme = scheme_save(
            actor=actor,
            region_code=region_code,
            name=SCHEME_NAME,
            items=[{"indicator": item.indicator, "weight": item.weight} for item in plan],
        )
    result.scheme = scheme.name
    result.seconds = time.perf_counter() - started
    return result
