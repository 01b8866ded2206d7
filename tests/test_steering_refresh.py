"""The summary tables: one INSERT … SELECT per indicator and month rolls a leaf up to every level;
the dashboard reads summary rows only, within the user's scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from registry_factories import registered

from canlian.core.registry.actions import person_set_life_status
from canlian.reporting.models import IndicatorRefresh, IndicatorValue
from canlian.reporting.steering.refresh import indicator_refresh
from canlian.reporting.steering.selectors import dashboard, figures

TODAY = dt.date(2026, 7, 15)


@pytest.fixture
def world(regions):
    people = [
        registered(name="张甲", region_code="370502001001", issued=dt.date(2026, 2, 10)),
        registered(name="李乙", region_code="370502001001", issued=dt.date(2025, 5, 1)),
        registered(name="王丙", region_code="370505001", issued=dt.date(2026, 4, 1)),
        registered(name="赵丁", region_code="370505001", category=None),  # not certified
    ]
    return people


def _value(code: str, region: str, month: int) -> Decimal | None:
    row = IndicatorValue.objects.filter(indicator=code, region_code=region, year=2026, month=month).first()
    return None if row is None else row.numerator


def test_certified_people_roll_up_by_month_to_every_level(world):
    result = indicator_refresh(indicators=["registry.certified"], year=2026, today=TODAY)
    assert result.months == 7  # January to the current month
    # January: only 乙 (issued 2025); February: 甲 too (issued 10 Feb, counted at the month's end);
    # April: 丙 in 垦利街道.
    assert _value("registry.certified", "370502001001", 1) == 1
    assert _value("registry.certified", "370502001001", 2) == 2
    assert _value("registry.certified", "370505", 3) is None  # nobody: no row
    assert _value("registry.certified", "370505", 4) == 1
    assert _value("registry.certified", "3705", 4) == 3
    assert _value("registry.certified", "37", 7) == 3
    assert _value("registry.certified", "", 7) == 3
    parents = dict(
        IndicatorValue.objects.filter(indicator="registry.certified", month=7).values_list(
            "region_code", "parent_code"
        )
    )
    assert parents == {
        "": None,
        "37": "",
        "3705": "37",
        "370502": "3705",
        "370505": "3705",
        "370502001": "370502",
        "370502001001": "370502001",
        "370505001": "370505",
    }
    assert IndicatorRefresh.objects.get(indicator="registry.certified", year=2026).months == "1,2,3,4,5,6,7"


def test_refresh_rewrites_months_and_a_death_leaves_the_count(world):
    indicator_refresh(indicators=["registry.certified"], year=2026, today=TODAY)
    person_set_life_status(actor=None, person_id=world[1].pk, status="deceased", on=dt.date(2026, 6, 3))
    indicator_refresh(indicators=["registry.certified"], year=2026, today=TODAY)
    assert _value("registry.certified", "370502001001", 5) == 2
    assert _value("registry.certified", "370502001001", 6) == 1
    assert (
        IndicatorValue.objects.filter(indicator="registry.certified", region_code="", year=2026).count() == 7
    )


def test_a_county_sees_its_own_and_its_townships_never_a_sibling(world, make_user):
    indicator_refresh(indicators=["registry.certified"], year=2026, today=TODAY)
    county = make_user("county_admin", "370505")
    board = dashboard(
        user=county, region_code="370505", year=2026, month=7, codes=["registry.certified"], today=TODAY
    )
    assert board.own["registry.certified"].value == 1
    assert [c.code for c in board.children] == ["370505001"]
    sibling = figures(user=county, regions=["370502"], year=2026, month=7, today=TODAY)
    assert sibling[("registry.certified", "370502")].value == 0  # the row exists but is not read
    from canlian.platform.errors import NotFound

    with pytest.raises(NotFound):
        dashboard(user=county, region_code="370502", year=2026, month=7, today=TODAY)


def _issued_leaf(window):
    from django.db.models import Count, F

    from canlian.core.registry.models import Certificate

    return (
        Certificate.objects.filter(issue_date__gte=window.start, issue_date__lte=window.end)
        .values(region=F("person__region_code"))
        .annotate(numerator=Count("id"))
    )


def _issued_year_leaf(windows):
    from django.db.models import Count, F
    from django.db.models.functions import ExtractMonth

    from canlian.core.registry.models import Certificate

    return (
        Certificate.objects.filter(
            issue_date__gte=windows[0].start,
            issue_date__lte=windows[-1].end,
            issue_date__month__in=[w.month for w in windows],
        )
        .values(region=F("person__region_code"), month=ExtractMonth("issue_date"))
        .annotate(numerator=Count("id"))
    )


def test_a_year_leaf_writes_the_same_rows_as_month_by_month(world):
    from canlian.platform.indicators import Indicator, Period, Unit

    def make(code, **extra):
        return Indicator(
            code=code,
            name=code,
            area="test",
            unit=Unit.COUNT,
            period=Period.IN_PERIOD,
            permission="persons.view",
            leaf=_issued_leaf,
            **extra,
        )

    monthly, yearly = make("test.issued.monthly"), make("test.issued.yearly", year_leaf=_issued_year_leaf)
    indicator_refresh(indicators=[monthly, yearly], year=2026, today=TODAY)

    def rows(code):
        return sorted(
            IndicatorValue.objects.filter(indicator=code).values_list(
                "region_code", "parent_code", "month", "numerator"
            )
        )

    assert rows("test.issued.yearly") == rows("test.issued.monthly")
    assert ("370505001", "370505", 4, 1) in rows("test.issued.yearly")  # 王丙, issued 1 April
    assert ("3705", "37", 2, 1) in rows("test.issued.yearly")  # 张甲, 10 February
    assert not [r for r in rows("test.issued.yearly") if r[2] == 5]  # nothing issued in May: no row


def test_a_refresh_from_a_month_rewrites_that_month_and_after_only(world):
    indicator_refresh(indicators=["registry.certified"], year=2026, today=TODAY)
    registered(name="孙新", region_code="370502001001", issued=dt.date(2026, 1, 20))
    indicator_refresh(indicators=["registry.certified"], year=2026, today=TODAY, from_month=6)
    # the new certificate (January) shows from June on; January–May keep what was recorded
    assert [_value("registry.certified", "370502001001", m) for m in (1, 5, 6, 7)] == [1, 2, 3, 3]


def test_a_batch_write_queues_one_refresh_from_the_earliest_month(world, django_capture_on_commit_callbacks):
    from django.db import transaction

    from canlian.core.jobs.models import Job
    from canlian.platform.indicators import sources_changed

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with transaction.atomic():
            sources_changed("registry", year=2026, month=9)
            sources_changed("registry", year=2026, month=4)
    with transaction.atomic():
        for callback in callbacks:
            callback()
    job = Job.objects.get(kind="indicators.refresh")
    assert job.params["month"] == 4 and job.params["year"] == 2026
    assert "registry.certified" in job.params["indicators"]
