"""The community indicators through the refresh (one INSERT … SELECT per month, rolled up): values in
a small world of both counties of 东营, the month before and after, and records in scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import community_world as cw
import pytest

from canlian.domains.community import actions
from canlian.platform.indicators import get_indicator
from canlian.reporting.models import IndicatorValue
from canlian.reporting.steering.refresh import indicator_refresh

pytestmark = pytest.mark.usefixtures("english")
YEAR = cw.YEAR
TODAY = dt.date(YEAR, 12, 31)
CODES = [
    "community.homes_built",
    "community.township_coverage",
    "community.members",
    "community.day_care_people",
    "community.day_care_days",
    "community.rehab_sessions",
    "community.residents",
    "community.residents_residential",
    "community.care_subsidy",
    "community.institution_subsidies",
    "community.workers",
    "community.wages_paid",
    "community.wage_months",
    "community.projects",
]


def value(code, region, month):
    row = IndicatorValue.objects.filter(indicator=code, region_code=region, year=YEAR, month=month).first()
    return (row.numerator, row.denominator) if row else None


@pytest.fixture
def world(regions, county_admin, make_user):
    home = cw.home("370502001", opened_on=dt.date(YEAR, 3, 10))
    member = actions.member_enrol(
        actor=None, home_id=home.pk, person_id=cw.person().pk, starts_on=dt.date(YEAR, 4, 1)
    )
    actions.attendance_insert(
        actor=None, pairs=[(member.pk, dt.date(YEAR, 4, d)) for d in (1, 2, 3)], source="page"
    )
    actions.service_record(
        actor=None,
        home_id=home.pk,
        function="rehab",
        on=dt.date(YEAR, 4, 5),
        title="康复训练",
        quantity="2.0",
    )
    care = cw.institution("care", "370505")
    actions.resident_admit(
        actor=None,
        institution_id=care.pk,
        person_id=cw.person("370505001").pk,
        mode="residential",
        admitted_on=dt.date(YEAR, 1, 1),
    )
    batch = actions.care_subsidy_generate(actor=county_admin and None, institution_id=care.pk, year=YEAR)
    actions.care_subsidy_approve(actor=make_user("county_admin", "370505"), batch_id=batch.pk)
    actions.care_subsidy_mark_paid(actor=None, batch_id=batch.pk, paid_on=dt.date(YEAR, 6, 20))
    actions.subsidy_standard_save(
        actor=None, region_code="370502", kind="construction", valid_from=dt.date(2020, 1, 1), amount="80000"
    )
    subsidies = actions.subsidy_batch_generate(actor=None, region_code="370502", year=YEAR)
    actions.subsidy_batch_approve(actor=county_admin, batch_id=subsidies.pk)
    actions.subsidy_batch_mark_paid(actor=None, batch_id=subsidies.pk, paid_on=dt.date(YEAR, 7, 15))
    shop = cw.institution("employment", "370502")
    project = actions.project_save(
        actor=None, region_code="370502", code="P1", name="串珠", product="手串", piece_rate="1"
    )
    p = cw.person(birth="19950101")
    w = actions.worker_sign(
        actor=None,
        institution_id=shop.pk,
        person_id=p.pk,
        agreement_number="A",
        agreement_from=dt.date(YEAR, 1, 1),
        bank_name="b",
        bank_account="6222020000000000001",
        account_holder=p.name,
    )
    actions.output_record(
        actor=None, worker_id=w.pk, month=dt.date(YEAR, 5, 1), pieces="900", project_id=project.pk
    )
    sheet = actions.wage_sheet_generate(actor=None, institution_id=shop.pk, month=dt.date(YEAR, 5, 1))
    actions.wage_sheet_approve(actor=county_admin, sheet_id=sheet.pk)
    actions.wage_sheet_export(actor=None, sheet_id=sheet.pk)
    from canlian.platform.tabular import Table

    line = sheet.lines.get()
    actions.wage_sheet_record_results(
        actor=None, sheet_id=sheet.pk, table=Table(header=["Line", "Status"], rows=[[str(line.pk), "成功"]])
    )
    indicator_refresh(indicators=CODES, year=YEAR, today=TODAY)
    return {"home": home}


def test_values(world):
    assert value("community.homes_built", "370502", 3) == (Decimal(1), None)
    assert value("community.homes_built", "370502", 2) is None
    # coverage: 370502 has its one township covered from March; 370505 has no home: 0 %, not missing
    assert value("community.township_coverage", "370502", 2) == (Decimal(0), Decimal(1))
    assert value("community.township_coverage", "370502", 3) == (Decimal(1), Decimal(1))
    assert value("community.township_coverage", "370505", 6) == (Decimal(0), Decimal(1))
    assert value("community.township_coverage", "3705", 6) == (Decimal(1), Decimal(2))
    # the home opened in March got its construction subsidy, paid on 15 July
    assert value("community.institution_subsidies", "370502", 7) == (Decimal("80000.00"), None)
    assert value("community.institution_subsidies", "370502", 6) is None
    assert value("community.members", "3705", 4) == (Decimal(1), None)
    assert value("community.members", "3705", 3) is None
    assert value("community.day_care_days", "370502001", 4) == (Decimal(3), None)
    assert value("community.day_care_days", "370502001", 5) is None
    assert value("community.day_care_people", "370502", 12) == (Decimal(1), None)
    assert value("community.rehab_sessions", "370502", 4) == (Decimal(2), None)
    assert value("community.residents_residential", "370505", 1) == (Decimal(1), None)
    assert value("community.care_subsidy", "370505", 6) == (Decimal("1500.00"), None)
    assert value("community.care_subsidy", "370505", 5) is None
    assert value("community.workers", "370502", 5) == (Decimal(1), None)
    assert value("community.wages_paid", "370502", 5) == (Decimal("900.00"), None)
    assert value("community.wage_months", "", 5) == (Decimal(1), None)
    assert value("community.projects", "370502", 12) == (Decimal(1), None)


def test_records_in_scope(world, make_user):
    kenli = make_user("county_admin", "370505")
    dongying = make_user("county_admin", "370502")
    indicator = get_indicator("community.day_care_days")
    window = indicator.window(YEAR, 4, TODAY)
    assert indicator.records(kenli, window, "").count() == 0
    assert indicator.records(dongying, window, "").count() == 1
    cov = get_indicator("community.township_coverage")
    assert list(cov.records(dongying, cov.window(YEAR, 6, TODAY), "")) == [world["home"]]
