"""The registry's indicators on a small world made through the actions: certificates expiring within
60 days (the 61st day does not count; today only), expired certificates by month, people awaiting
their screening assessment by month; and the records behind them for a county user."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from registry_factories import registered
from steering_indicators_world import columns_resolve, records, refresh, value

from canlian.core.registry.actions import (
    certificate_issue,
    certificate_renew,
    person_set_life_status,
    screening_conclude,
    screening_record,
)
from canlian.reporting.models import IndicatorValue

D = dt.date
TODAY = D(2026, 7, 15)
EXPIRING = "registry.certificates_expiring"
EXPIRED = "registry.certificates_expired"
SCREENING = "registry.screening_pending"


def certified_until(name: str, region: str, until: dt.date):
    person = registered(name=name, region_code=region, category=None)
    certificate_issue(
        actor=None, person_id=person.pk, category=4, grade=2, issue_date=D(2016, 9, 1), valid_until=until
    )
    return person


@pytest.fixture
def certificates(regions):
    return {
        # expiring: today + 60 counts, today + 61 does not; today itself counts (not yet expired)
        "day60": certified_until("甲六十", "370502001001", TODAY + dt.timedelta(days=60)),
        "day61": certified_until("乙六一", "370502001001", TODAY + dt.timedelta(days=61)),
        "today": certified_until("丙今天", "370505001", TODAY),
        # expired on 31 March: expired at the end of April, renewed on 10 June
        "march": certified_until("丁三月", "370502001001", D(2026, 3, 31)),
        # expired in 2025, died on 20 May 2026
        "dead": certified_until("戊去世", "370505001", D(2025, 11, 30)),
        # a holder of an expiring certificate who moved out: not counted
        "moved": certified_until("己迁出", "370502001", TODAY + dt.timedelta(days=10)),
    }


def test_expiring_counts_up_to_the_60th_day_and_only_today(certificates):
    person_set_life_status(
        actor=None, person_id=certificates["moved"].pk, status="moved_out", on=D(2026, 7, 1)
    )
    refresh(EXPIRING, today=TODAY)
    assert value(EXPIRING, "370502001001", 7) == (Decimal(1), None)  # day 60 in, day 61 out
    assert value(EXPIRING, "370502001", 7) == (Decimal(1), None)  # the one who moved out: not counted
    assert value(EXPIRING, "370505", 7) == (Decimal(1), None)  # valid until today: still expiring
    assert value(EXPIRING, "3705", 7) == (Decimal(2), None)
    assert value(EXPIRING, "", 7) == (Decimal(2), None)
    # no history: the earlier months are not computed
    assert not IndicatorValue.objects.filter(indicator=EXPIRING, month__lt=7).exists()


def test_expired_by_month_renewal_and_death(certificates):
    march = certificates["march"]
    cert = march.certificates.get(state="active")
    certificate_renew(actor=None, certificate_id=cert.pk, issue_date=D(2026, 6, 10))
    person_set_life_status(
        actor=None, person_id=certificates["dead"].pk, status="deceased", on=D(2026, 5, 20)
    )
    refresh(EXPIRED, today=TODAY)
    # 丁 expired on 31 March: not at the end of March, counted at the end of April and May, renewed in June
    assert value(EXPIRED, "370502001001", 3) is None
    assert value(EXPIRED, "370502001001", 4) == (Decimal(1), None)
    assert value(EXPIRED, "370502001001", 5) == (Decimal(1), None)
    assert value(EXPIRED, "370502001001", 6) is None
    # 戊 expired in 2025: counted January to April, not after the death on 20 May
    assert value(EXPIRED, "370505001", 1) == (Decimal(1), None)
    assert value(EXPIRED, "370505001", 4) == (Decimal(1), None)
    assert value(EXPIRED, "370505001", 5) is None
    assert value(EXPIRED, "3705", 4) == (Decimal(2), None)
    # 丙 expires today (15 July): not yet expired
    assert value(EXPIRED, "370505", 7) is None


def test_screening_pending_by_month(regions):
    open_one = screening_record(actor=None, name="张摸排", region_code="370502001001", found_on=D(2026, 2, 3))
    done = screening_record(actor=None, name="李摸排", region_code="370502001001", found_on=D(2026, 1, 20))
    screening_conclude(actor=None, record_id=done.pk, outcome="not_disabled", on=D(2026, 5, 6))
    late = screening_record(actor=None, name="王摸排", region_code="370505001", found_on=D(2026, 7, 1))
    refresh(SCREENING, today=TODAY)
    assert value(SCREENING, "370502001001", 1) == (Decimal(1), None)  # 李 found in January
    assert value(SCREENING, "370502001001", 2) == (Decimal(2), None)  # and 张 from February
    assert value(SCREENING, "370502001001", 4) == (Decimal(2), None)
    assert value(SCREENING, "370502001001", 5) == (Decimal(1), None)  # 李's outcome on 6 May
    assert value(SCREENING, "370505", 6) is None
    assert value(SCREENING, "", 7) == (Decimal(2), None)  # 张 and 王 (found on 1 July)
    assert open_one.is_open and late.is_open


def test_records_are_scoped_to_the_county(certificates, make_user):
    county = make_user("county_admin", "370505")
    rows = records(EXPIRING, county, 7, "370505", today=TODAY)
    assert [r.person.name for r in rows] == ["丙今天"]
    assert columns_resolve(EXPIRING, rows) == [["丙今天", rows[0].person.masked_id, "370505001", TODAY]]
    assert "*" in rows[0].person.masked_id
    # the county asks for the city: still only its own rows
    assert [r.person.name for r in records(EXPIRING, county, 7, "3705", today=TODAY)] == ["丙今天"]
    assert [r.person.name for r in records(EXPIRED, county, 1, "", today=TODAY)] == ["戊去世"]
    screening_record(actor=None, name="张摸排", region_code="370502001001", found_on=D(2026, 2, 3))
    mine = screening_record(actor=None, name="王摸排", region_code="370505001", found_on=D(2026, 7, 1))
    rows = records(SCREENING, county, 7, "", today=TODAY)
    assert [r.pk for r in rows] == [mine.pk]
    assert columns_resolve(SCREENING, rows)[0][0] == "王摸排"
    certified = records("registry.certified", county, 7, "", today=TODAY)
    assert sorted(p.name for p in certified) == ["丙今天"]  # 戊's certificate has expired
