"""Children's rehabilitation, supervision and institution indicators on a small world made through the
actions (applications, plans, attendance, devices, surgery, a settlement batch approved by a second
person and one left generated, a suspension, notices, a training course): exact figures by month and
level, the neighbouring cases that must not count, agreement with ``rehab_figures`` and the records
of a county user."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import rehab_world as rw
from steering_indicators_world import columns_resolve, number, records, refresh, value
from supervision_world import scores

from canlian.core.institutions import actions as inst_actions
from canlian.domains.rehab import actions
from canlian.domains.rehab.models import DeviceKind
from canlian.domains.rehab.settlement.actions import batch_approve, batch_generate, settlement_rule_save
from canlian.domains.supervision import actions as sup
from canlian.programs import enrollments as engine
from canlian.reporting.rehab_figures import rehab_figures

D = dt.date
TODAY = D(2026, 7, 15)


@pytest.fixture
def world(regions, make_user):
    """东营区: institution A; 童甲 (needs, trains 2–3 March at A), 童丙 (no application, a device on
    1 April, 3,000), 童丁 (needs, surgery on 10 June, 20,000), 童戊 (application still in review).
    垦利区: institution B (suspended 10 May), 童乙 (needs, never served). A community home (not a
    rehabilitation institution). Settlement: March approved (1,500 for 童甲), April generated only."""
    maker = make_user("county_admin", "370502", username="rh_maker")
    checker = make_user("county_admin", "370502", username="rh_checker")
    a = rw.institution("370502", name="东营康复A")
    b = rw.institution("370505", name="垦利康复B")
    inst_actions.institution_create(
        actor=None, code="HOME-1", name="社区之家", kind="home", region_code="370502"
    )
    inst_actions.institution_set_status(
        actor=None, institution_id=b.pk, status="suspended", reason="整改不力", on=D(2026, 5, 10)
    )
    staff = rw.therapist(a)
    jia = rw.child("370502001001", name="童甲")
    plan = rw.plan(
        jia, a, staff=staff, year=2026, enrollment=rw.active_enrollment(jia, applied_on=D(2026, 1, 5))
    )
    actions.attendance_record(actor=None, plan_id=plan.pk, days=[D(2026, 3, 2), D(2026, 3, 3)])
    yi = rw.child("370505001", name="童乙")
    rw.active_enrollment(yi, applied_on=D(2026, 2, 2))
    bing = rw.child("370502001001", name="童丙")
    actions.device_provide(
        actor=None,
        person_id=bing.pk,
        kind_id=DeviceKind.objects.get(code="hearing-aid").pk,
        provided_on=D(2026, 4, 1),
        institution_id=a.pk,
        amount="3000",
    )
    ding = rw.child("370502001001", name="童丁")
    rw.active_enrollment(ding, applied_on=D(2026, 1, 20))
    referral = actions.surgery_refer(
        actor=None,
        person_id=ding.pk,
        operation="人工耳蜗植入",
        hospital="省立医院",
        referred_on=D(2026, 5, 2),
    )
    actions.surgery_update(
        actor=None, surgery_id=referral.pk, status="done", operated_on=D(2026, 6, 10), amount="20000"
    )
    wu = rw.child("370502001", name="童戊")
    pending = engine.enrollment_apply(
        actor=None,
        person_id=wu.pk,
        applied_on=D(2026, 3, 1),
        program_code=rw.PROGRAM,
        applicant_kind="relative",
        applicant_name="家长",
        bank_account="6228480012345678901",
    )
    engine.enrollment_first_check(actor=None, enrollment_id=pending.pk, on=D(2026, 3, 2))
    settlement_rule_save(
        actor=None, region_code="3705", valid_from="2026-01", family="per_month", amount="1500", min_days=1
    )
    march = batch_generate(actor=maker, institution_id=a.pk, period_start="2026-03", period_end="2026-03")
    batch_approve(actor=checker, batch_id=march.pk)
    batch_generate(actor=maker, institution_id=a.pk, period_start="2026-04", period_end="2026-04")
    return {
        "a": a,
        "b": b,
        "jia": jia,
        "yi": yi,
        "bing": bing,
        "ding": ding,
        "maker": maker,
        "staff": staff,
        "make_user": make_user,
    }


CODES = ["rehab.children", "rehab.service_rate", "rehab.amount", "rehab.institutions"]


def test_children_served_and_service_rate(world):
    refresh(*CODES, today=TODAY)
    served = "rehab.children"
    assert [number(served, "370502001001", m) for m in (2, 3, 4, 5, 6, 7)] == [0, 1, 2, 2, 3, 3]
    assert number(served, "370505", 7) == 0  # 童乙 was never served
    rate = "rehab.service_rate"
    # Needs: 童甲 and 童丁 (东营区), 童乙 (垦利区); 童戊's application is still in review.
    assert value(rate, "370502", 2) == (Decimal(0), Decimal(2))
    assert value(rate, "370502", 3) == (Decimal(1), Decimal(2))
    assert value(rate, "370502", 6) == (Decimal(2), Decimal(2))
    assert value(rate, "370502001", 6) == (Decimal(2), Decimal(2))  # 童戊 (township) not a need
    assert value(rate, "370505", 6) == (Decimal(0), Decimal(1))
    assert value(rate, "3705", 6) == (Decimal(2), Decimal(3))
    assert value(rate, "", 1) == (Decimal(0), Decimal(2))  # 童乙 applied in February


def test_money_counts_approved_batches_devices_and_surgery(world):
    refresh("rehab.amount", today=TODAY)
    code = "rehab.amount"
    assert number(code, "370502001001", 3) == Decimal("1500.00")  # the approved March batch
    assert number(code, "370502", 4) == Decimal("3000.00")  # the device; April's batch is not approved
    assert number(code, "3705", 6) == Decimal("20000.00")
    assert value(code, "370505", 6) is None


def test_designated_institutions_by_status_on_the_day(world):
    refresh("rehab.institutions", today=TODAY)
    code = "rehab.institutions"
    assert [number(code, "370505", m) for m in (1, 4, 5, 7)] == [1, 1, 0, 0]  # suspended on 10 May
    assert number(code, "370502", 7) == 1  # the community home is not a rehabilitation institution
    assert number(code, "3705", 4) == 2


def test_agrees_with_the_figures_page(world, make_user):
    refresh(*CODES, "supervision.notices_issued", today=TODAY)
    city = make_user("city_admin", "3705")
    figures = rehab_figures(user=city, region="370502", first=D(2026, 1, 1), last=D(2026, 6, 30), today=TODAY)
    assert figures.children_served == number("rehab.children", "370502", 6)
    assert (figures.needs_served, figures.children_with_needs) == value("rehab.service_rate", "370502", 6)
    assert figures.amount == sum(number("rehab.amount", "370502", m) for m in range(1, 7))
    whole = rehab_figures(user=city, region="3705", first=D(2026, 1, 1), last=D(2026, 7, 15), today=TODAY)
    assert whole.designated_rehab == number("rehab.institutions", "3705", 7) == 1


@pytest.fixture
def notices(world):
    a = world["a"]

    def notice(on: dt.date):
        inspection = sup.inspection_record(
            actor=None, institution_id=a.pk, inspected_on=on, items=scores({5: 4}), inspectors="检查员甲"
        )
        return sup.notice_issue(
            actor=None, inspection_id=inspection.pk, problems="考勤不符", working_days=5, issued_on=on
        )

    first, second, later = notice(D(2026, 3, 10)), notice(D(2026, 3, 20)), notice(D(2026, 4, 2))
    sup.notice_reinspect(actor=None, notice_id=first.pk, passed=True, on=D(2026, 4, 8))
    sup.notice_respond(actor=None, notice_id=later.pk, response="已整改", on=D(2026, 4, 9))
    return first, second, later


def test_notices_issued_and_rectified(notices):
    refresh("supervision.notices_issued", "supervision.notices_closed", today=TODAY)
    assert [number("supervision.notices_issued", "370502", m) for m in (3, 4, 5)] == [2, 1, 0]
    # Of March's two the first was closed (in April: it counts for March, the month it was issued);
    # April's was only answered.
    closed = [number("supervision.notices_closed", "3705", m) for m in (3, 4)]
    assert closed == [1, 0]


def make_kenli(world):
    return world["make_user"]("county_admin", "370505")


def test_staff_trained(world, regions):
    a, b = world["a"], world["b"]
    passed = inst_actions.staff_add(actor=None, institution_id=a.pk, name="合格甲", post="therapist")
    failed = inst_actions.staff_add(actor=None, institution_id=a.pk, name="未过乙", post="teacher")
    other = inst_actions.staff_add(actor=None, institution_id=b.pk, name="垦利丙", post="therapist")
    course = inst_actions.training_course_create(
        actor=None, name="康复培训", region_code="3705", starts_on=D(2026, 3, 2), ends_on=D(2026, 3, 20)
    )
    inst_actions.training_results_record(
        actor=None,
        course_id=course.pk,
        results=[
            {"staff_id": passed.pk, "written_score": 80, "practical_score": 75},
            {"staff_id": failed.pk, "written_score": 50, "practical_score": 75},
        ],
    )
    old = inst_actions.training_course_create(
        actor=None, name="去年培训", region_code="3705", starts_on=D(2025, 5, 1), ends_on=D(2025, 5, 10)
    )
    inst_actions.training_results_record(
        actor=None,
        course_id=old.pk,
        results=[{"staff_id": other.pk, "written_score": 90, "practical_score": 90}],
    )
    code = "institutions.staff_trained"
    refresh(code, today=TODAY)
    assert [number(code, "370502", m) for m in (2, 3, 7)] == [0, 1, 1]
    assert value(code, "370505", 7) is None  # trained in 2025
    rows = records(code, world["maker"], 7, "370502", today=TODAY)
    cells = columns_resolve(code, rows)
    assert [(c[0], c[2], c[3]) for c in cells] == [("合格甲", "东营康复A", "370502")]
    assert records(code, make_kenli(world), 3, "", today=TODAY) == []


def test_records_for_a_county_user(world, make_user):
    kenli = make_user("county_admin", "370505")
    maker = world["maker"]
    assert [p.name for p in records("rehab.service_rate", kenli, 6, "3705", today=TODAY)] == ["童乙"]
    rows = records("rehab.service_rate", maker, 6, "370502", today=TODAY)
    assert sorted((p.name, p.served) for p in rows) == [("童丁", True), ("童甲", True)]
    assert [p.name for p in records("rehab.children", kenli, 7, "", today=TODAY)] == []
    rows = records("rehab.amount", maker, 4, "370502", today=TODAY)
    assert [(p.name, p.settled, p.devices, p.amount) for p in rows] == [
        ("童丙", Decimal("0.00"), Decimal("3000.00"), Decimal("3000.00"))
    ]
    assert "*" in columns_resolve("rehab.amount", rows)[0][1]
    assert [i.name for i in records("rehab.institutions", kenli, 4, "", today=TODAY)] == ["垦利康复B"]
    assert records("rehab.institutions", kenli, 7, "", today=TODAY) == []
    assert [i.name for i in records("rehab.institutions", maker, 7, "", today=TODAY)] == ["东营康复A"]
