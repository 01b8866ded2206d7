"""The demo's steering step (canlian.demo.steering): the city plan scaled by the certified people,
targets at the city, its counties and townships (through the targets action, audited), the parts
adding up except in the one county chosen to show the cascade warning, the bulletin scheme, the
summaries refreshed with real figures; a second run changes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest

from canlian.core.audit.models import AuditEvent
from canlian.core.regions.choices import RegionSource
from canlian.core.regions.models import Region
from canlian.demo.persons import generate_demo_persons
from canlian.demo.programs import generate_demo_programs
from canlian.demo.steering import PLAN, SCHEME_NAME, SHORTFALL, generate_demo_steering, split
from canlian.reporting.events import ReportingEvent
from canlian.reporting.models import BulletinScheme, IndicatorRefresh, IndicatorValue, Target
from canlian.reporting.steering.selectors import cascade, dashboard
from canlian.reporting.steering.views_targets import cascade_warning

#: A fixed day (cycles for August–October 2026, the summaries of January–November).
TODAY = dt.date(2026, 11, 20)
YEAR = 2026
LIVING, NURSING, CHILDREN = "subsidies.living.people", "subsidies.nursing.people", "rehab.children"
RATES = ("rehab.service_rate", "subsidies.living.coverage", "subsidies.nursing.coverage")
COUNTIES = ("370502", "370505")
TOWNSHIPS = {"370502": ("370502001", "370502100"), "370505": ("370505001",)}
#: With two named counties the last one's township parts fall short (demo.steering.chosen_county).
SHORT = "370505"


@pytest.fixture
def world(regions, make_user):
    county = regions["370502"]
    town = Region.objects.create(
        code="370502100", name="史口镇", level=4, parent=county, source=RegionSource.IMPORTED
    )
    for code, name in (("370502100001", "李家村"), ("370502100002", "前进村")):
        Region.objects.create(code=code, name=name, level=5, parent=town, source=RegionSource.IMPORTED)
    generate_demo_persons(region_code="3705", count=800, seed=7, today=TODAY)
    city_admin = make_user("city_admin", "3705", username="shi_admin")
    approver = make_user("province_admin", "37", username="sheng")
    county_admin = make_user("county_admin", "370502", username="xian_admin")
    generate_demo_programs(region_code="3705", seed=7, generator=city_admin, approver=approver, today=TODAY)
    return {
        "city_admin": city_admin,
        "county_admin": county_admin,
        "leader": make_user("leader", "3705", username="lingdao"),
    }


def _target(code: str, region: str) -> Decimal:
    return Target.objects.get(indicator=code, region_code=region, year=YEAR).value


def _certified(region: str) -> int:
    row = IndicatorValue.objects.get(indicator="registry.certified", region_code=region, year=YEAR, month=11)
    return int(row.numerator)


def test_split_adds_up_by_largest_remainder():
    assert split(10, [("a", 1), ("b", 1), ("c", 1)]) == {"a": 4, "b": 3, "c": 3}
    assert split(100, [("a", 2), ("b", 1)]) == {"a": 67, "b": 33}
    assert split(5, [("a", 3), ("b", 0)]) == {"a": 5, "b": 0}
    assert split(7, [("a", 0), ("b", 0)]) == {"a": 7, "b": 0}
    assert split(0, [("a", 4), ("b", 1)]) == {"a": 0, "b": 0}
    assert split(3, []) == {}


def test_demo_steering_targets_cascade_and_figures(world):
    result = generate_demo_steering(region_code="3705", actor=world["city_admin"], today=TODAY)
    assert not result.skipped and result.missing == []
    certified = _certified("3705")
    assert certified > 0 and result.certified == certified
    # Targets at every level, through the action (one audit row each) and the bulletin scheme.
    assert result.targets == {2: 6, 3: 6 * len(COUNTIES), 4: 6 * 3}
    by_length = {
        n: Target.objects.filter(year=YEAR, region_code__regex=rf"^\d{{{n}}}$").count() for n in (4, 6, 9)
    }
    assert by_length == {4: 6, 6: 12, 9: 18}
    assert AuditEvent.objects.filter(event_type=ReportingEvent.TARGET_SET).count() == 36
    assert Target.objects.filter(year=YEAR).exclude(region_code__startswith="3705").count() == 0
    # The city's counts scaled by certified ÷ 50,000 (half up), rates unchanged (stored as fractions).
    for code, per_person in ((LIVING, "0.72"), (NURSING, "0.34"), (CHILDREN, "0.04")):
        expected = (Decimal(per_person) * certified).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        assert _target(code, "3705") == expected
    for code, rate in zip(RATES, ("0.9800", "1.0000", "1.0000"), strict=True):
        regions = ["3705", *COUNTIES, *TOWNSHIPS["370502"], *TOWNSHIPS["370505"]]
        assert {_target(code, r) for r in regions} == {Decimal(rate)}
    # Counties split the city's counts by their certified people, exactly; townships split counties'.
    for code in (LIVING, NURSING, CHILDREN):
        whole = _target(code, "3705")
        parts = {c: _target(code, c) for c in COUNTIES}
        assert sum(parts.values()) == whole
        for county in COUNTIES:
            share = whole * _certified(county) / certified
            assert abs(parts[county] - share) < 1
            towns = sum(_target(code, t) for t in TOWNSHIPS[county])
            short = SHORTFALL if (county, code) == (SHORT, LIVING) else 0
            assert towns == parts[county] - short
    # Who set them: the city its own and the counties'; a county admin its townships'.
    set_by = dict(
        Target.objects.filter(year=YEAR, indicator=LIVING).values_list("region_code", "set_by__username")
    )
    assert set_by == {
        "3705": "shi_admin",
        "370502": "shi_admin",
        "370505": "shi_admin",
        "370502001": "xian_admin",
        "370502100": "xian_admin",
        "370505001": "shi_admin",
    }
    # The cascade warning: the chosen county's living subsidy only.
    admin = world["city_admin"]
    short = cascade(user=admin, code=LIVING, region_code=SHORT, year=YEAR)
    assert not short.adds_up and short.gap == SHORTFALL
    assert cascade_warning(short, Region.objects.get(code=SHORT))
    for code in [p.indicator for p in PLAN]:
        for region in ("3705", *COUNTIES):
            if (code, region) == (LIVING, SHORT):
                continue
            found = cascade(user=admin, code=code, region_code=region, year=YEAR)
            assert found.whole is not None and found.adds_up, (code, region)
            assert cascade_warning(found, Region.objects.get(code=region)) == ""
    scheme = BulletinScheme.objects.get(region_code="3705")
    assert scheme.name == SCHEME_NAME and result.scheme == SCHEME_NAME
    assert [(i["indicator"], Decimal(i["weight"])) for i in scheme.items] == [
        (p.indicator, Decimal(p.weight)) for p in PLAN
    ]
    assert AuditEvent.objects.filter(event_type=ReportingEvent.BULLETIN_SCHEME_SAVED).count() == 1
    # The summaries of this year and last year, with real figures behind the targets.
    assert set(result.refreshed) == {YEAR, YEAR - 1}
    assert IndicatorRefresh.objects.filter(year=YEAR, indicator=LIVING).exists()
    assert IndicatorRefresh.objects.filter(year=YEAR - 1, indicator="registry.certified").exists()
    assert result.cycle_months == [dt.date(2026, 8, 1), dt.date(2026, 9, 1), dt.date(2026, 10, 1)]
    board = dashboard(user=world["leader"], year=YEAR, today=TODAY)
    assert board.region_code == "3705" and board.month == 11
    for code in (LIVING, NURSING, "registry.certified"):
        assert board.own[code].value > 0, code
    for code in (LIVING, NURSING):
        figure = board.own[code]
        assert figure.target == _target(code, "3705") and figure.progress > 0
        assert all(board.by_child[(code, c)].value > 0 for c in COUNTIES)


def test_demo_steering_runs_once(world):
    first = generate_demo_steering(region_code="3705", actor=world["city_admin"], today=TODAY)
    targets = list(Target.objects.order_by("pk").values_list("pk", "value", "set_at"))
    audited = AuditEvent.objects.count()
    again = generate_demo_steering(region_code="3705", actor=world["city_admin"], today=TODAY)
    assert not first.skipped and again.skipped
    assert list(Target.objects.order_by("pk").values_list("pk", "value", "set_at")) == targets
    assert AuditEvent.objects.count() == audited
    assert BulletinScheme.objects.count() == 1
