"""Education programs paid per term through the engine: the kindergarten fee subsidy (certified
children aged 3–6 placed in preschool) and the grant of students at vocational schools and
universities. Exact amounts with the neighbours that must not be paid: the placement kind, the
school year the paying month reads, the month before the paying month, the age boundaries; the
placement rule agrees in Python, as a Q and in the cycle's SQL."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from registry_factories import registered

from canlian.core.registry.models import HardshipStatus, Person
from canlian.domains.education import actions
from canlian.domains.education.models import PlacementRecord
from canlian.domains.education.presets import (
    KINDERGARTEN,
    STUDENT_GRANT,
    kindergarten_compile_rules,
    student_grant_compile_rules,
)
from canlian.domains.education.rules import school_year_of
from canlian.platform.errors import InvalidState, PermissionDenied, ValidationFailed
from canlian.programs import eligibility
from canlian.programs.cycles import actions as cycles
from canlian.programs.families import family_for
from canlian.programs.models import Enrollment, PaymentLine, Program, RuleSetting, Standard
from canlian.programs.rules.engine import build_rules, eligible_q

pytestmark = pytest.mark.django_db
MARCH = dt.date(2026, 3, 1)
SEPTEMBER = dt.date(2026, 9, 1)
_names = ("".join(p) for p in itertools.product("甲乙丙丁戊己庚辛壬癸", repeat=2))


def enrol(program, birth, *placements, grade=3):
    """A certified child enrolled (active) in ``program`` with ``placements`` as (school year, kind)."""
    person = registered(name="学生" + next(_names), birth=birth, grade=grade, issued=dt.date(2025, 6, 1))
    for year, placement in placements:
        actions.placement_record(actor=None, person_id=person.pk, school_year=year, placement=placement)
    return Enrollment.objects.create(
        program=program,
        person=person,
        region_code=person.region_code,
        status="active",
        applied_on=dt.date(2025, 10, 10),
        application_month=dt.date(2025, 10, 1),
        grade=grade,
        category=4,
        bank_account="6222",
        account_holder="监护人",
    )


@pytest.fixture
def users(regions, make_user):
    return {
        "city": make_user("city_admin", "3705", username="edu_city"),
        "maker": make_user("county_admin", "370502", username="edu_maker"),
    }


def paid(cycle):
    return {line.enrollment_id: line.amount for line in PaymentLine.objects.filter(cycle=cycle)}


def test_seeded_programs_families_and_school_years():
    for code, compile_rules in (
        (KINDERGARTEN, kindergarten_compile_rules),
        (STUDENT_GRANT, student_grant_compile_rules),
    ):
        program = Program.objects.get(code=code)
        assert program.arrears_months == 0 and program.family == code
        assert RuleSetting.objects.get(program=program, region_code="").rules == compile_rules({})
        assert not Standard.objects.filter(program=program).exists()  # regions set each term
        assert family_for(code).compile({}) == compile_rules({})
    assert kindergarten_compile_rules({"hardship_only": True})[-1] == {
        "rule": "hardship_any",
        "kinds": ["dibao", "tekun"],
    }
    only_uni = student_grant_compile_rules({"vocational": False})
    assert only_uni[2] == {"rule": "education_placement", "placements": ["higher_education"]}
    assert (school_year_of(dt.date(2026, 8, 31)), school_year_of(SEPTEMBER)) == (2025, 2026)


def test_kindergarten_spring_term_pays_preschool_children_of_preschool_age(users):
    program = Program.objects.get(code=KINDERGARTEN)
    standard = actions.term_standard_set(
        actor=users["city"],
        program=KINDERGARTEN,
        region_code="3705",
        year=2026,
        term="spring",
        amount="600.00",
    )
    assert (standard.valid_from, standard.valid_to) == (MARCH, dt.date(2026, 3, 31))
    pre = enrol(program, "20210301", (2025, "preschool"))  # 5: pays
    home = enrol(program, "20210301", (2025, "home_teaching"))  # not a preschool placement
    next_year = enrol(program, "20210301", (2026, "preschool"))  # placed only from September 2026
    six = enrol(program, "20190302", (2025, "preschool"))  # 6 on 1 March (7 on the 2nd): pays
    seven = enrol(program, "20190301", (2025, "preschool"))  # 7 on 1 March: too old
    three = enrol(program, "20230331", (2025, "preschool"))  # 3 on 31 March: pays
    two = enrol(program, "20230401", (2025, "preschool"))  # 2 all of March: too young
    # the month before the term's month pays nobody: no standard in force in February
    with pytest.raises(InvalidState):
        cycles.cycle_generate(
            actor=users["maker"], region_code="370502", month=dt.date(2026, 2, 1), program=program
        )
    result = cycles.cycle_generate(actor=users["maker"], region_code="370502", month=MARCH, program=program)
    lines = paid(result.cycle)
    assert lines == {pre.pk: Decimal("600.00"), six.pk: Decimal("600.00"), three.pk: Decimal("600.00")}
    assert {home.pk, next_year.pk, seven.pk, two.pk}.isdisjoint(lines)
    assert result.total_amount == Decimal("1800.00")
    assert set(PaymentLine.objects.filter(cycle=result.cycle).values_list("period", flat=True)) == {MARCH}
    # the engine's explanation says why the home-taught child is not paid
    verdict = eligibility.explain_month(program, home.person, MARCH)
    assert not verdict.eligible
    failed = [r for r in verdict.results if r.passed is False]
    assert [r.code for r in failed] == ["education_placement"] and failed[0].data[
        "placement"
    ] == "home_teaching"


def test_student_grant_autumn_term_reads_the_new_school_year(users):
    program = Program.objects.get(code=STUDENT_GRANT)
    actions.term_standard_set(
        actor=users["city"],
        program=STUDENT_GRANT,
        region_code="3705",
        year=2026,
        term="autumn",
        amount="1150.00",
    )
    vocational = enrol(program, "20100105", (2026, "vocational"))
    university = enrol(program, "20060105", (2025, "vocational"), (2026, "higher_education"))
    graduated = enrol(program, "20070105", (2025, "vocational"))  # nothing in 2026: not paid
    pupil = enrol(program, "20120105", (2026, "regular_class"))  # compulsory school: not paid
    with pytest.raises(InvalidState):  # August: the month before
        cycles.cycle_generate(
            actor=users["maker"], region_code="370502", month=dt.date(2026, 8, 1), program=program
        )
    result = cycles.cycle_generate(
        actor=users["maker"], region_code="370502", month=SEPTEMBER, program=program
    )
    assert paid(result.cycle) == {vocational.pk: Decimal("1150.00"), university.pk: Decimal("1150.00")}
    assert graduated.pk not in paid(result.cycle) and pupil.pk not in paid(result.cycle)


def test_the_placement_rule_agrees_in_python_and_as_q(users):
    program = Program.objects.get(code=STUDENT_GRANT)
    yes = enrol(program, "20100105", (2026, "vocational")).person
    no = enrol(program, "20120105", (2026, "regular_class")).person
    poor = enrol(program, "20090105", (2026, "higher_education")).person
    HardshipStatus.objects.create(person=poor, kind="dibao", valid_from=dt.date(2024, 1, 1), source="manual")
    for options in ({}, {"hardship_only": True}, {"higher_education": False}):
        rules = build_rules(student_grant_compile_rules(options))
        from canlian.programs.rules.engine import Facts, annotate_facts, evaluate

        by_q = set(
            annotate_facts(Person.objects.filter(pk__in=[yes.pk, no.pk, poor.pk]), rules, SEPTEMBER)
            .filter(eligible_q(rules, SEPTEMBER))
            .values_list("pk", flat=True)
        )
        by_python = {p.pk for p in (yes, no, poor) if evaluate(rules, Facts.load(p, SEPTEMBER))[0]}
        assert by_q == by_python
    assert by_python == {yes.pk}  # the last options: vocational only


def test_term_standard_refusals(users, make_user):
    before = Standard.objects.count()
    with pytest.raises(ValidationFailed) as caught:
        actions.term_standard_set(
            actor=users["city"],
            program=KINDERGARTEN,
            region_code="3705",
            year=2026,
            term="summer",
            amount="1",
        )
    assert caught.value.field == "term"
    with pytest.raises(ValidationFailed) as caught:
        actions.term_standard_set(
            actor=users["city"],
            program="pupil-living-allowance",
            region_code="3705",
            year=2026,
            term="spring",
            amount="1",
        )
    assert caught.value.field == "program"
    with pytest.raises(PermissionDenied):  # another county's region
        actions.term_standard_set(
            actor=users["maker"],
            program=KINDERGARTEN,
            region_code="370505",
            year=2026,
            term="spring",
            amount="1",
        )
    assert Standard.objects.count() == before


def test_demo_terms_and_insurance_idempotent(users, make_user):
    from canlian.demo.edu_programs import generate_demo_edu_programs
    from canlian.domains.employment.insurance import INSURANCE

    make_user("city_admin", "3705", username="shi_admin")
    make_user("province_admin", "37", username="sheng_admin")
    issued = dt.date(2025, 6, 1)
    for n, birth in enumerate(("20210510", "20220101", "20080301", "20050701", "19800101", "19750101")):
        registered(name="演示" + "甲乙丙丁戊己"[n], birth=birth, grade=2 if n < 5 else 3, issued=issued)
    summary = generate_demo_edu_programs(region_code="3705", today=dt.date(2026, 12, 1))
    # 2 children and 2 students × 2 terms; 3 grade-2 people of 16 or more insured, one refused by the insurer
    assert "term lines 8" in summary and "insurance enrolled 3, insured 2" in summary, summary
    amounts = {
        (line.program.code, line.period): line.amount
        for line in PaymentLine.objects.select_related("program")
    }
    assert amounts[(KINDERGARTEN, MARCH)] == Decimal("600.00")
    assert amounts[(STUDENT_GRANT, SEPTEMBER)] == Decimal("1150.00")
    assert amounts[(INSURANCE, dt.date(2026, 1, 1))] == Decimal("120.00")
    placed = dict(
        PlacementRecord.objects.filter(school_year=2026).values_list("person__birth_date", "placement")
    )
    assert placed[dt.date(2008, 3, 1)] == "vocational" and placed[dt.date(2005, 7, 1)] == "higher_education"
    count = PaymentLine.objects.count()
    assert "already loaded" in generate_demo_edu_programs(region_code="3705", today=dt.date(2026, 12, 1))
    assert PaymentLine.objects.count() == count
