"""Helpers of the steering targets, bulletin and API tests: a few indicators of every unit installed in
the registry for one test (``install``), summary rows written directly (``put``), two more counties
under 东营市 so a city has four, and, for tests/authorization_world.py, a target and a scheme of region
A (``build``) with what a refused request must leave unchanged (``snapshot``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone

from canlian.core.permissions import Perm
from canlian.core.regions.choices import RegionSource
from canlian.core.regions.models import Region
from canlian.platform import indicators as kit
from canlian.platform.indicators import Indicator, Period, Unit
from canlian.reporting.models import BulletinScheme, IndicatorValue, Target


def _no_leaf(window: Any) -> Any:  # the tests write the summary rows themselves
    return Region.objects.none()


def _indicator(
    code: str, name: str, area: str, unit: Unit, period: Period, order: int, **extra: Any
) -> Indicator:
    return Indicator(
        code=code,
        name=name,
        area=area,
        unit=unit,
        period=period,
        permission=Perm.STEERING_VIEW,
        leaf=_no_leaf,
        order=order,
        **extra,
    )


LIVING = _indicator("t.living", "困难残疾人生活补贴发放", "两项补贴", Unit.PEOPLE, Period.CUMULATIVE, 1)
AMOUNT = _indicator("t.amount", "两项补贴发放金额", "两项补贴", Unit.AMOUNT, Period.IN_PERIOD, 2)
RATE = _indicator("t.rate", "精准康复服务率", "康复", Unit.RATE, Period.SNAPSHOT, 1)
CARE = _indicator("t.care", "结对关爱覆盖率", "关爱", Unit.RATE, Period.SNAPSHOT, 1)
EXPIRED = _indicator(
    "t.expired", "残疾人证过期", "登记", Unit.COUNT, Period.SNAPSHOT, 1, lower_is_better=True
)
TEST_INDICATORS = (LIVING, AMOUNT, RATE, CARE, EXPIRED)


def install(monkeypatch: Any) -> None:
    """Put the test indicators in the registry for one test (monkeypatch takes them out again)."""
    for indicator in TEST_INDICATORS:
        monkeypatch.setitem(kit._REGISTRY, indicator.code, indicator)


def more_counties(regions: dict[str, Region]) -> dict[str, Region]:
    """河口区 and 利津县 under 东营市 (next to 东营区 and 垦利区)."""
    city = regions["3705"]
    for code, name in (("370503", "河口区"), ("370522", "利津县")):
        regions[code] = Region.objects.create(
            code=code, name=name, level=3, parent=city, source=RegionSource.NATIONAL
        )
    return regions


def put(
    code: str, region: str, month: int, numerator: Any, denominator: Any = None, year: int = 2025
) -> IndicatorValue:
    return IndicatorValue.objects.create(
        indicator=code,
        region_code=region,
        parent_code=region[: {2: 0, 4: 2, 6: 4, 9: 6, 12: 9}.get(len(region), 0)] if region else None,
        year=year,
        month=month,
        numerator=Decimal(str(numerator)),
        denominator=None if denominator is None else Decimal(str(denominator)),
    )


def target(code: str, region: str, value: Any, year: int = 2025) -> Target:
    return Target.objects.create(indicator=code, region_code=region, year=year, value=Decimal(str(value)))


def build(*, owner: Any, person: Any, make_user: Any) -> dict[str, Any]:
    """A target and a bulletin scheme of region A (东营区)."""
    row = Target.objects.create(
        indicator="registry.certified",
        region_code="370502",
        year=timezone.localdate().year,
        value=Decimal(1000),
        note="MARKER-TARGET-A",
        set_by=owner,
    )
    BulletinScheme.objects.create(
        region_code="370502",
        name="MARKER-SCHEME-A",
        items=[{"indicator": "registry.certified", "weight": "1"}],
    )
    return {"target_id": row}


def snapshot() -> tuple[Any, ...]:
    return (
        tuple(
            Target.objects.order_by("pk").values_list(
                "pk", "indicator", "region_code", "year", "value", "note"
            )
        ),
        tuple(BulletinScheme.objects.order_by("pk").values_list("pk", "region_code", "name", "items")),
    )
