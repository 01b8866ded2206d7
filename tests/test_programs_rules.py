"""The engine's rule primitives, both ways: one person's explanation in Python and the SQL filter a
preview runs must pick the same people, for every primitive and every compiled subsidy variant;
the effective-dated lookups of rule settings and standards; explanations that name the data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from registry_factories import registered

from canlian.core.registry import actions as registry
from canlian.core.registry.choices import HardshipKind, LifeStatus
from canlian.core.registry.identity import mask_certificate
from canlian.core.registry.models import Person
from canlian.domains.subsidies.presets import LIVING, NURSING, VARIANTS, compile_rules
from canlian.platform.errors import ValidationFailed
from canlian.programs import eligibility
from canlian.programs.models import Enrollment, Program, RuleSetting, Standard
from canlian.programs.rules.engine import (
    Facts,
    annotate_facts,
    build_rules,
    eligible_q,
    evaluate,
    validate_rules,
)

ON = dt.date(2026, 6, 15)
CN = "零一二三四五六七"
LONG_AGO = dt.date(2025, 1, 10)


def _hardship(person, kind, start=dt.date(2024, 1, 1), end=None):
    status = registry.hardship_add(actor=None, person_id=person.pk, kind=kind, valid_from=start)
    if end is not None:
        registry.hardship_end(actor=None, status_id=status.pk, valid_to=end)
    return status


@pytest.fixture
def population(regions):
    """~30 people covering what the rules read: every grade, every category, no certificate, an
    expired one, the deceased and moved out (with and without a certificate left in force),
    hardship statuses current, ended and future, and ages from 6 to 86."""
    people: dict[str, Person] = {}
    for category in range(1, 8):
        for grade in (1, 2, 3, 4):
            if (
                (category + grade) % 2
                and category not in (5, 6)
                and (category, grade) not in ((2, 1), (4, 3))
            ):
                continue  # keep it to ~30 people, all of 5/6 (the grade 3–4 extension)
            name = f"类{CN[category]}级{CN[grade]}"
            if category == 7:  # multiple disability: the certificate lists its parts
                person = registered(name=name, category=None)
                registry.certificate_issue(
                    actor=None,
                    person_id=person.pk,
                    category=7,
                    grade=grade,
                    issue_date=dt.date(2020, 5, 1),
                    sub_disabilities=[(1, grade), (4, grade)],
                )
            else:
                person = registered(name=name, category=category, grade=grade)
            people[f"c{category}g{grade}"] = person
    people["none"] = registered(name="无证", category=None)
    people["expired"] = registered(name="过期", category=4, grade=1, issued=dt.date(2010, 3, 1))
    people["expiring_day"] = registered(name="当日", category=4, grade=2, issued=dt.date(2016, 6, 15))
    people["child"] = registered(name="儿童", birth="20200301", category=5, grade=1)
    people["teen"] = registered(name="少年", birth="20080616", category=6, grade=2)
    people["old"] = registered(name="老人", birth="19400101", category=1, grade=1)
    people["dead"] = registered(name="已故", category=4, grade=1)
    registry.person_set_life_status(
        actor=None, person_id=people["dead"].pk, status=LifeStatus.DECEASED, on=LONG_AGO
    )
    # Imported data may hold a death without a cancelled certificate; a move leaves it in force.
    people["dead_cert"] = registered(name="已故有证", category=2, grade=1)
    Person.objects.filter(pk=people["dead_cert"].pk).update(
        life_status=LifeStatus.DECEASED, life_status_date=LONG_AGO
    )
    people["moved"] = registered(name="迁出", category=6, grade=1)
    registry.person_set_life_status(
        actor=None, person_id=people["moved"].pk, status=LifeStatus.MOVED_OUT, on=LONG_AGO
    )

    _hardship(people["c1g1"], HardshipKind.DIBAO)
    _hardship(people["c2g2"], HardshipKind.LOW_INCOME)
    _hardship(people["c3g1"], HardshipKind.DIBAO)
    _hardship(people["c3g1"], HardshipKind.TEKUN)
    _hardship(people["c4g2"], HardshipKind.DIBAO, end=dt.date(2026, 1, 31))  # ended before ON
    _hardship(people["c5g3"], HardshipKind.DIBAO)
    _hardship(people["c5g3"], HardshipKind.ORPHAN)
    _hardship(people["c6g4"], HardshipKind.LOW_INCOME, start=dt.date(2026, 9, 1))  # starts after ON
    _hardship(people["c6g3"], HardshipKind.TEKUN, start=dt.date(2020, 1, 1), end=ON)  # ends on ON
    _hardship(people["c7g1"], HardshipKind.LOW_INCOME)
    _hardship(people["c7g1"], HardshipKind.ORPHAN)
    _hardship(people["expired"], HardshipKind.DIBAO)
    _hardship(people["dead_cert"], HardshipKind.DIBAO)
    _hardship(people["moved"], HardshipKind.LOW_INCOME)
    _hardship(people["child"], HardshipKind.DIBAO)
    _hardship(people["old"], HardshipKind.TEKUN)
    _hardship(people["none"], HardshipKind.DIBAO)
    return {key: Person.objects.get(pk=person.pk) for key, person in people.items()}


def sql_eligible(rules, on=ON, *, join_hardship=False) -> set[int]:
    people = annotate_facts(Person.objects.all(), rules, on, join_hardship=join_hardship).filter(
        eligible_q(rules, on)
    )
    ids = list(people.values_list("pk", flat=True))
    assert len(ids) == len(set(ids))  # one row per person
    return set(ids)


def python_eligible(rules, on=ON) -> set[int]:
    return {p.pk for p in Person.objects.all() if evaluate(rules, Facts.load(p, on))[0]}


PRIMITIVES = [
    [{"rule": "alive"}],
    [{"rule": "certificate_valid"}],
    [{"rule": "certificate"}],
    [{"rule": "certificate", "grades": [1, 2]}],
    [{"rule": "certificate", "grades": [3, 4], "categories": [5, 6]}],
    [{"rule": "certificate", "grades": [1, 2], "exclude_categories": [2, 3]}],
    [{"rule": "certificate", "categories": [7]}],
    [{"rule": "hardship_any", "kinds": ["dibao"]}],
    [{"rule": "hardship_any", "kinds": ["dibao", "low_income"]}],
    [{"rule": "hardship_none", "kinds": ["tekun"]}],
    [{"rule": "hardship_none", "kinds": ["tekun", "orphan"]}],
    [{"rule": "age", "min": 18}],
    [{"rule": "age", "max": 17}],
    [{"rule": "age", "min": 16, "max": 59}],
    [{"rule": "declared", "field": "needs_long_term_care", "value": True}],
    [
        {
            "rule": "any_of",
            "rules": [
                {"rule": "certificate", "grades": [1, 2], "exclude_categories": [2, 3]},
                {"rule": "hardship_any", "kinds": ["low_income"]},
                {"rule": "age", "max": 6},
            ],
        }
    ],
    [{"rule": "any_of", "rules": [{"rule": "hardship_none", "kinds": ["dibao"]}, {"rule": "alive"}]}],
]


@pytest.mark.parametrize("specs", PRIMITIVES, ids=lambda s: "+".join(r["rule"] for r in s))
def test_each_primitive_selects_the_same_people_in_sql_and_python(population, specs):
    validate_rules(specs)
    rules = build_rules(specs)
    expected = python_eligible(rules)
    assert sql_eligible(rules) == expected
    assert sql_eligible(rules, join_hardship=True) == expected
    everyone = Person.objects.count()
    if specs[0]["rule"] != "declared":
        assert 0 < len(expected) < everyone, specs  # the population exercises both outcomes


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("program", [LIVING, NURSING])
def test_every_preset_selects_the_same_people_in_sql_and_python(population, variant, program):
    specs = compile_rules(program, VARIANTS[variant][program])
    validate_rules(specs)
    rules = build_rules(specs)
    expected = python_eligible(rules)
    assert sql_eligible(rules) == expected
    assert sql_eligible(rules, join_hardship=True) == expected
    assert expected and len(expected) < Person.objects.count()


def test_presets_pick_the_people_domain_md_describes(population):
    p = population

    def eligible(program, variant):
        return {pk for pk in sql_eligible(build_rules(compile_rules(program, VARIANTS[variant][program])))}

    living = eligible(LIVING, "national")
    # 低保 with a valid certificate; not 特困 (c3g1), not an orphan (c5g3), not expired/dead/ended/no cert.
    assert p["c1g1"].pk in living and p["child"].pk in living
    for key in ("c3g1", "c5g3", "c4g2", "expired", "dead_cert", "none", "c2g2"):
        assert p[key].pk not in living, key
    extended = eligible(LIVING, "extended")
    assert p["c2g2"].pk in extended and p["c6g4"].pk not in extended  # 低收入 only from September
    assert p["moved"].pk not in extended
    relaxed = eligible(LIVING, "relaxed-exclusions")
    assert p["c3g1"].pk in relaxed

    nursing = eligible(NURSING, "national")
    assert p["c2g1"].pk in nursing and p["c5g3"].pk not in nursing and p["old"].pk not in nursing  # old: 特困
    assert eligible(NURSING, "relaxed-exclusions") >= {p["old"].pk}
    nursing_ext = eligible(NURSING, "extended")
    assert {p["c5g3"].pk, p["c6g4"].pk, p["c2g1"].pk} <= nursing_ext
    assert p["c4g3"].pk not in nursing_ext
    no_hs = eligible(NURSING, "extended-no-hearing-speech")
    assert p["c2g1"].pk not in no_hs and p["c3g1"].pk not in no_hs and p["c5g3"].pk in no_hs


def test_certificate_expiring_on_the_day_is_still_valid(population):
    rules = build_rules([{"rule": "certificate_valid"}])
    person = population["expiring_day"]
    assert person.certificates.get().valid_until == dt.date(2026, 6, 14)
    assert person.pk not in sql_eligible(rules) and person.pk in sql_eligible(rules, dt.date(2026, 6, 14))
    assert person.pk in python_eligible(rules, dt.date(2026, 6, 14))


def test_age_bounds_on_the_birthday(population):
    teen = population["teen"]  # born 2008-06-16: 17 on ON (2026-06-15), 18 the next day
    adult = build_rules([{"rule": "age", "min": 18}])
    minor = build_rules([{"rule": "age", "max": 17}])
    assert teen.pk in sql_eligible(minor) and teen.pk not in sql_eligible(adult)
    nextday = ON + dt.timedelta(days=1)
    assert teen.pk in sql_eligible(adult, nextday) and teen.pk in python_eligible(adult, nextday)
    assert teen.pk not in sql_eligible(minor, nextday)


def test_validate_rules_refuses_nonsense():
    for bad in (
        {"rule": "nope"},
        {"rule": "hardship_any", "kinds": []},
        {"rule": "hardship_none", "kinds": ["rich"]},
        {"rule": "certificate", "grades": [5]},
        {"rule": "certificate", "categories": ["x"]},
        {"rule": "age"},
        {"rule": "age", "min": "18"},
        {"rule": "declared", "field": "password"},
        {"rule": "any_of", "rules": []},
        {"rule": "any_of", "rules": [{"rule": "nope"}]},
        "alive",
    ):
        with pytest.raises(ValidationFailed):
            validate_rules([bad])
    with pytest.raises(ValidationFailed):
        validate_rules({"rule": "alive"})
    validate_rules(compile_rules(NURSING, {"include_grade_3_4_intellectual_mental": True}))


# --- explanations ----------------------------------------------------------------------------------


def test_explanations_name_the_data(population):
    p = population
    expired = p["expired"].certificates.get()
    facts = Facts.load(p["expired"], ON)
    by_code = {r.code: r for r in evaluate(build_rules(compile_rules(LIVING, {})), facts)[1]}
    assert by_code["certificate_valid"].passed is False
    assert mask_certificate(expired.number) in by_code["certificate_valid"].reason
    assert p["expired"].id_number not in by_code["certificate_valid"].reason
    assert str(expired.valid_until) in by_code["certificate_valid"].reason
    assert by_code["certificate_valid"].data["valid_until"] == str(expired.valid_until)
    assert by_code["hardship_any"].passed is True and by_code["hardship_any"].data["held"] == ["dibao"]
    assert "低保" in by_code["hardship_any"].reason

    dead = evaluate(build_rules([{"rule": "alive"}]), Facts.load(p["dead"], ON))[1][0]
    assert dead.passed is False and str(LONG_AGO) in dead.reason and dead.data["life_status"] == "deceased"

    tekun = evaluate(build_rules([{"rule": "hardship_none", "kinds": ["tekun"]}]), Facts.load(p["c3g1"], ON))[
        1
    ][0]
    assert tekun.passed is False and "特困" in tekun.reason

    grade = evaluate(build_rules([{"rule": "certificate", "grades": [1, 2]}]), Facts.load(p["c4g3"], ON))[1][
        0
    ]
    assert grade.passed is False and grade.data == {"category": 4, "grade": 3}

    age = evaluate(build_rules([{"rule": "age", "min": 18}]), Facts.load(p["child"], ON))[1][0]
    assert age.passed is False and age.data == {"age": 6} and "6" in age.reason


def test_declared_rules_wait_for_an_application(population):
    nursing = Program.objects.get(code=NURSING)
    person = population["c2g1"]
    verdict = eligibility.explain(nursing, person, ON)
    declared = [r for r in verdict.results if r.code == "declared"]
    assert verdict.eligible and declared and all(r.passed is None for r in declared)
    enrollment = Enrollment(
        program=nursing, person=person, needs_long_term_care=False, work_injury_nursing=False, applied_on=ON
    )
    verdict = eligibility.explain(nursing, person, ON, enrollment=enrollment)
    assert not verdict.eligible
    failed = [r for r in verdict.results if r.passed is False]
    assert [r.code for r in failed] == ["declared"] and failed[0].data == {"declared": False}
    enrollment.needs_long_term_care = True
    assert eligibility.explain(nursing, person, ON, enrollment=enrollment).eligible
    enrollment.work_injury_nursing = True
    assert not eligibility.explain(nursing, person, ON, enrollment=enrollment).eligible


def test_any_of_with_an_unchecked_declaration_does_not_fail():
    rules = build_rules(
        [
            {
                "rule": "any_of",
                "rules": [{"rule": "declared", "field": "needs_long_term_care"}, {"rule": "alive"}],
            }
        ]
    )
    person = Person(
        life_status=LifeStatus.DECEASED, life_status_date=LONG_AGO, birth_date=dt.date(1980, 1, 1)
    )
    facts = Facts(person=person, on=ON, certificate=None, hardship=set())
    eligible, results = evaluate(rules, facts)
    assert eligible and results[0].passed is None  # like the preview, which cannot see declarations


def test_explain_reports_setting_and_standard(population):
    nursing = Program.objects.get(code=NURSING)
    person = population["c2g1"]
    Standard.objects.create(
        program=nursing, valid_from=dt.date(2016, 1, 1), grades="12", amount=Decimal("100")
    )
    own = Standard.objects.create(
        program=nursing,
        region_code="370502",
        valid_from=dt.date(2026, 1, 1),
        grades="12",
        amount=Decimal("167"),
    )
    verdict = eligibility.explain(nursing, person, ON)
    national = RuleSetting.objects.get(program=nursing, region_code="")
    assert verdict.eligible and verdict.setting_id == national.pk and "2016-01-01" in verdict.setting_label
    assert verdict.standard == own and verdict.amount == Decimal("167.00")
    standard_row = verdict.results[-1]
    assert (
        standard_row.code == "standard" and "167" in standard_row.reason and "370502" in standard_row.reason
    )
    assert standard_row.data == {"standard_id": own.pk, "amount": "167.00"}
    # Before the regional standard: the national one.
    assert eligibility.explain(nursing, person, dt.date(2025, 12, 31)).amount == Decimal("100.00")


def test_explain_without_rules_in_force(population):
    nursing = Program.objects.get(code=NURSING)
    verdict = eligibility.explain(nursing, population["c2g1"], dt.date(2015, 6, 1))
    assert not verdict.eligible and verdict.results[0].code == "setting" and verdict.setting_id is None


# --- effective-dated lookups -----------------------------------------------------------------------


@pytest.fixture
def nursing(db):
    return Program.objects.get(code=NURSING)


def test_rule_setting_longest_prefix_then_latest_start(nursing):
    national = RuleSetting.objects.get(program=nursing, region_code="")
    province = RuleSetting.objects.create(
        program=nursing, region_code="37", valid_from=dt.date(2020, 1, 1), rules=[]
    )
    county = RuleSetting.objects.create(
        program=nursing,
        region_code="370502",
        valid_from=dt.date(2024, 1, 1),
        valid_to=dt.date(2024, 12, 31),
        rules=[],
    )
    county_later = RuleSetting.objects.create(
        program=nursing, region_code="370502", valid_from=dt.date(2025, 7, 1), rules=[]
    )
    village = "370502001001"
    assert eligibility.rule_setting_for(nursing, village, dt.date(2019, 12, 31)) == national
    assert eligibility.rule_setting_for(nursing, village, dt.date(2020, 1, 1)) == province
    assert eligibility.rule_setting_for(nursing, village, dt.date(2024, 6, 1)) == county
    assert eligibility.rule_setting_for(nursing, village, dt.date(2025, 3, 1)) == province  # county gap
    assert eligibility.rule_setting_for(nursing, village, dt.date(2025, 7, 1)) == county_later
    assert eligibility.rule_setting_for(nursing, "370602001", dt.date(2025, 7, 1)) == province
    assert eligibility.rule_setting_for(nursing, "44190000", dt.date(2025, 7, 1)) == national
    # "3705021" is not a region-level prefix of the village: never a match on a partial code.
    RuleSetting.objects.create(
        program=nursing, region_code="3705020", valid_from=dt.date(2025, 8, 1), rules=[]
    )
    assert eligibility.rule_setting_for(nursing, village, dt.date(2025, 9, 1)) == county_later
    assert eligibility.rule_setting_for(nursing, village, dt.date(2015, 1, 1)) is None


def test_standard_prefix_beats_keys_beats_date(nursing):
    def std(region, start, amount, **keys):
        return Standard.objects.create(
            program=nursing, region_code=region, valid_from=start, amount=Decimal(amount), **keys
        )

    base = std("", dt.date(2016, 1, 1), "100")
    grade12 = std("", dt.date(2016, 1, 1), "120", grades="12")
    later_any = std("", dt.date(2020, 1, 1), "110")  # later, but fewer keys than grade12
    prov = std("37", dt.date(2018, 1, 1), "150", grades="12")
    prov_child = std("37", dt.date(2018, 1, 1), "180", grades="12", age_max=17)
    prov_dibao = std("37", dt.date(2018, 1, 1), "160", grades="12", hardship="dibao")
    prov_change = std("37", dt.date(2026, 7, 1), "170", grades="12")
    Standard.objects.filter(pk=prov.pk).update(valid_to=dt.date(2026, 6, 30))

    def lookup(region="370502001001", month=dt.date(2026, 1, 1), grade=1, category=4, age=40, **kw):
        return eligibility.standard_for(
            nursing, region_code=region, month=month, grade=grade, category=category, age=age, **kw
        )

    assert lookup(region="44190000", grade=3) == later_any
    assert lookup(region="44190000", grade=3, month=dt.date(2019, 1, 1)) == base
    assert lookup(region="44190000", grade=2) == grade12
    assert lookup() == prov
    assert lookup(age=17) == prov_child and lookup(age=18) == prov
    assert lookup(hardship="dibao") == prov_dibao and lookup(hardship="low_income") == prov
    assert lookup(month=dt.date(2026, 7, 1)) == prov_change
    assert lookup(grade=3) == later_any  # no provincial grade-3 row: the national one
    assert lookup(grade=None) == later_any
    assert lookup(month=dt.date(2015, 1, 1)) is None


def test_hardship_basis_prefers_dibao():
    assert eligibility.hardship_basis({"dibao", "low_income"}, {"low_income", "dibao"}) == "dibao"
    assert eligibility.hardship_basis({"dibao", "low_income"}, {"low_income"}) == "low_income"
    assert eligibility.hardship_basis({"tekun"}, {"dibao"}) == ""


def test_program_by_code(nursing):
    assert eligibility.program_by_code(NURSING) == nursing
    from canlian.platform.errors import NotFound

    with pytest.raises(NotFound):
        eligibility.program_by_code("nope")
