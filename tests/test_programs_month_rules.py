"""The monthly cycle applies the program's rules to each person for each month it pays, in SQL built
from the rule objects; the proof that the SQL verdict (and the standard it picks) equals
``eligibility.explain_month`` for every rule primitive and every subsidy preset, on people whose
facts change inside the months judged (re-assessment, exclusions starting and ending, hardship
starting and ending, death, cancellation, expiry, a birthday, a certificate issued mid-month, a rule
setting starting mid-month)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from registry_factories import registered
from test_programs_rules import PRIMITIVES

from canlian.core.registry import actions as registry
from canlian.core.registry.choices import CancelReason, HardshipKind, LifeStatus
from canlian.core.registry.models import Certificate, Person
from canlian.domains.subsidies.presets import LIVING, NURSING, VARIANTS, compile_rules
from canlian.programs.cycles.actions import month_verdicts
from canlian.programs.eligibility import explain_month, month_days
from canlian.programs.models import Enrollment, Program, RuleSetting, Standard

D = dt.date
START = D(2026, 8, 1)  # every enrollment applied in August 2026
LAST = D(2026, 11, 1)  # the cycle of November judges August to November


def _hs(person, kind, start=None, end=None):
    start = start or D(2024, 1, 1)
    status = registry.hardship_add(actor=None, person_id=person.pk, kind=kind, valid_from=start)
    if end is not None:
        registry.hardship_end(actor=None, status_id=status.pk, valid_to=end)


def _cert(person):
    return Certificate.objects.get(person=person, state="active")


@pytest.fixture
def changing(regions):
    """People whose facts change inside September 2026 (and a few steady ones)."""
    p: dict[str, Person] = {}
    p["steady_g1"] = registered(name="稳一", category=4, grade=1)
    p["steady_c5g3"] = registered(name="稳智三", category=5, grade=3)
    p["hearing_g1"] = registered(name="听一", category=2, grade=1)
    p["down"] = registered(name="降级", category=4, grade=2)
    registry.certificate_reassess(
        actor=None, certificate_id=_cert(p["down"]).pk, category=4, grade=3, issue_date=D(2026, 9, 15)
    )
    p["band"] = registered(name="换档", category=5, grade=2)
    registry.certificate_reassess(
        actor=None, certificate_id=_cert(p["band"]).pk, category=5, grade=4, issue_date=D(2026, 10, 1)
    )
    p["up"] = registered(name="升级", category=4, grade=3)
    registry.certificate_reassess(
        actor=None, certificate_id=_cert(p["up"]).pk, category=4, grade=2, issue_date=D(2026, 9, 20)
    )
    p["tekun_mid"] = registered(name="特困起", category=4, grade=1)
    _hs(p["tekun_mid"], HardshipKind.DIBAO)
    _hs(p["tekun_mid"], HardshipKind.TEKUN, start=D(2026, 9, 12))
    p["tekun_end"] = registered(name="特困止", category=4, grade=2)
    _hs(p["tekun_end"], HardshipKind.DIBAO)
    _hs(p["tekun_end"], HardshipKind.TEKUN, start=D(2020, 1, 1), end=D(2026, 9, 10))
    p["dibao_mid"] = registered(name="低保起", category=1, grade=2)
    _hs(p["dibao_mid"], HardshipKind.DIBAO, start=D(2026, 9, 18))
    p["dibao_end"] = registered(name="低保止", category=6, grade=1)
    _hs(p["dibao_end"], HardshipKind.DIBAO, end=D(2026, 9, 5))
    p["switch"] = registered(name="转低收入", category=4, grade=1)
    _hs(p["switch"], HardshipKind.DIBAO, end=D(2026, 8, 31))
    _hs(p["switch"], HardshipKind.LOW_INCOME, start=D(2026, 9, 1))
    p["dead"] = registered(name="九月故", category=4, grade=1)
    _hs(p["dead"], HardshipKind.DIBAO)
    registry.person_set_life_status(
        actor=None, person_id=p["dead"].pk, status=LifeStatus.DECEASED, on=D(2026, 9, 15)
    )
    p["cancelled"] = registered(name="注销", category=5, grade=1)
    registry.certificate_cancel(
        actor=None,
        certificate_id=_cert(p["cancelled"]).pk,
        reason=CancelReason.OTHER,
        on=D(2026, 9, 20),
        note="复核不符",
    )
    p["expiring"] = registered(name="到期", category=4, grade=1, issued=D(2016, 9, 11))  # until 2026-09-10
    _hs(p["expiring"], HardshipKind.DIBAO)
    p["adult_mid"] = registered(name="成年", birth="20080920", category=6, grade=2)
    _hs(p["adult_mid"], HardshipKind.LOW_INCOME)
    p["late_cert"] = registered(name="新证", category=None)
    registry.certificate_issue(
        actor=None, person_id=p["late_cert"].pk, category=4, grade=1, issue_date=D(2026, 9, 25)
    )
    _hs(p["late_cert"], HardshipKind.DIBAO)
    p["orphan"] = registered(name="孤儿", category=5, grade=2, birth="20100310")
    _hs(p["orphan"], HardshipKind.DIBAO)
    _hs(p["orphan"], HardshipKind.ORPHAN, start=D(2026, 10, 8))
    p["old"] = registered(name="老人", birth="19500105", category=1, grade=1)
    p["child"] = registered(name="儿童", birth="20160917", category=5, grade=1)
    _hs(p["child"], HardshipKind.DIBAO)
    p["multi"] = registered(name="多重", category=None)
    registry.certificate_issue(
        actor=None,
        person_id=p["multi"].pk,
        category=7,
        grade=2,
        issue_date=D(2020, 5, 1),
        sub_disabilities=[(1, 2), (4, 3)],
    )
    return {k: Person.objects.get(pk=v.pk) for k, v in p.items()}


def _program_with(specs, *, code=NURSING, second: tuple[str, dt.date, list] | None = None) -> Program:
    """The program with exactly these rules (and, optionally, a second setting for a region from a
    date inside the months judged), a band of standards, and an enrollment for every person."""
    program = Program.objects.get(code=code)
    RuleSetting.objects.filter(program=program).delete()
    RuleSetting.objects.create(program=program, region_code="", valid_from=D(2016, 1, 1), rules=specs)
    if second is not None:
        region, since, rules = second
        RuleSetting.objects.create(program=program, region_code=region, valid_from=since, rules=rules)
    Standard.objects.filter(program=program).delete()
    for grades, hardship, amount in (
        ("12", "", "100"),
        ("34", "", "50"),
        ("", "dibao", "80"),
        ("", "low_income", "60"),
    ):
        Standard.objects.create(
            program=program,
            region_code="",
            valid_from=D(2016, 1, 1),
            grades=grades,
            hardship=hardship,
            amount=Decimal(amount),
        )
    Standard.objects.create(
        program=program, region_code="37", valid_from=D(2026, 10, 1), grades="12", amount=Decimal("120")
    )
    for i, person in enumerate(Person.objects.order_by("pk")):
        Enrollment.objects.create(
            program=program,
            person=person,
            region_code=person.region_code,
            status="active",
            applied_on=START,
            application_month=START,
            needs_long_term_care=i % 3 != 0,
            work_injury_nursing=i % 5 == 0,
        )
    return program


def _compare(program: Program) -> tuple[int, int]:
    sql = month_verdicts(program=program, region_code="37", month=LAST)
    enrollments = {e.pk: e for e in Enrollment.objects.filter(program=program).select_related("person")}
    paid = refused = 0
    for (enrollment_id, period), (qualified, standard_id) in sorted(sql.items()):
        e = enrollments[enrollment_id]
        verdict = explain_month(program, e.person, period, enrollment=e)
        assert qualified == verdict.eligible, (e.person.name, period, verdict.results)
        if qualified:
            assert standard_id == (verdict.standard.pk if verdict.standard else None), (e.person.name, period)
            paid += 1
        else:
            refused += 1
    # Every living person's four months were judged (the dead after September are not owed at all).
    assert len(sql) >= 4 * (Person.objects.filter(life_status="living").count())
    return paid, refused


@pytest.mark.parametrize("specs", PRIMITIVES, ids=lambda s: "+".join(r["rule"] for r in s))
def test_each_primitive_judges_every_month_as_explain_month(changing, specs):
    paid, refused = _compare(_program_with(specs))
    if "alive" not in str(specs) and specs[0]["rule"] != "declared":
        assert paid and refused, specs  # the population exercises both outcomes


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("code", [LIVING, NURSING])
def test_every_preset_judges_every_month_as_explain_month(changing, variant, code):
    paid, refused = _compare(_program_with(compile_rules(code, VARIANTS[variant][code]), code=code))
    assert paid and refused


def test_a_setting_starting_mid_month_is_a_day_of_judgement(changing):
    """The county tightens the rules from 16 September: September still pays whoever qualified on
    the 1st–15th under the old rules; October is judged by the new ones."""
    loose = [{"rule": "alive"}, {"rule": "certificate_valid"}]
    strict = [*loose, {"rule": "certificate", "grades": [1]}]
    program = _program_with(loose, second=("370502", D(2026, 9, 16), strict))
    person = changing["band"]  # grade 2 until October
    assert D(2026, 9, 16) in month_days(program, person, D(2026, 9, 1))
    sql = month_verdicts(program=program, region_code="370502", month=LAST)
    e = Enrollment.objects.get(program=program, person=person)
    assert sql[(e.pk, D(2026, 9, 1))][0] is True
    assert sql[(e.pk, D(2026, 10, 1))][0] is False
    _compare(program)


def test_the_days_judged(changing):
    program = Program.objects.get(code=NURSING)
    assert month_days(program, changing["down"], D(2026, 9, 1)) == [D(2026, 9, 1), D(2026, 9, 15)]
    assert month_days(program, changing["tekun_end"], D(2026, 9, 1)) == [D(2026, 9, 1), D(2026, 9, 11)]
    assert month_days(program, changing["adult_mid"], D(2026, 9, 1)) == [D(2026, 9, 1), D(2026, 9, 20)]
    assert month_days(program, changing["steady_g1"], D(2026, 9, 1)) == [D(2026, 9, 1)]
