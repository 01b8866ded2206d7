"""Comparison rules on a small world: each rule's exact findings (with the neighbouring case that
must not be found), the amounts to recover, re-run idempotence, the next list closing what no longer
applies, resolution through the engine's and the registry's actions, and scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from matching_world import death_row, upload
from registry_factories import registered
from test_programs_cycles import enroll, generate, make_setup

from canlian.core.audit.models import AuditEvent
from canlian.core.registry import actions as registry
from canlian.core.registry.choices import HardshipKind, LifeStatus
from canlian.core.registry.models import HardshipStatus, Person
from canlian.domains.matching import actions, selectors
from canlian.domains.matching.choices import FindingStatus, Outcome
from canlian.domains.matching.models import ComparisonRule, Finding, ListRow
from canlian.platform.errors import InvalidState, PermissionDenied, ValidationFailed
from canlian.programs.cycles import actions as cycles
from canlian.programs.models import Enrollment, RecoveryItem

D = dt.date
AUG, SEP, OCT, NOV = D(2026, 8, 1), D(2026, 9, 1), D(2026, 10, 1), D(2026, 11, 1)


@pytest.fixture
def world(regions, make_user):
    setup = make_setup(make_user)
    setup["city"] = make_user("city_admin", "3705", username="city")
    setup["township"] = make_user("township_worker", "370502001", username="wenhui")
    setup["other_township"] = make_user("township_worker", "370505001", username="kenli")
    return setup


def _paid_through_oct(setup, *people_enrollments):
    result = generate(setup, OCT)
    cycles.cycle_approve(actor=setup["checker"], cycle_id=result.cycle.pk)


def _findings(rule_code, **kw):
    return sorted(
        Finding.objects.filter(rule__code=rule_code, **kw).values_list(
            "person__name", "months", "amount", "status"
        )
    )


# --- 应停未停: dead on the list, still enrolled or paid -------------------------------------------------


@pytest.mark.parametrize(
    ("died", "months", "amount"),
    [
        ("2026-08-31", 2, Decimal("300.00")),  # September and October paid after an August death
        ("2026-09-01", 1, Decimal("150.00")),  # a day later: September was still due
        ("2026-10-31", 0, Decimal("0.00")),  # nothing paid after, but still enrolled: to stop
    ],
)
def test_death_list_finds_the_months_and_amount_paid_after_death(world, died, months, amount):
    e = enroll(world["nursing"], applied=AUG)
    _paid_through_oct(world)
    upload(world["city"], "deaths", [death_row(e.person, died)])
    rows = list(Finding.objects.filter(rule__code="death-still-paid"))
    assert [(f.person_id, f.enrollment_id, f.months, f.amount) for f in rows] == [
        (e.person_id, e.pk, months, amount)
    ]
    f = rows[0]
    assert f.list_event_date == D.fromisoformat(died)
    assert f.registry_life_status == LifeStatus.LIVING and f.enrollment_status == "active"
    assert f.region_code == e.person.region_code
    assert f.due_on > f.found_on  # five working days


def test_nothing_to_stop_is_not_a_finding(world):
    stopped = enroll(world["nursing"], applied=AUG)
    no_enrollment = registered(name="无补贴", birth="19700101")
    _paid_through_oct(world)
    Enrollment.objects.filter(pk=stopped.pk).update(status="stopped", stopped_from=NOV, stop_reason="death")
    upload(
        world["city"],
        "deaths",
        [death_row(stopped.person, "2026-10-31"), death_row(no_enrollment, "2026-10-01", 2)],
    )
    assert not Finding.objects.filter(rule__code="death-still-paid").exists()


def test_stopping_a_finding_raises_the_recovery_and_closes_it(world):
    e = enroll(world["nursing"], applied=AUG)
    _paid_through_oct(world)
    up = upload(world["city"], "deaths", [death_row(e.person, "2026-08-20")])
    finding = Finding.objects.get(rule__code="death-still-paid")
    with pytest.raises(PermissionDenied):  # a township worker may not stop an enrollment
        actions.finding_resolve(actor=world["township"], finding_id=finding.pk, outcome=Outcome.STOPPED)
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN and not RecoveryItem.objects.exists()
    actions.finding_resolve(actor=world["maker"], finding_id=finding.pk, outcome=Outcome.STOPPED)
    finding.refresh_from_db()
    e.refresh_from_db()
    assert (finding.status, finding.outcome) == (FindingStatus.RESOLVED, Outcome.STOPPED)
    assert (e.status, e.stopped_from, e.stop_reason) == ("stopped", SEP, "death")
    assert finding.recovery is not None and finding.recovery.amount == Decimal("300.00")
    assert finding.recovery.months == ["2026-09", "2026-10"]
    person = Person.objects.get(pk=e.person_id)
    assert (person.life_status, person.life_status_date) == (LifeStatus.DECEASED, D(2026, 8, 20))
    assert AuditEvent.objects.filter(
        event_type="matching.finding_resolved", object_id=str(finding.pk)
    ).exists()
    # Re-running the same list finds nothing new: the enrollment is stopped, the months under recovery.
    run = actions.comparison_run(actor=world["city"], upload_id=up.pk)
    assert run.counts["death-still-paid"] == {"hits": 0, "new": 0, "kept": 0, "lapsed": 0}
    assert Finding.objects.count() == 1
    with pytest.raises(InvalidState):
        actions.finding_resolve(actor=world["maker"], finding_id=finding.pk, outcome=Outcome.STOPPED)


def test_rerun_never_duplicates_and_the_next_list_closes_what_no_longer_applies(world):
    a = enroll(world["nursing"], applied=AUG)
    b = enroll(world["nursing"], applied=AUG)
    _paid_through_oct(world)
    up = upload(
        world["city"], "deaths", [death_row(a.person, "2026-10-31"), death_row(b.person, "2026-10-31", 2)]
    )
    assert Finding.objects.filter(status="open").count() == 2
    again = actions.comparison_run(actor=world["city"], upload_id=up.pk)
    assert again.counts["death-still-paid"] == {"hits": 2, "new": 0, "kept": 2, "lapsed": 0}
    assert Finding.objects.count() == 2
    # December's list names only a (b was a mistake of the department): b's finding lapses.
    upload(world["city"], "deaths", [death_row(a.person, "2026-10-31")], as_of=D(2026, 12, 1))
    assert sorted(Finding.objects.values_list("person_id", "status")) == sorted(
        [(a.person_id, "open"), (b.person_id, "lapsed")]
    )
    lapsed = Finding.objects.get(person=b.person)
    assert lapsed.outcome == Outcome.LAPSED and lapsed.resolved_on is not None


def test_not_applicable_is_not_found_again(world):
    a = enroll(world["nursing"], applied=AUG)
    _paid_through_oct(world)
    up = upload(world["city"], "deaths", [death_row(a.person, "2026-10-31")])
    finding = Finding.objects.get()
    with pytest.raises(ValidationFailed) as exc:
        actions.finding_resolve(actor=world["maker"], finding_id=finding.pk, outcome=Outcome.NOT_APPLICABLE)
    assert exc.value.field == "note"
    actions.finding_resolve(
        actor=world["maker"],
        finding_id=finding.pk,
        outcome=Outcome.NOT_APPLICABLE,
        note="同名同号误报，已核实在世",
    )
    actions.comparison_run(actor=world["city"], upload_id=up.pk)
    assert Finding.objects.count() == 1


def test_moved_out_list_stops_with_reason_moved_out(world):
    e = enroll(world["nursing"], applied=AUG)
    _paid_through_oct(world)
    upload(
        world["city"],
        "moved_out",
        [["1", e.person.name, e.person.id_number, "2026-09-10", "迁出省外"]],
        department="public_security",
        header=["序号", "姓名", "身份证号", "迁出日期", "状态"],
    )
    finding = Finding.objects.get(rule__code="moved-out-still-paid")
    assert (finding.months, finding.amount) == (1, Decimal("150.00"))
    actions.finding_resolve(actor=world["maker"], finding_id=finding.pk, outcome=Outcome.STOPPED)
    e.refresh_from_db()
    assert (e.stop_reason, e.stopped_from) == ("moved_out", OCT)
    assert Person.objects.get(pk=e.person_id).life_status == LifeStatus.MOVED_OUT


# --- 应享未享: on the 低保 list, certified, not enrolled ----------------------------------------------


def test_dibao_list_finds_the_certified_not_enrolled_and_ends_in_an_application(world):
    entitled = registered(name="应享", birth="19750101")
    enrolled = enroll(world["living"], applied=AUG, hardship_basis="dibao")
    uncertified = registered(name="无证", birth="19760101", category=None)
    dead = registered(name="已故", birth="19770101")
    registry.person_set_life_status(actor=None, person_id=dead.pk, status="deceased", on=D(2026, 6, 1))
    rows = [
        [str(i), p.name, p.id_number, "", "低保"]
        for i, p in enumerate([entitled, enrolled.person, uncertified, dead], 1)
    ]
    up = upload(world["city"], "dibao", rows, header=["序号", "姓名", "身份证号", "认定日期", "类别"])
    assert _findings("dibao-living-subsidy") == [("应享", 0, Decimal("0.00"), "open")]
    finding = Finding.objects.get(rule__code="dibao-living-subsidy")
    assert (finding.registry_category, finding.registry_grade) == (4, 2)
    with pytest.raises(ValidationFailed):  # the engine's own checks: the bank account is needed
        actions.finding_resolve(actor=world["township"], finding_id=finding.pk, outcome=Outcome.ENROLLED)
    assert not Enrollment.objects.filter(person=entitled).exists()
    actions.finding_resolve(
        actor=world["township"],
        finding_id=finding.pk,
        outcome=Outcome.ENROLLED,
        bank_name="农商银行",
        bank_account="6222020000123456",
        account_holder="应享",
    )
    finding.refresh_from_db()
    application = finding.result_enrollment
    assert application.program.code == "living-subsidy" and application.person_id == entitled.pk
    assert application.status == "applied"
    assert finding.outcome == Outcome.ENROLLED
    run = actions.comparison_run(actor=world["city"], upload_id=up.pk)
    assert run.counts["dibao-living-subsidy"]["hits"] == 0


def test_a_regional_rule_narrows_the_grades(world):
    grade2 = registered(name="二级", birth="19750101", grade=2)
    grade3 = registered(name="三级", birth="19750201", grade=3)
    actions.rule_create(
        actor=world["city"],
        code="dibao-living-subsidy",
        name="东营：低保一二级",
        shape="entitled_not_enrolled",
        action="enrol",
        list_kind="dibao",
        program_code="living-subsidy",
        grades="12",
        region_code="3705",
        valid_from=D(2026, 1, 1),
    )
    upload(world["city"], "dibao", [["1", p.name, p.id_number, "", ""] for p in (grade2, grade3)])
    assert _findings("dibao-living-subsidy") == [("二级", 0, Decimal("0.00"), "open")]
    assert Finding.objects.get().rule.region_code == "3705"


# --- the other shapes ------------------------------------------------------------------------------


def test_monitored_list_flags_the_unflagged(world):
    unflagged = registered(name="未标识", birth="19750101")
    flagged = registered(name="已标识", birth="19750202")
    registry.hardship_add(
        actor=None,
        person_id=flagged.pk,
        kind=HardshipKind.MONITORED,
        valid_from=D(2025, 1, 1),
        monitored_type="marginal",
        risk_cause="illness",
    )
    upload(
        world["city"],
        "monitored",
        [["1", p.name, p.id_number, "2026-03-01", "边缘易致贫户"] for p in (unflagged, flagged)],
        department="rural",
    )
    finding = Finding.objects.get(rule__code="monitored-not-flagged")
    assert finding.person_id == unflagged.pk
    with pytest.raises(ValidationFailed):
        actions.finding_resolve(actor=world["township"], finding_id=finding.pk, outcome=Outcome.FLAGGED)
    actions.finding_resolve(
        actor=world["township"],
        finding_id=finding.pk,
        outcome=Outcome.FLAGGED,
        monitored_type="marginal",
        risk_cause="disability",
    )
    status = HardshipStatus.objects.get(person=unflagged, kind="monitored")
    assert (status.valid_from, status.risk_cause) == (D(2026, 3, 1), "disability")


def test_medical_insurance_list_finds_the_certified_missing(world):
    listed = registered(name="已参保", birth="19750101")
    missing = registered(name="未参保", birth="19750202")
    registered(name="未持证", birth="19750303", category=None)
    registered(name="外县", birth="19750404", region_code="370505001")
    upload(
        world["maker"],
        "medical_insurance",
        [["1", listed.name, listed.id_number, "", "参保"]],
        department="medical_insurance",
        region_code="370502",
    )
    assert _findings("medical-insurance-missing") == [("未参保", 0, Decimal("0.00"), "open")]
    finding = Finding.objects.get()
    assert finding.person_id == missing.pk and finding.list_row_no is None


@pytest.mark.parametrize(
    ("birth", "found"),
    # 15 on the list's date (2026-11-30) is school age, 16 is not; 6 is, 5 is not (one day either side)
    [("20111130", True), ("20101201", True), ("20101130", False), ("20201130", True), ("20201201", False)],
)
def test_student_list_follows_up_school_age_children_only(world, birth, found):
    child = registered(name="学龄", birth=birth, issued=D(2021, 1, 1))
    other = registered(name="在校", birth="20120101", issued=D(2021, 1, 1))
    upload(
        world["maker"],
        "students",
        [["1", other.name, other.id_number, "", "在校"]],
        department="education",
        region_code="370502",
    )
    assert bool(Finding.objects.filter(rule__code="school-age-not-student", person=child).exists()) is found
    assert not Finding.objects.filter(person=other).exists()


def test_identity_mismatch_is_corrected_in_the_registry(world):
    person = registered(name="张三丰", birth="19750101")
    upload(world["city"], "dibao", [["1", "张三峰", person.id_number, "", ""]])
    mismatch = Finding.objects.get(rule__code="identity-differs")
    assert (mismatch.list_name, mismatch.registry_name) == ("张三峰", "张三丰")
    actions.finding_resolve(actor=world["township"], finding_id=mismatch.pk, outcome=Outcome.CORRECTED)
    assert Person.objects.get(pk=person.pk).name == "张三峰"


# --- scope ------------------------------------------------------------------------------------------


def test_a_township_sees_only_its_findings_and_no_list_rows(world):
    here = registered(name="文汇", birth="19750101")
    there = registered(name="垦利", birth="19750202", region_code="370505001")
    up = upload(world["city"], "dibao", [["1", p.name, p.id_number, "", ""] for p in (here, there)])
    assert Finding.objects.count() == 2
    mine = selectors.findings_visible(user=world["township"])
    assert [f.person_id for f in mine] == [here.pk]
    assert [f.person_id for f in selectors.findings_visible(user=world["other_township"])] == [there.pk]
    assert selectors.list_rows_visible(user=world["township"], upload_id=up.pk).count() == 0
    assert selectors.list_rows_visible(user=world["city"], upload_id=up.pk).count() == 2
    assert selectors.uploads_visible(user=world["township"]).count() == 0
    foreign = Finding.objects.get(person=there)
    from canlian.platform.errors import NotFound

    with pytest.raises(NotFound):
        actions.finding_resolve(actor=world["township"], finding_id=foreign.pk, outcome=Outcome.ENROLLED)
    assert Finding.objects.get(pk=foreign.pk).status == FindingStatus.OPEN
    assert not Enrollment.objects.exists()


def test_only_the_uploads_region_is_compared(world):
    there = registered(name="垦利", birth="19750202", region_code="370505001")
    upload(world["maker"], "dibao", [["1", there.name, there.id_number, "", ""]], region_code="370502")
    assert not Finding.objects.exists()
    assert ListRow.objects.count() == 1


def test_rules_are_data(world):
    assert ComparisonRule.objects.filter(region_code="").count() == 7
    with pytest.raises(PermissionDenied):
        actions.rule_create(
            actor=world["city"], code="x", name="x", shape="identity_mismatch", action="correct"
        )


def test_a_finding_belongs_to_its_source(world):
    """Another department's list of the region neither refreshes nor closes a finding it did not raise."""
    person = registered(name="张三丰", birth="19750101")
    upload(world["city"], "dibao", [["1", "张三峰", person.id_number, "", ""]])
    mismatch = Finding.objects.get(rule__code="identity-differs")
    upload(
        world["maker"],
        "medical_insurance",
        [["1", "张三丰", person.id_number, "", "参保"]],
        department="medical_insurance",
        region_code="370502",
    )
    mismatch.refresh_from_db()
    assert mismatch.status == FindingStatus.OPEN
    upload(world["city"], "dibao", [["1", "张三丰", person.id_number, "", ""]], as_of=D(2026, 12, 1))
    mismatch.refresh_from_db()
    assert mismatch.status == FindingStatus.LAPSED  # the 低保 list now spells it as the registry does


def test_two_enrollments_each_stopped_with_its_recovery(world):
    nursing = enroll(world["nursing"], applied=AUG)
    living = enroll(world["living"], applied=AUG, person=nursing.person, hardship_basis="dibao")
    registry.hardship_add(
        actor=None, person_id=nursing.person_id, kind=HardshipKind.DIBAO, valid_from=D(2024, 1, 1)
    )
    for program in ("nursing", "living"):
        result = generate(world, OCT, program=program)
        cycles.cycle_approve(actor=world["checker"], cycle_id=result.cycle.pk)
    upload(world["city"], "deaths", [death_row(nursing.person, "2026-09-15")])
    found = {f.enrollment_id: f for f in Finding.objects.filter(rule__code="death-still-paid")}
    assert {k: (f.months, f.amount) for k, f in found.items()} == {
        nursing.pk: (1, Decimal("150.00")),
        living.pk: (1, Decimal("80.00")),
    }
    for f in found.values():
        actions.finding_resolve(actor=world["maker"], finding_id=f.pk, outcome=Outcome.STOPPED)
    amounts = {
        f.enrollment_id: f.recovery.amount for f in Finding.objects.filter(rule__code="death-still-paid")
    }
    assert amounts == {nursing.pk: Decimal("150.00"), living.pk: Decimal("80.00")}
    assert set(Enrollment.objects.values_list("status", flat=True)) == {"stopped"}
