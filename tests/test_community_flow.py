"""The issue's "done when" path through the actions: a member joins a home and attends (counted in
day-care days), the fee rule for 五保, 低保 (with a mid-month change) and ordinary residents, wages
approved by a second user and exported to the worker's own account, wage refusals, the star
assessment setting next year's funding, township coverage."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import community_world as cw
import pytest
from django.utils.translation import gettext

from canlian.core.registry.actions import hardship_add, hardship_end
from canlian.domains.community import actions, fees, selectors
from canlian.domains.community.models import (
    FeeStatement,
    FundingBatch,
    FundingLine,
    HomeAttendance,
    HomeMember,
    WageLine,
    WageSheet,
)
from canlian.platform.errors import Conflict, InvalidState, PermissionDenied, ValidationFailed
from canlian.platform.tabular import Table
from canlian.programs.cycles.actions import EXPORT_HEADER

pytestmark = pytest.mark.usefixtures("english")
D = Decimal
YEAR = cw.YEAR
JUNE = dt.date(YEAR, 6, 1)


# --- homes: membership, attendance, day-care days ---------------------------------------------------


def test_member_joins_attends_a_month_and_is_counted(regions, county_admin):
    home = cw.home("370502001")
    person = cw.person(category=6, grade=3)  # mental, any grade
    member = actions.member_enrol(actor=county_admin, home_id=home.pk, person_id=person.pk, starts_on=JUNE)
    days = [JUNE + dt.timedelta(days=i) for i in range(30) if (JUNE + dt.timedelta(days=i)).weekday() < 5]
    assert actions.attendance_insert(
        actor=county_admin, pairs=[(member.pk, d) for d in days], source="page"
    ) == len(days)
    # Idempotent: the same days again add nothing.
    assert (
        actions.attendance_insert(actor=county_admin, pairs=[(member.pk, d) for d in days], source="page")
        == 0
    )
    assert HomeAttendance.objects.filter(member=member).count() == 21
    figures = selectors.day_care_days(
        county_admin, region_code="370502", start=JUNE, end=dt.date(YEAR, 6, 30)
    )
    assert figures == 21
    assert (
        selectors.day_care_days(
            county_admin, region_code="370502", start=dt.date(YEAR, 7, 1), end=dt.date(YEAR, 7, 31)
        )
        == 0
    )


@pytest.mark.parametrize(
    ("category", "grade", "eligible"),
    [(5, 4, True), (6, 4, True), (4, 2, True), (4, 3, False), (1, 1, False), (2, 2, False)],
)
def test_member_eligibility_rule_list(regions, county_admin, category, grade, eligible):
    home = cw.home("370502001")
    person = cw.person(category=category, grade=grade)
    if eligible:
        actions.member_enrol(actor=county_admin, home_id=home.pk, person_id=person.pk, starts_on=JUNE)
        assert HomeMember.objects.filter(person=person).exists()
    else:
        with pytest.raises(ValidationFailed) as exc:
            actions.member_enrol(actor=county_admin, home_id=home.pk, person_id=person.pk, starts_on=JUNE)
        assert "not eligible" in exc.value.message
        assert not HomeMember.objects.filter(person=person).exists()


def test_one_home_at_a_time_and_days_outside_membership_refused(regions, county_admin):
    a, b = cw.home("370502001"), cw.home("370502001")
    person = cw.person()
    member = actions.member_enrol(actor=county_admin, home_id=a.pk, person_id=person.pk, starts_on=JUNE)
    with pytest.raises(Conflict):
        actions.member_enrol(actor=county_admin, home_id=b.pk, person_id=person.pk, starts_on=JUNE)
    with pytest.raises(ValidationFailed):
        actions.attendance_toggle(actor=county_admin, member_id=member.pk, day=JUNE - dt.timedelta(days=1))
    assert actions.attendance_toggle(actor=county_admin, member_id=member.pk, day=JUNE) is True
    assert actions.attendance_toggle(actor=county_admin, member_id=member.pk, day=JUNE) is False
    assert not HomeAttendance.objects.filter(member=member).exists()


# --- care: the fee rule -----------------------------------------------------------------------------


def _resident(regions, *, fee="1500.00", hardship=None, name=None):
    care = cw.institution("care", "370502")
    person = cw.person(name=name)
    if hardship:
        hardship_add(actor=None, person_id=person.pk, kind=hardship, valid_from=dt.date(YEAR, 1, 1))
    resident = actions.resident_admit(
        actor=None,
        institution_id=care.pk,
        person_id=person.pk,
        mode="residential",
        admitted_on=dt.date(YEAR, 1, 1),
        monthly_fee=fee,
    )
    return care, person, resident


def _statement(care, resident, month=JUNE):
    actions.fee_statements_generate(actor=None, institution_id=care.pk, month=month)
    return FeeStatement.objects.get(resident=resident, month=month)


def test_wubao_resident_pays_exactly_their_own_allowances(regions):
    care, person, resident = _resident(regions, hardship="tekun", fee="2000.00")
    actions.allowance_record(
        actor=None,
        resident_id=resident.pk,
        kind="wubao",
        monthly_amount="980.00",
        valid_from=dt.date(YEAR, 1, 1),
    )
    cw.paid_line(person, "nursing-subsidy", JUNE, "120.00")
    cw.paid_line(person, "living-subsidy", dt.date(YEAR, 5, 1), "90.00")  # another month: not counted
    s = _statement(care, resident)
    assert (s.wubao_amount, s.dibao_amount, s.living_amount, s.nursing_amount) == (
        D("980.00"),
        D("0.00"),
        D("0.00"),
        D("120.00"),
    )
    assert s.basis == D("1100.00")
    assert s.fee == D("1100.00")  # equal to their own allowances, not the institution's 2,000
    assert s.hardship_days == s.resident_days == 30


def test_dibao_resident_brings_dibao_and_both_subsidies(regions):
    care, person, resident = _resident(regions, hardship="dibao", fee="900.00")
    actions.allowance_record(
        actor=None,
        resident_id=resident.pk,
        kind="dibao",
        monthly_amount="650.00",
        valid_from=dt.date(YEAR, 1, 1),
    )
    cw.paid_line(person, "living-subsidy", JUNE, "100.00")
    cw.paid_line(person, "nursing-subsidy", JUNE, "150.00")
    cw.paid_line(
        person, "nursing-subsidy", JUNE, "150.00", status="failed"
    )  # failed at the bank: not counted
    s = _statement(care, resident)
    assert (s.dibao_amount, s.living_amount, s.nursing_amount, s.fee) == (
        D("650.00"),
        D("100.00"),
        D("150.00"),
        D("900.00"),
    )


def test_ordinary_resident_fee_capped_at_the_basis(regions):
    care, person, resident = _resident(regions, fee="1500.00")
    cw.paid_line(person, "nursing-subsidy", JUNE, "300.00")
    s = _statement(care, resident)
    assert s.hardship_days == 0 and s.basis == D("300.00") and s.cap == D("300.00")
    assert s.fee == D("300.00")  # the institution's 1,500 capped
    # The neighbouring case: a fee below the cap is charged as it is.
    actions.resident_update(actor=None, resident_id=resident.pk, monthly_fee="299.99")
    assert _statement(care, resident).fee == D("299.99")


def test_fixed_cap_basis_is_configurable(regions):
    from canlian.domains.community.models import FeeRule

    FeeRule.objects.create(
        region_code="370502",
        valid_from=dt.date(YEAR, 1, 1),
        hardship_kinds=["dibao", "tekun"],
        allowance_kinds=["dibao", "wubao"],
        subsidy_programs=["living-subsidy", "nursing-subsidy"],
        cap_basis="fixed",
        cap_amount=D("1000.00"),
    )
    care, _person, resident = _resident(regions, fee="1500.00")
    assert _statement(care, resident).fee == D("1000.00")


def test_dibao_ends_mid_month_day_weighted(regions):
    care, person, resident = _resident(regions, hardship="dibao", fee="600.00")
    actions.allowance_record(
        actor=None,
        resident_id=resident.pk,
        kind="dibao",
        monthly_amount="500.00",
        valid_from=dt.date(YEAR, 1, 1),
    )
    cw.paid_line(person, "living-subsidy", JUNE, "100.00")
    cw.paid_line(person, "nursing-subsidy", JUNE, "200.00")
    before = _statement(care, resident)
    assert before.fee == D("800.00")
    status = person.hardships.get(kind="dibao")
    hardship_end(actor=None, status_id=status.pk, valid_to=dt.date(YEAR, 6, 15))
    # The list of residents whose statement exceeds what the rule now allows shows the stale one ...
    assert [s.resident_id for s in selectors.statements_over_cap(None, institution=care, month=JUNE)] == [
        resident.pk
    ]
    after = _statement(care, resident)
    # 15 days at the basis 800, 15 days at min(600, 800): (800×15 + 600×15) ÷ 30 = 700.
    assert (after.hardship_days, after.fee) == (15, D("700.00"))
    # ... and is empty once the statements are regenerated.
    assert selectors.statements_over_cap(None, institution=care, month=JUNE) == []
    # One day either side: ending on the 16th gives 16 hardship days.
    status.refresh_from_db()
    status.valid_to = dt.date(YEAR, 6, 16)
    status.save()
    assert _statement(care, resident).fee == D("706.67")  # (800×16 + 600×14) ÷ 30


def test_fee_rule_pure_partial_month():
    from canlian.domains.community.models import CareResident, FeeRule

    rule = FeeRule(
        pk=1, hardship_kinds=["tekun"], allowance_kinds=["wubao"], subsidy_programs=[], cap_basis="own"
    )
    r = CareResident(admitted_on=dt.date(YEAR, 6, 21), monthly_fee=D("3000"), region_code="370502")
    f = fees.compute(
        rule,
        JUNE,
        fees.Facts(
            resident=r,
            hardship=[("tekun", dt.date(2020, 1, 1), None)],
            allowances=[("wubao", D("900.00"), dt.date(2020, 1, 1), None)],
        ),
    )
    assert (f.resident_days, f.hardship_days, f.fee) == (10, 10, D("300.00"))


# --- assisted employment: wages, approval, bank file, refusals -----------------------------------------


def _worker(regions, *, basis="piece", rate="0", holder=None, region="370502"):
    workshop = cw.institution("employment", region)
    project = actions.project_save(
        actor=None,
        region_code=region,
        code=f"P{workshop.pk}",
        name="串珠",
        product="手串",
        piece_rate="0.800",
        partner_uscc=cw.valid_uscc(),
    )
    person = cw.person(category=5, grade=3, birth="19950101")
    worker = actions.worker_sign(
        actor=None,
        institution_id=workshop.pk,
        person_id=person.pk,
        agreement_number="A1",
        agreement_from=dt.date(YEAR, 1, 1),
        bank_name="农业银行",
        bank_account="6228480000000005678",
        account_holder=holder or person.name,
        wage_basis=basis,
        hourly_rate=rate,
        project_id=project.pk,
    )
    return workshop, project, person, worker


def test_wages_approved_by_a_second_user_and_exported_to_own_account(regions, county_admin, make_user):
    workshop, project, person, worker = _worker(regions)
    actions.minimum_wage_save(
        actor=county_admin, region_code="370502", valid_from=dt.date(YEAR, 1, 1), monthly_amount="800.00"
    )
    actions.output_record(
        actor=county_admin, worker_id=worker.pk, month=JUNE, pieces="1250", project_id=project.pk
    )
    sheet = actions.wage_sheet_generate(actor=county_admin, institution_id=workshop.pk, month=JUNE)
    line = WageLine.objects.get(sheet=sheet)
    assert line.amount == D("1000.00") and sheet.total_amount == D("1000.00")
    with pytest.raises(PermissionDenied):
        actions.wage_sheet_approve(actor=county_admin, sheet_id=sheet.pk)
    with pytest.raises(InvalidState):
        actions.wage_sheet_export(actor=county_admin, sheet_id=sheet.pk, fmt="csv")
    checker = make_user("county_admin", "370502", username="checker")
    actions.wage_sheet_approve(actor=checker, sheet_id=sheet.pk)
    data, _name = actions.wage_sheet_export(actor=county_admin, sheet_id=sheet.pk, fmt="csv")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == [str(gettext(label)) for _key, label in EXPORT_HEADER]  # the engine's bank-file columns
    # Long digit strings carry the CSV text marker (a tab) so spreadsheets keep them as text.
    assert [c.lstrip("\t") for c in rows[1][1:7]] == [
        person.name,
        person.id_number,
        "农业银行",
        "6228480000000005678",
        person.name,
        "1000.00",
    ]
    assert WageSheet.objects.get(pk=sheet.pk).status == "exported"
    result = actions.wage_sheet_record_results(
        actor=county_admin,
        sheet_id=sheet.pk,
        table=Table(header=["Line", "Status"], rows=[[str(line.pk), "成功"]]),
    )
    assert result == {"paid": 1, "failed": 0, "pending": 0}
    assert WageSheet.objects.get(pk=sheet.pk).status == "closed"


def test_hours_wage_and_minimum_refusal(regions, county_admin, city_admin):
    workshop, _project, person, worker = _worker(regions, basis="hours", rate="12.50")
    actions.minimum_wage_save(
        actor=city_admin, region_code="3705", valid_from=dt.date(YEAR, 1, 1), monthly_amount="1000.00"
    )
    actions.output_record(actor=county_admin, worker_id=worker.pk, month=JUNE, hours="79.9")
    with pytest.raises(ValidationFailed) as exc:
        actions.wage_sheet_generate(actor=county_admin, institution_id=workshop.pk, month=JUNE)
    assert exc.value.errors[0].message == f"{person.name}: the wage 998.75 is below the minimum of 1000.00."
    assert not WageSheet.objects.exists()
    actions.output_record(actor=county_admin, worker_id=worker.pk, month=JUNE, hours="80")
    sheet = actions.wage_sheet_generate(actor=county_admin, institution_id=workshop.pk, month=JUNE)
    assert sheet.total_amount == D("1000.00")


def test_account_not_in_workers_name_refused(regions, county_admin):
    with pytest.raises(ValidationFailed) as exc:
        _worker(regions, holder="王父亲")
    assert "must be in the worker's own name" in exc.value.message
    workshop, project, _person, worker = _worker(regions)
    # Changed behind the action's back: the sheet refuses it too.
    type(worker).objects.filter(pk=worker.pk).update(account_holder="李某")
    actions.output_record(
        actor=county_admin, worker_id=worker.pk, month=JUNE, pieces="100", project_id=project.pk
    )
    with pytest.raises(ValidationFailed) as exc:
        actions.wage_sheet_generate(actor=county_admin, institution_id=workshop.pk, month=JUNE)
    assert "not the worker's own" in exc.value.errors[0].message
    assert not WageSheet.objects.exists()


def test_worker_must_be_of_working_age_and_eligible(regions, county_admin):
    workshop = cw.institution("employment", "370502")
    old = cw.person(category=5, grade=2, birth="1960" + "0101")
    with pytest.raises(ValidationFailed) as exc:
        actions.worker_sign(
            actor=None,
            institution_id=workshop.pk,
            person_id=old.pk,
            agreement_number="X",
            agreement_from=dt.date(YEAR, 1, 1),
            bank_name="b",
            bank_account="6228480000000001111",
            account_holder=old.name,
        )
    assert "Aged" in exc.value.message


# --- stars and funding --------------------------------------------------------------------------------


def test_star_assessment_sets_next_years_funding(regions, county_admin, make_user):
    h5, h3 = cw.home("370502001"), cw.home("370502001")
    for stars, amount in ((5, "80000.00"), (4, "60000.00"), (3, "40000.00")):
        actions.funding_standard_save(
            actor=county_admin,
            region_code="370502",
            valid_from=dt.date(YEAR + 1, 1, 1),
            stars=stars,
            amount=amount,
        )
    a5 = actions.assessment_save(
        actor=county_admin,
        home_id=h5.pk,
        year=YEAR,
        assessed_on=dt.date(YEAR, 11, 1),
        scores={"facilities": 95, "services": 90, "management": 88, "staff": 90, "satisfaction": 92},
    )
    # (95×20 + 90×30 + 88×20 + 90×15 + 92×15) ÷ 100 = 90.9 → 5 stars (band ≥ 90)
    assert (a5.total_score, a5.stars) == (D("90.9"), 5)
    a3 = actions.assessment_save(
        actor=county_admin,
        home_id=h3.pk,
        year=YEAR,
        assessed_on=dt.date(YEAR, 11, 1),
        scores={"facilities": 80, "services": 79, "management": 80, "staff": 80, "satisfaction": 79.3},
    )
    assert (a3.total_score, a3.stars) == (D("79.6"), 3)  # just below the 80 band of 4 stars
    with pytest.raises(InvalidState):
        actions.funding_generate(
            actor=county_admin, region_code="370502", year=YEAR + 1
        )  # nothing confirmed yet
    actions.assessment_confirm(actor=county_admin, assessment_id=a5.pk)
    actions.assessment_confirm(actor=county_admin, assessment_id=a3.pk)
    batch = actions.funding_generate(actor=county_admin, region_code="370502", year=YEAR + 1)
    amounts = dict(FundingLine.objects.filter(batch=batch).values_list("home_id", "amount"))
    assert amounts == {h5.pk: D("80000.00"), h3.pk: D("40000.00")}
    assert batch.total_amount == D("120000.00")
    with pytest.raises(PermissionDenied):
        actions.funding_approve(actor=county_admin, batch_id=batch.pk)
    checker = make_user("county_admin", "370502", username="checker2")
    actions.funding_approve(actor=checker, batch_id=batch.pk)
    assert FundingBatch.objects.get(pk=batch.pk).status == "approved"
    with pytest.raises(InvalidState):
        actions.funding_generate(actor=county_admin, region_code="370502", year=YEAR + 1)


def test_funding_refused_when_stars_have_no_standard(regions, county_admin):
    h = cw.home("370502001")
    a = actions.assessment_save(
        actor=county_admin,
        home_id=h.pk,
        year=YEAR,
        assessed_on=dt.date(YEAR, 11, 1),
        scores={"facilities": 60, "services": 60, "management": 60, "staff": 60, "satisfaction": 60},
    )
    actions.assessment_confirm(actor=county_admin, assessment_id=a.pk)
    with pytest.raises(ValidationFailed) as exc:
        actions.funding_generate(actor=county_admin, region_code="370502", year=YEAR + 1)
    assert "No funding standard for 2 stars" in exc.value.errors[0].message
    assert not FundingBatch.objects.exists()


# --- township coverage --------------------------------------------------------------------------------


def test_township_coverage_lists_every_township(regions, county_admin, city_admin):
    cw.home("370502001")
    rows = selectors.township_coverage(city_admin, region_code="3705", on=dt.date(YEAR, 6, 30))
    by_code = {r.code: r for r in rows}
    assert by_code["370502001"].homes == 1 and by_code["370505001"].homes == 0
    assert selectors.coverage_rate(rows) == (1, 2)


# --- the care subsidy -----------------------------------------------------------------------------------


def test_care_subsidy_by_mode_and_months(regions, county_admin, make_user):
    care = cw.institution("care", "370502")
    full = actions.resident_admit(
        actor=None,
        institution_id=care.pk,
        person_id=cw.person().pk,
        mode="residential",
        admitted_on=dt.date(YEAR - 1, 6, 1),
    )
    # Admitted on 17 March: 15 days in March (the month counts), April to December: 10 months.
    march17 = actions.resident_admit(
        actor=None,
        institution_id=care.pk,
        person_id=cw.person().pk,
        mode="day",
        admitted_on=dt.date(YEAR, 3, 17),
    )
    # Admitted on 18 March: 14 days in March (it does not), 9 months.
    march18 = actions.resident_admit(
        actor=None,
        institution_id=care.pk,
        person_id=cw.person().pk,
        mode="home",
        admitted_on=dt.date(YEAR, 3, 18),
    )
    batch = actions.care_subsidy_generate(actor=county_admin, institution_id=care.pk, year=YEAR)
    lines = {line.resident_id: (line.months, line.amount) for line in batch.lines.all()}
    assert lines == {full.pk: (12, D("1500.00")), march17.pk: (10, D("500.00")), march18.pk: (9, D("450.00"))}
    assert batch.total_amount == D("2450.00")
    with pytest.raises(PermissionDenied):
        actions.care_subsidy_approve(actor=county_admin, batch_id=batch.pk)
    actions.care_subsidy_approve(
        actor=make_user("county_admin", "370502", username="care_checker"), batch_id=batch.pk
    )
    with pytest.raises(InvalidState):
        actions.care_subsidy_generate(actor=county_admin, institution_id=care.pk, year=YEAR)


def test_a_regional_care_standard_replaces_the_national_floor(regions, county_admin):
    from canlian.domains.community.models import CareSubsidyStandard

    CareSubsidyStandard.objects.create(
        region_code="3705", mode="residential", valid_from=dt.date(YEAR, 1, 1), yearly_amount=D("2400.00")
    )
    care = cw.institution("care", "370502")
    r = actions.resident_admit(
        actor=None,
        institution_id=care.pk,
        person_id=cw.person().pk,
        mode="residential",
        admitted_on=dt.date(YEAR - 1, 7, 1),
    )
    batch = actions.care_subsidy_generate(actor=county_admin, institution_id=care.pk, year=YEAR)
    assert batch.lines.get(resident=r).amount == D("2400.00")
    # The year before the city's standard started: the national floor of 1,500, six months.
    earlier = actions.care_subsidy_generate(actor=county_admin, institution_id=care.pk, year=YEAR - 1)
    assert earlier.lines.get(resident=r).amount == D("750.00")


def test_out_of_scope_and_without_permission_refused_and_nothing_written(regions, make_user):
    from canlian.platform.errors import NotFound

    home = cw.home("370502001")
    person = cw.person()
    outsider = make_user("county_admin", "370505")
    with pytest.raises(NotFound):
        actions.member_enrol(actor=outsider, home_id=home.pk, person_id=person.pk, starts_on=JUNE)
    leader = make_user("leader", "370502")
    with pytest.raises(PermissionDenied):
        actions.member_enrol(actor=leader, home_id=home.pk, person_id=person.pk, starts_on=JUNE)
    assert not HomeMember.objects.exists()
