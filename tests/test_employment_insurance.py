"""Commercial insurance bought for certified people (残疾人商业保险) through the engine, exactly like the
pension premium: eligibility by grade and hardship as a rule list with options, the yearly premium by
region, the January cycle as the list sent to the insurer, its result file matched back."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from registry_factories import registered

from canlian.core.registry.models import HardshipStatus
from canlian.domains.employment.insurance import INSURANCE, compile_rules, insurance_year_set
from canlian.platform.errors import InvalidState, PermissionDenied, ValidationFailed
from canlian.platform.tabular import Table
from canlian.programs.cycles import actions as cycles
from canlian.programs.models import Enrollment, PaymentLine, Program, RuleSetting, Standard

pytestmark = pytest.mark.django_db
JAN = dt.date(2026, 1, 1)
_names = iter("甲乙丙丁戊己庚辛壬癸子丑寅卯")


def enrol(program, *, grade, birth="19800101", dibao=False):
    person = registered(name="投保" + next(_names), grade=grade, birth=birth)
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
        category=4,
        bank_account="",
        account_holder=person.name,
    )


@pytest.fixture
def setup(regions, make_user):
    city = make_user("city_admin", "3705", username="ins_city")
    standard = insurance_year_set(actor=city, region_code="3705", year=2026, amount="120.00")
    assert (standard.valid_from, standard.valid_to) == (JAN, dt.date(2026, 1, 31))
    return {
        "program": Program.objects.get(code=INSURANCE),
        "maker": make_user("county_admin", "370502", username="ins_maker"),
        "checker": make_user("county_admin", "370502", username="ins_checker"),
    }


def test_the_seeded_program_and_its_options():
    program = Program.objects.get(code=INSURANCE)
    assert program.arrears_months == 0 and program.family == INSURANCE
    assert RuleSetting.objects.get(program=program, region_code="").rules == compile_rules({})
    assert compile_rules({})[-1] == {
        "rule": "any_of",
        "rules": [
            {"rule": "certificate", "grades": [1, 2]},
            {"rule": "hardship_any", "kinds": ["dibao", "tekun"]},
        ],
    }
    assert compile_rules({"all_grades": True}) == [{"rule": "alive"}, {"rule": "certificate_valid"}]
    assert {"rule": "age", "min": 16, "max": 59} in compile_rules({"working_age_only": True})
    assert compile_rules({"hardship_any_grade": False})[-1] == {"rule": "certificate", "grades": [1, 2]}
    assert not Standard.objects.filter(program=program).exists()


def test_january_cycle_pays_the_yearly_premium_once(setup):
    program = setup["program"]
    severe = enrol(program, grade=2)  # grade 2: insured
    poor = enrol(program, grade=3, dibao=True)  # grade 3 in 低保: insured
    mild = enrol(program, grade=3)  # grade 3, no hardship: not insured
    old = enrol(program, grade=1, birth="19400101")  # no age limit by default: insured
    with pytest.raises(InvalidState):  # December of the year before: no premium in force
        cycles.cycle_generate(
            actor=setup["maker"], region_code="370502", month=dt.date(2025, 12, 1), program=program
        )
    result = cycles.cycle_generate(actor=setup["maker"], region_code="370502", month=JAN, program=program)
    lines = {line.enrollment_id: line for line in PaymentLine.objects.filter(cycle=result.cycle)}
    assert {pk: line.amount for pk, line in lines.items()} == {
        severe.pk: Decimal("120.00"),
        poor.pk: Decimal("120.00"),
        old.pk: Decimal("120.00"),
    }
    assert mild.pk not in lines and result.total_amount == Decimal("360.00")
    with pytest.raises(InvalidState):  # February pays nobody again
        cycles.cycle_generate(
            actor=setup["maker"], region_code="370502", month=dt.date(2026, 2, 1), program=program
        )


def test_working_age_option_and_a_grade_banded_premium(setup, make_user):
    program = setup["program"]
    province = make_user("province_admin", "37", username="ins_prov")
    RuleSetting.objects.create(
        program=program,
        region_code="370502",
        valid_from=dt.date(2025, 1, 1),
        options={"working_age_only": True},
        rules=compile_rules({"working_age_only": True}),
    )
    # grade 1 insured at 150 in the county (more keys win over the city's flat 120)
    insurance_year_set(actor=province, region_code="370502", year=2026, amount="150.00", grades="1")
    at_60 = enrol(program, grade=1, birth="19660101")  # 60 on 1 Jan 2026: past working age all January
    young = enrol(program, grade=1, birth="19660102")  # 59 on 1 Jan 2026 (60 on the 2nd): insured
    two = enrol(program, grade=2, birth="19900101")
    result = cycles.cycle_generate(actor=setup["maker"], region_code="370502", month=JAN, program=program)
    amounts = {line.enrollment_id: line.amount for line in PaymentLine.objects.filter(cycle=result.cycle)}
    assert amounts == {young.pk: Decimal("150.00"), two.pk: Decimal("120.00")}
    assert at_60.pk not in amounts


def test_refusals_leave_nothing(setup):
    county = setup["maker"]
    before = Standard.objects.count()
    with pytest.raises(PermissionDenied):
        insurance_year_set(actor=county, region_code="370505", year=2026, amount="100")
    with pytest.raises(ValidationFailed) as caught:
        insurance_year_set(actor=county, region_code="370502", year=2026, amount="-1")
    assert caught.value.field == "amount"
    with pytest.raises(ValidationFailed) as caught:
        insurance_year_set(actor=county, region_code="370502", year="20x6", amount="100")
    assert caught.value.field == "year"
    assert Standard.objects.count() == before


def test_the_list_sent_to_the_insurer_and_its_result_file(setup):
    program = setup["program"]
    first = enrol(program, grade=2)
    second = enrol(program, grade=1)
    generated = cycles.cycle_generate(actor=setup["maker"], region_code="370502", month=JAN, program=program)
    cycles.cycle_approve(actor=setup["checker"], cycle_id=generated.cycle.pk)
    content, _name = cycles.cycle_export(actor=setup["checker"], cycle_id=generated.cycle.pk, fmt="xlsx")
    cells = {
        str(c) for r in load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True) for c in r if c
    }
    assert {first.person.id_number, second.person.id_number} <= cells
    table = Table(
        header=["ID number", "period", "status", "reason"],
        rows=[
            [first.person.id_number, "2026-01", "paid", ""],
            [second.person.id_number, "2026-01", "failed", "超出承保年龄"],
        ],
    )
    cycles.cycle_record_results(actor=setup["maker"], cycle_id=generated.cycle.pk, table=table)
    assert PaymentLine.objects.get(enrollment=first).status == "paid"
    failed = PaymentLine.objects.get(enrollment=second)
    assert failed.status == "failed" and "超出承保年龄" in failed.failure_reason
