"""Programs' rules and standards as data, changed from a date by the region that owns them; the
eligibility preview over a region (counts equal to one-by-one explanations); the eligibility
command; the pages and the API."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from registry_factories import registered
from test_programs_rules import ON, _hardship, population  # noqa: F401  (the shared population fixture)

from canlian.core.accounts.models import User
from canlian.core.audit.events import EventType
from canlian.core.audit.models import AuditEvent
from canlian.core.registry.identity import mask_certificate
from canlian.core.registry.models import Person
from canlian.domains.subsidies.presets import LIVING, NURSING, OPTIONS
from canlian.platform.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from canlian.programs import eligibility
from canlian.programs.families import family_for, registered_families
from canlian.programs.models import Program, RuleSetting, Standard
from canlian.programs.preview import preview
from canlian.programs.rules import actions as program_actions
from canlian.programs.rules.engine import build_rules

D = dt.date


@pytest.fixture(autouse=True)
def _only_the_subsidies_standards(db):
    """The domains' migrations seed standards of their own programs (the pupil allowance, the pension
    premium); this module counts the two subsidies' standards from none."""
    Standard.objects.exclude(program__code__in=["nursing-subsidy", "living-subsidy"]).delete()


@pytest.fixture
def nursing(db):
    return Program.objects.get(code=NURSING)


@pytest.fixture
def living(db):
    return Program.objects.get(code=LIVING)


@pytest.fixture
def province(make_user):
    return make_user("province_admin", "37", username="sd_admin")


@pytest.fixture
def county(make_user):
    return make_user("county_admin", "370502", username="dyq_admin")


@pytest.fixture
def root(db):
    return User.objects.create_superuser(username="root", password="pw-Strong-2026")


def standards_state():
    return list(Standard.objects.order_by("pk").values_list("pk", "amount", "valid_from", "valid_to"))


# --- families --------------------------------------------------------------------------------------


def test_the_subsidies_register_their_families():
    families = registered_families()
    for code in (LIVING, NURSING):
        assert [o.key for o in families[code].options] == [o.key for o in OPTIONS[code]]
    extended = family_for(NURSING).compile({"include_grade_3_4_intellectual_mental": True})
    assert extended[2]["rule"] == "any_of"
    with pytest.raises(ValidationFailed):
        family_for("no-such-family")
    with pytest.raises(ValidationFailed):
        family_for(NURSING).clean_options({"free_beer": True})


# --- standards -------------------------------------------------------------------------------------


def test_a_standard_change_from_a_date_ends_the_old_one(nursing, province, regions):
    old = program_actions.standard_create(
        actor=province, program=nursing, region_code="37", valid_from=D(2024, 1, 1), amount="150", grades="21"
    )
    assert old.grades == "12" and old.amount == Decimal("150.00")
    new = program_actions.standard_create(
        actor=province,
        program=NURSING,
        region_code="37",
        valid_from=D(2026, 7, 1),
        amount=Decimal("170.5"),
        grades="12",
    )
    old.refresh_from_db()
    assert old.valid_to == D(2026, 6, 30) and new.valid_to is None
    lookup = dict(region_code="370502001001", grade=1, category=4, age=40)
    assert eligibility.standard_for(nursing, month=D(2026, 6, 1), **lookup) == old
    assert eligibility.standard_for(nursing, month=D(2026, 7, 1), **lookup) == new
    events = list(AuditEvent.objects.filter(object_type="programs.standard").order_by("id"))
    assert [e.event_type for e in events] == ["standard.created", "standard.ended", "standard.created"]
    assert events[1].old_values == {"valid_to": None} and events[1].new_values["valid_to"] == "2026-06-30"
    assert events[2].new_values["follows"] == old.pk and events[2].actor == province
    assert all(e.region_code == "37" for e in events)
    # Other keys are other rows: a grade 3–4 standard does not end the grade 1–2 one.
    program_actions.standard_create(
        actor=province, program=nursing, region_code="37", valid_from=D(2026, 8, 1), amount="120", grades="34"
    )
    new.refresh_from_db()
    assert new.valid_to is None


def test_overlapping_standards_are_refused(nursing, province, regions):
    program_actions.standard_create(
        actor=province, program=nursing, region_code="37", valid_from=D(2024, 1, 1), amount="150", grades="12"
    )
    program_actions.standard_create(
        actor=province, program=nursing, region_code="37", valid_from=D(2026, 7, 1), amount="170", grades="12"
    )
    before = standards_state()
    for start in (D(2026, 7, 1), D(2025, 1, 1)):  # the same start; a start before a later row
        with pytest.raises(Conflict) as caught:
            program_actions.standard_create(
                actor=province, program=nursing, region_code="37", valid_from=start, amount="160", grades="12"
            )
        assert caught.value.code == "standard_overlap"
    # A row with a fixed end that reaches into the new period is not silently cut.
    fixed = program_actions.standard_create(
        actor=province,
        program=nursing,
        region_code="3705",
        valid_from=D(2025, 1, 1),
        valid_to=D(2025, 12, 31),
        amount="100",
    )
    with pytest.raises(Conflict):
        program_actions.standard_create(
            actor=province, program=nursing, region_code="3705", valid_from=D(2025, 6, 1), amount="110"
        )
    assert standards_state() == [*before, (fixed.pk, Decimal("100.00"), D(2025, 1, 1), D(2025, 12, 31))]


@pytest.mark.parametrize(
    "field,kwargs",
    [
        ("amount", {"amount": "-1"}),
        ("amount", {"amount": "abc"}),
        ("amount", {"amount": "1.005"}),
        ("grades", {"grades": "5"}),
        ("categories", {"categories": "8"}),
        ("hardship", {"hardship": "rich"}),
        ("age_max", {"age_min": 18, "age_max": 6}),
        ("valid_to", {"valid_to": D(2023, 1, 1)}),
        ("region_code", {"region_code": "379999"}),
        ("valid_from", {"valid_from": "not a date"}),
    ],
)
def test_standard_validation(nursing, province, regions, field, kwargs):
    args = {"region_code": "37", "valid_from": D(2024, 1, 1), "amount": "100", **kwargs}
    with pytest.raises(ValidationFailed) as caught:
        program_actions.standard_create(actor=province, program=nursing, **args)
    assert caught.value.field == field
    assert not Standard.objects.exists()


def test_standards_stay_in_the_actors_scope(nursing, county, province, root, make_user, regions):
    for region in ("3705", "370505", "3706"):
        with pytest.raises(PermissionDenied):
            program_actions.standard_create(
                actor=county, program=nursing, region_code=region, valid_from=D(2026, 1, 1), amount="100"
            )
    with pytest.raises(PermissionDenied):  # national rows need a national scope
        program_actions.standard_create(
            actor=province, program=nursing, region_code="", valid_from=D(2026, 1, 1), amount="100"
        )
    worker = make_user("township_worker", "370502001")
    with pytest.raises(PermissionDenied):  # no programs.manage at all
        program_actions.standard_create(
            actor=worker, program=nursing, region_code="370502001", valid_from=D(2026, 1, 1), amount="100"
        )
    assert not Standard.objects.exists()
    own = program_actions.standard_create(
        actor=county, program=nursing, region_code="370502", valid_from=D(2026, 1, 1), amount="100"
    )
    national = program_actions.standard_create(
        actor=root, program=nursing, region_code="", valid_from=D(2016, 1, 1), amount="80"
    )
    cli = program_actions.standard_create(
        actor=None, program=nursing, region_code="", valid_from=D(2016, 1, 1), amount="90", grades="1"
    )
    assert national.region_code == "" and cli.created_by is None
    # Ending: only inside one's scope; the national row only by a national scope.
    outsider = make_user("county_admin", "370602")
    with pytest.raises(NotFound):
        program_actions.standard_end(actor=outsider, standard_id=own.pk, valid_to=D(2026, 12, 31))
    with pytest.raises(NotFound):
        program_actions.standard_end(actor=county, standard_id=national.pk, valid_to=D(2026, 12, 31))
    with pytest.raises(ValidationFailed):
        program_actions.standard_end(actor=county, standard_id=own.pk, valid_to=D(2025, 12, 31))
    ended = program_actions.standard_end(actor=county, standard_id=own.pk, valid_to=D(2026, 12, 31))
    assert ended.valid_to == D(2026, 12, 31)
    program_actions.standard_end(actor=county, standard_id=own.pk, valid_to=D(2026, 10, 31))  # shorten
    from canlian.platform.errors import InvalidState

    with pytest.raises(InvalidState):  # lengthening an ended row: add a new one instead
        program_actions.standard_end(actor=county, standard_id=own.pk, valid_to=D(2026, 11, 30))


def test_reading_standards_sees_the_rows_that_apply(nursing, county, make_user, regions):
    rows = {
        code: Standard.objects.create(program=nursing, region_code=code, valid_from=D(2026, 1, 1), amount="1")
        for code in ("", "37", "3705", "370502", "370502001", "370505", "3706")
    }
    visible = set(Standard.objects.for_user(county, "view").values_list("region_code", flat=True))
    assert visible == {"", "37", "3705", "370502", "370502001"}
    assert set(Standard.objects.for_user(county, "manage").values_list("region_code", flat=True)) == {
        "370502",
        "370502001",
    }
    assert rows["3706"].pk not in Standard.objects.for_user(county, "view").values_list("pk", flat=True)


# --- rule settings ---------------------------------------------------------------------------------


def test_rule_setting_from_a_date(nursing, county, regions):
    national = RuleSetting.objects.get(program=nursing, region_code="")
    first = program_actions.rule_setting_create(
        actor=county,
        program=nursing,
        region_code="370502",
        valid_from=D(2026, 1, 1),
        options={"include_grade_3_4_intellectual_mental": True},
        note="东营区 2026",
    )
    assert first.options["include_grade_3_4_intellectual_mental"] is True
    assert first.options["exclude_tekun"] is True  # defaults filled in
    assert any(r["rule"] == "any_of" for r in first.rules)
    second = program_actions.rule_setting_create(
        actor=county,
        program=NURSING,
        region_code="370502",
        valid_from=D(2026, 7, 1),
        options={"exclude_tekun": False},
    )
    first.refresh_from_db()
    national.refresh_from_db()
    assert first.valid_to == D(2026, 6, 30) and national.valid_to is None  # other regions untouched
    assert eligibility.rule_setting_for(nursing, "370502001001", D(2026, 6, 30)) == first
    assert eligibility.rule_setting_for(nursing, "370502001001", D(2026, 7, 1)) == second
    assert not any(r["rule"] == "hardship_none" for r in second.rules)
    events = AuditEvent.objects.filter(object_type="programs.rulesetting").order_by("id")
    assert [e.event_type for e in events] == [
        "rule_setting.created",
        "rule_setting.ended",
        "rule_setting.created",
    ]
    before = list(RuleSetting.objects.values_list("pk", "valid_to"))
    with pytest.raises(Conflict):
        program_actions.rule_setting_create(
            actor=county, program=nursing, region_code="370502", valid_from=D(2026, 3, 1), options={}
        )
    with pytest.raises(ValidationFailed):
        program_actions.rule_setting_create(
            actor=county,
            program=nursing,
            region_code="370502",
            valid_from=D(2027, 1, 1),
            options={"nope": True},
        )
    with pytest.raises(PermissionDenied):
        program_actions.rule_setting_create(
            actor=county, program=nursing, region_code="3705", valid_from=D(2027, 1, 1), options={}
        )
    assert list(RuleSetting.objects.values_list("pk", "valid_to")) == before


# --- the preview -----------------------------------------------------------------------------------


def explained_counts(program, region, on, people=None):
    """The preview's figures the slow way: one explanation per person."""
    people = people if people is not None else Person.objects.filter(region_code__startswith=region)
    eligible = set()
    for person in people:
        if eligibility.explain(program, person, on).eligible:
            eligible.add(person.pk)
    return eligible


def test_preview_counts_equal_python_evaluation(population, nursing, living):  # noqa: F811
    for program in (nursing, living):
        result = preview(program, "370502", ON)
        expected = explained_counts(program, "370502", ON)
        assert result.people == Person.objects.count()
        assert result.eligible == len(expected) > 0
        assert {p.pk for p in result.sample} == expected  # fewer than 20 eligible: all of them
        # Failures per rule: the number of people whose explanation fails that rule.
        setting = RuleSetting.objects.get(program=program, region_code="")
        rules = build_rules(setting.rules)
        from canlian.programs.rules.engine import Facts

        fails = [0] * len(rules)
        for person in Person.objects.all():
            for i, rule in enumerate(rules):
                if rule.explain(Facts.load(person, ON)).passed is False:
                    fails[i] += 1
        assert [r.failed for r in result.rules] == [
            None if r.code == "declared" else n for r, n in zip(result.rules, fails, strict=True)
        ]
        assert [r.code for r in result.rules] == [r.code for r in rules]


def test_preview_sample_is_limited_and_ordered(population, nursing):  # noqa: F811
    result = preview(nursing, "37", ON, sample=3)
    assert len(result.sample) == 3 and [p.pk for p in result.sample] == sorted(p.pk for p in result.sample)
    assert preview(nursing, "37", ON, sample=0).sample == []


def test_preview_with_a_stricter_subregion_counts_each_area_by_its_rules(population, nursing, living, root):  # noqa: F811
    # People of 垦利区 (370505) under their own, extended rules; the rest of 东营市 national.
    for grade, category in ((3, 5), (4, 6), (1, 2), (2, 4)):
        registered(name="垦利", region_code="370505001", category=category, grade=grade)
    program_actions.rule_setting_create(
        actor=root,
        program=nursing,
        region_code="370505",
        valid_from=D(2026, 1, 1),
        options={"include_grade_3_4_intellectual_mental": True, "exclude_hearing_speech": True},
    )
    result = preview(nursing, "3705", ON)
    assert [s.area for s in result.settings] == ["3705", "370505"]
    assert result.settings[1].people == 4 and result.settings[1].eligible == 3
    assert result.eligible == len(explained_counts(nursing, "3705", ON))
    assert result.people == result.settings[0].people + result.settings[1].people and result.uncovered == 0
    assert result.rules == []  # several settings: failures are listed per setting
    hearing = next(r for r in result.settings[1].rules if r.code == "any_of")
    assert hearing.failed == 1  # the hearing grade-1 person


def test_preview_stays_in_the_users_scope(population, nursing, make_user):  # noqa: F811
    registered(name="烟台", region_code="370602001", category=4, grade=1)
    worker = make_user("township_worker", "370502001")
    everyone = preview(nursing, "37", ON)
    mine = preview(nursing, "37", ON, user=worker)
    assert everyone.people == mine.people + 1 and everyone.eligible == mine.eligible + 1
    outsider = make_user("county_admin", "370602")
    theirs = preview(nursing, "37", ON, user=outsider)
    assert theirs.people == 1 and all(p.region_code.startswith("3706") for p in theirs.sample)


def test_preview_is_one_aggregate_statement_plus_the_sample(population, nursing):  # noqa: F811
    with CaptureQueriesContext(connection) as queries:
        preview(nursing, "370502", ON)
    on_people = [q["sql"] for q in queries.captured_queries if '"registry_person"' in q["sql"]]
    assert len(on_people) == 2, on_people
    statements = [
        q["sql"] for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE", "SET"))
    ]
    assert len(statements) <= 4  # plus the two small rule-setting lookups


def test_preview_outside_any_rules(population, nursing):  # noqa: F811
    result = preview(nursing, "370502", D(2015, 1, 1))
    assert result.settings == [] and result.eligible == 0 and result.uncovered == result.people > 0


# --- the command -----------------------------------------------------------------------------------


def run(*args):
    from io import StringIO

    out, err = StringIO(), StringIO()
    try:
        call_command("eligibility", *args, stdout=out, stderr=err)
        code = 0
    except CommandError as exc:
        code = exc.returncode
        err.write(str(exc))
    return code, out.getvalue(), err.getvalue()


def test_command_prints_the_verdict_and_reasons(population):  # noqa: F811
    eligible = population["c2g1"]
    code, out, _err = run("--program", NURSING, "--person", eligible.id_number, "--date", ON.isoformat())
    assert code == 0 and out.startswith("符合条件") and "✓" in out  # the command speaks the default language
    assert mask_certificate(eligible.certificates.get().number) in out and eligible.id_number not in out
    assert "·" in out  # the declaration is not checked without an application

    expired = population["expired"]
    code, out, _err = run("--program", LIVING, "--person", str(expired.pk), "--date", ON.isoformat())
    cert = expired.certificates.get()
    assert code == 1 and out.startswith("不符合条件") and "✗" in out
    assert str(cert.valid_until) in out

    code, out, _err = run(
        "--program", LIVING, "--person", str(expired.pk), "--date", ON.isoformat(), "--json"
    )
    data = json.loads(out)
    assert code == 1 and data["eligible"] is False
    assert {r["code"] for r in data["rules"]} >= {"alive", "certificate_valid", "hardship_any"}

    assert run("--program", "nope", "--person", str(expired.pk))[0] == 2
    assert run("--program", LIVING, "--person", "999999999")[0] == 2
    assert run("--program", LIVING, "--person", str(expired.pk), "--date", "2026-13-01")[0] == 2


# --- pages -----------------------------------------------------------------------------------------


def body(response, status=200):
    assert response.status_code == status, response.status_code
    return response.content.decode()


def test_program_pages(client, county, make_user, nursing, regions):
    Standard.objects.create(
        program=nursing, region_code="37", valid_from=D(2024, 1, 1), grades="12", amount="150"
    )
    client.force_login(county)
    listing = body(client.get("/programs/"))
    assert "nursing-subsidy" in listing and "living-subsidy" in listing
    page = body(client.get(f"/programs/{NURSING}/rules/"))
    assert "Valid disability certificate" in page or "有效" in page
    assert "150.00" in page and 'data-testid="standard-form"' in page and 'data-testid="setting-form"' in page
    for option in OPTIONS[NURSING]:
        assert f'name="opt_{option.key}"' in page
    worker = make_user("township_worker", "370502001")
    client.force_login(worker)
    page = body(client.get(f"/programs/{NURSING}/rules/"))
    assert "150.00" in page and 'data-testid="standard-form"' not in page
    assert client.get("/programs/nope/rules/").status_code == 404


def test_standard_and_setting_forms(client, county, nursing, regions):
    client.force_login(county)
    response = client.post(
        f"/programs/{NURSING}/standards/new/",
        {"region": "370502", "valid_from": "2026-01-01", "amount": "167", "grades": ["1", "2"]},
    )
    assert response.status_code == 302
    standard = Standard.objects.get()
    assert (standard.region_code, standard.grades, standard.amount) == ("370502", "12", Decimal("167.00"))
    response = client.post(
        f"/programs/{NURSING}/standards/new/",
        {"region": "370502", "valid_from": "2026-07-01", "amount": "180", "grades": ["1", "2"]},
    )
    standard.refresh_from_db()
    assert response.status_code == 302 and standard.valid_to == D(2026, 6, 30)
    # Overlap and an out-of-scope region: the form says why, nothing is written.
    before = standards_state()
    page = body(
        client.post(
            f"/programs/{NURSING}/standards/new/",
            {"region": "370502", "valid_from": "2026-03-01", "amount": "170", "grades": ["1", "2"]},
        )
    )
    assert "overlaps" in page or "重叠" in page
    page = body(
        client.post(
            f"/programs/{NURSING}/standards/new/",
            {"region": "3706", "valid_from": "2026-03-01", "amount": "1"},
        )
    )
    assert standards_state() == before
    page = body(
        client.post(f"/programs/{NURSING}/standards/new/", {"valid_from": "2026-03-01", "amount": "1"})
    )
    assert standards_state() == before  # national rows: not for a county
    # End a standard.
    latest = Standard.objects.get(valid_from=D(2026, 7, 1))
    response = client.post(f"/programs/standards/{latest.pk}/end/", {"valid_to": "2026-12-31"})
    latest.refresh_from_db()
    assert response.status_code == 302 and latest.valid_to == D(2026, 12, 31)
    # A rule setting from the family's checkboxes.
    response = client.post(
        f"/programs/{NURSING}/settings/new/",
        {"region": "370502", "valid_from": "2026-01-01", "opt_include_grade_3_4_intellectual_mental": "on"},
    )
    setting = RuleSetting.objects.get(region_code="370502")
    assert response.status_code == 302 and response["Location"] == f"/programs/settings/{setting.pk}/"
    assert setting.options["include_grade_3_4_intellectual_mental"] is True
    assert setting.options["require_long_term_care"] is False  # unchecked box = off
    page = body(client.get(response["Location"]))
    assert "东营区" in page and "2026-01-01" in page


def test_eligibility_page(client, county, population, make_user):  # noqa: F811
    person = population["expired"]
    client.force_login(county)
    page = body(client.get(f"/programs/{LIVING}/eligibility/{person.pk}/", {"on": ON.isoformat()}))
    cert = person.certificates.get()
    assert 'data-rule="certificate_valid"' in page and str(cert.valid_until) in page
    assert person.id_number not in page and person.masked_id in page
    assert AuditEvent.objects.filter(event_type=EventType.RECORD_VIEWED, object_id=str(person.pk)).exists()
    eligible = population["c1g1"]
    page = body(client.get(f"/programs/{LIVING}/eligibility/{eligible.pk}/", {"on": ON.isoformat()}))
    assert "badge ok" in page and "/programs/settings/" in page
    far = registered(name="烟台", region_code="370602001")
    assert client.get(f"/programs/{LIVING}/eligibility/{far.pk}/").status_code == 404


def test_preview_page(client, county, population, nursing):  # noqa: F811
    client.force_login(county)
    page = body(client.get(f"/programs/{NURSING}/preview/", {"region": "370502", "on": ON.isoformat()}))
    result = preview(nursing, "370502", ON)
    assert f"{result.eligible}" in page and 'data-rule="certificate"' in page
    for person in result.sample:
        assert person.masked_id in page and person.id_number not in page
    # Without parameters: the user's own region, today.
    assert body(client.get(f"/programs/{NURSING}/preview/"))


# --- API -------------------------------------------------------------------------------------------


def test_api_programs_and_eligibility(client, county, population):  # noqa: F811
    client.force_login(county)
    codes = [p["code"] for p in client.get("/api/v1/programs/").json()["results"]]
    assert set(codes) >= {LIVING, NURSING}
    detail = client.get(f"/api/v1/programs/{NURSING}/").json()
    assert [o["key"] for o in detail["options"]] == [o.key for o in OPTIONS[NURSING]]
    person = population["c1g1"]
    data = client.get(f"/api/v1/programs/{LIVING}/eligibility/{person.pk}/", {"on": ON.isoformat()}).json()
    assert data["eligible"] is True and data["person"] == person.pk and data["setting"]["id"]
    first = data["rules"][0]
    assert set(first) == {"code", "label", "passed", "reason", "data"} and first["code"] == "alive"
    assert client.get(f"/api/v1/programs/{LIVING}/eligibility/999999/").status_code == 404
    assert client.get(f"/api/v1/programs/{LIVING}/eligibility/{person.pk}/", {"on": "x"}).status_code == 400


def test_api_preview(client, county, population, nursing):  # noqa: F811
    client.force_login(county)
    data = client.get(
        f"/api/v1/programs/{NURSING}/preview/", {"region": "370502", "on": ON.isoformat()}
    ).json()
    result = preview(nursing, "370502", ON)
    assert data["eligible"] == result.eligible and data["people"] == result.people
    assert all("*" in p["id_number"] for p in data["sample"])
    assert client.get(f"/api/v1/programs/{NURSING}/preview/", {"region": "3706"}).status_code == 422


def test_api_standards_and_settings(client, county, nursing, regions):
    client.force_login(county)
    payload = {
        "program": NURSING,
        "region_code": "370502",
        "valid_from": "2026-01-01",
        "amount": "167",
        "grades": "12",
    }
    created = client.post("/api/v1/standards/", payload, content_type="application/json")
    assert created.status_code == 201, created.content
    clash = client.post("/api/v1/standards/", payload, content_type="application/json")
    assert clash.status_code == 409 and clash.json()["error"]["code"] == "standard_overlap"
    outside = client.post(
        "/api/v1/standards/", {**payload, "region_code": "3706"}, content_type="application/json"
    )
    assert outside.status_code == 403
    listed = client.get("/api/v1/standards/", {"program": NURSING}).json()["results"]
    assert [s["id"] for s in listed] == [created.json()["id"]]
    ended = client.post(
        f"/api/v1/standards/{created.json()['id']}/end/",
        {"valid_to": "2026-12-31"},
        content_type="application/json",
    )
    assert ended.status_code == 200 and ended.json()["valid_to"] == "2026-12-31"

    setting = client.post(
        "/api/v1/rule-settings/",
        {
            "program": NURSING,
            "region_code": "370502",
            "valid_from": "2026-01-01",
            "options": {"exclude_tekun": False},
        },
        content_type="application/json",
    )
    assert setting.status_code == 201, setting.content
    assert setting.json()["options"]["exclude_tekun"] is False and setting.json()["rule_labels"]
    bad = client.post(
        "/api/v1/rule-settings/",
        {"program": NURSING, "region_code": "370502", "valid_from": "2027-01-01", "options": {"nope": True}},
        content_type="application/json",
    )
    assert bad.status_code == 422  # well-formed, refused by the domain (decision 0004)
    regions_seen = {s["region_code"] for s in client.get("/api/v1/rule-settings/").json()["results"]}
    assert regions_seen == {"", "370502"}
