"""The pension premium paid on behalf of people (城乡居民养老保险代缴) through the engine: eligibility by
grade, hardship and age as a rule list, the yearly premium standard by region, the January cycle as
the list sent to the social-insurance agency, its result file matched back (paid / failed with a
reason per person)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from registry_factories import registered

from canlian.core.registry.models import HardshipStatus
from canlian.domains.employment import actions
from canlian.domains.employment.presets import PENSION, compile_rules
from canlian.platform.errors import InvalidState, PermissionDenied, ValidationFailed
from canlian.platform.tabular import Table
from canlian.programs.cycles import actions as cycles
from canlian.programs.families import family_for
from canlian.programs.models import Enrollment, PaymentLine, Program, RuleSetting, Standard

pytestmark = pytest.mark.django_db
JAN = dt.date(2026, 1, 1)
_names = iter("甲乙丙丁戊己庚辛壬癸")


def enrol(program, *, grade, birth="19800101", dibao=False, category=4):
    person = registered(name="参保" + next(_names), grade=grade, birth=birth, category=category)
    if dibao:
        HardshipStatus.objects.create(
            person=person, kind="dibao", valid_from=dt.date(2024, 1, 1), source="manual"
        )
    return Enrollment.objects.create(
        program=program,
        person=person,
        region_code=person.region_code,
        status="active",
        applied_on=dt.date(2025, 3, 10),
        application_month=dt.date(2025, 3, 1),
        grade=grade,
        category=category,
        bank_account="",
        account_holder=person.name,
    )


@pytest.fixture
def setup(regions, make_user):
    program = Program.objects.get(code=PENSION)
    city = make_user("city_admin", "3705", username="prem_city")
    # the city pays 200 for 2026 (a standard in force 1–31 January)
    standard = actions.premium_year_set(actor=city, region_code="3705", year=2026, amount="200.00")
    assert (standard.valid_from, standard.valid_to) == (JAN, dt.date(2026, 1, 31))
    return {
        "program": program,
        "maker": make_user("county_admin", "370502", username="prem_maker"),
        "checker": make_user("county_admin", "370502", username="prem_checker"),
    }


def test_the_seeded_program_and_its_family():
    program = Program.objects.get(code=PENSION)
    assert program.arrears_months == 0 and program.family == PENSION
    setting = RuleSetting.objects.get(program=program, region_code="")
    assert setting.rules == compile_rules({})
    family = family_for(PENSION)
    assert family.defaults() == {
        "severe_any_household": True,
        "hardship_any_grade": True,
        "include_low_income": False,
    }
    widened = compile_rules({"include_low_income": True})
    assert {"rule": "hardship_any", "kinds": ["dibao", "tekun", "low_income"]} in widened[-1]["rules"]
    only_severe = compile_rules({"hardship_any_grade": False})
    assert only_severe[-1] == {"rule": "certificate", "grades": [1, 2]}
    assert not Standard.objects.filter(program=program).exists()  # regions set the year's premium


def test_january_cycle_pays_the_eligible_once_at_the_regional_premium(setup):
    program = setup["program"]
    severe = enrol(program, grade=2)  # grade 2: pays
    poor = enrol(program, grade=3, dibao=True)  # grade 3 in 低保: pays
    mild = enrol(program, grade=3)  # grade 3, no hardship: does not
    at_59 = enrol(program, grade=1, birth="19660301")  # 59 on 1 Jan 2026: pays
    at_60 = enrol(program, grade=1, birth="19651231")  # 60 on 1 Jan 2026: draws the pension, not paid
    result = cycles.cycle_generate(actor=setup["maker"], region_code="370502", month=JAN, program=program)
    lines = {line.enrollment_id: line for line in PaymentLine.objects.filter(cycle=result.cycle)}
    assert set(lines) == {severe.pk, poor.pk, at_59.pk}
    assert {line.amount for line in lines.values()} == {Decimal("200.00")}
    assert {line.period for line in lines.values()} == {JAN}  # only January: no arrears months
    assert result.total_amount == Decimal("600.00")
    assert mild.pk not in lines and at_60.pk not in lines
    # the February cycle pays nobody again: the premium is yearly (no standard in force in February)
    with pytest.raises(InvalidState):
        cycles.cycle_generate(
            actor=setup["maker"], region_code="370502", month=dt.date(2026, 2, 1), program=program
        )
    assert PaymentLine.objects.filter(period=dt.date(2026, 2, 1)).count() == 0


def test_premium_year_refusals(setup, make_user):
    county = setup["maker"]
    with pytest.raises(PermissionDenied):
        actions.premium_year_set(actor=county, region_code="370505", year=2026, amount="150")
    with pytest.raises(ValidationFailed):
        actions.premium_year_set(actor=county, region_code="370502", year=2026, amount="-1")
    assert Standard.objects.filter(program=setup["program"]).count() == 1


def test_the_list_sent_and_the_result_file_matched_back(setup):
    program = setup["program"]
    first = enrol(program, grade=2)
    second = enrol(program, grade=1)
    generated = cycles.cycle_generate(actor=setup["maker"], region_code="370502", month=JAN, program=program)
    cycles.cycle_approve(actor=setup["checker"], cycle_id=generated.cycle.pk)
    content, _name = cycles.cycle_export(actor=setup["checker"], cycle_id=generated.cycle.pk, fmt="xlsx")
    book = load_workbook(io.BytesIO(content))
    sheet_rows = list(book.active.iter_rows(values_only=True))
    id_numbers = {first.person.id_number, second.person.id_number}
    assert id_numbers <= {str(c) for r in sheet_rows for c in r if c is not None}
    table = Table(
        header=["ID number", "period", "status", "reason"],
        rows=[
            [first.person.id_number, "2026-01", "paid", ""],
            [second.person.id_number, "2026-01", "failed", "参保状态异常：已在外省参保"],
        ],
    )
    cycles.cycle_record_results(actor=setup["maker"], cycle_id=generated.cycle.pk, table=table)
    paid = PaymentLine.objects.get(enrollment=first)
    failed = PaymentLine.objects.get(enrollment=second)
    assert paid.status == "paid" and failed.status == "failed"
    assert "已在外省参保" in failed.failure_reason
