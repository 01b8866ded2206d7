"""Issue 5's "done when", end to end, from a fresh demo database (the demo_data command on an empty
database): a guardian's application is approved by the right role at each step, two children attend a
newly designated institution, a year's attendance is recorded by the institution's own staff, the
settlement batch pays 18,000 for the child with 170 days and the configured pro-rata amount for the
one with 169, an inspection issues a notice that goes overdue and escalates (the institution is
warned), and the figures page reproduces all of it (each figure against the page before the walk plus
hand-counted changes), as does the API; the export is audited."""

from __future__ import annotations

import datetime as dt
import io
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from registry_factories import resident_id

from canlian.core.accounts.models import User
from canlian.core.audit.models import AuditEvent
from canlian.core.institutions import actions as inst
from canlian.core.institutions.models import Institution, InstitutionStatusChange
from canlian.core.regions.models import Region
from canlian.core.registry.actions import certificate_issue, person_register
from canlian.demo.management.commands.demo_data import DEMO_PASSWORD
from canlian.demo.rehab import demo_year
from canlian.domains.rehab import actions as rehab
from canlian.domains.rehab.models import RehabPlan, SettlementLine
from canlian.domains.rehab.settlement import actions as settle
from canlian.domains.supervision import actions as supervision
from canlian.domains.supervision.selectors import notices_overdue
from canlian.platform.errors import NotFound, PermissionDenied
from canlian.programs import enrollments as engine

pytestmark = pytest.mark.django_db(transaction=False)

CENT = Decimal("0.01")


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _figures(client: Client, year: int) -> Any:
    page = client.get(
        reverse("reporting:rehab"), {"region": "3705", "start": f"{year}-01-01", "end": f"{year}-12-31"}
    )
    assert page.status_code == 200
    return page.context["figures"], page.content.decode()


def _child(name: str, birth: dt.date) -> Any:
    township = Region.objects.filter(parent__code="370502", level=4).order_by("code").first()
    village = Region.objects.filter(parent=township, level=5).order_by("code").first()
    person = person_register(
        actor=None,
        id_number=resident_id("370502", f"{birth:%Y%m%d}", seq=400 + birth.day),
        name=name,
        region_code=village.code,
    )
    certificate_issue(
        actor=None, person_id=person.pk, category=5, grade=2, issue_date=birth + dt.timedelta(days=400)
    )
    return person


def _approve(enrollment_id: int, day: dt.date, users: dict[str, User], *, check_roles: bool = False) -> Any:
    """The review chain, each step by its role; with ``check_roles`` the wrong roles are refused first."""
    township, county, civil = users["zhen_worker"], users["xian_admin"], users["minzheng"]
    if check_roles:
        with pytest.raises(PermissionDenied):  # civil affairs does not do the township's first check
            engine.enrollment_first_check(
                actor=civil, enrollment_id=enrollment_id, on=day + dt.timedelta(days=1)
            )
    engine.enrollment_first_check(actor=township, enrollment_id=enrollment_id, on=day + dt.timedelta(days=1))
    if check_roles:
        with pytest.raises(PermissionDenied):  # the township cannot check certificates for the county
            engine.enrollment_review(
                actor=township, enrollment_id=enrollment_id, on=day + dt.timedelta(days=3)
            )
    engine.enrollment_review(actor=county, enrollment_id=enrollment_id, on=day + dt.timedelta(days=3))
    if check_roles:
        with pytest.raises(PermissionDenied):  # the county federation does not decide: civil affairs does
            engine.enrollment_decide(actor=county, enrollment_id=enrollment_id, on=day + dt.timedelta(days=5))
    decided = engine.enrollment_decide(
        actor=civil, enrollment_id=enrollment_id, on=day + dt.timedelta(days=5)
    )
    assert decided.status == "notice"
    return engine.enrollment_notice_end(
        actor=civil, enrollment_id=enrollment_id, on=decided.notice_until + dt.timedelta(days=1)
    )


def test_done_when_from_a_fresh_demo_database():
    out = io.StringIO()
    call_command("demo_data", "--persons", "0", "--no-queue", stdout=out, stderr=io.StringIO())
    printed = out.getvalue()
    assert "jigou" in printed and "rehabilitation (" in printed
    today = timezone.localdate()
    year = demo_year(today)
    last_month = 12 if year < today.year else today.month - 1
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=["shi_admin", "sheng_admin", "xian_admin", "zhen_worker", "minzheng", "jigou"]
        )
    }
    for user in users.values():
        user.forget_assignments()
    city = Client()
    city.force_login(users["shi_admin"])

    # --- the demo as loaded ------------------------------------------------------------------------
    before, html = _figures(city, year)
    assert "康复服务率100%" in html
    by_days = dict(
        SettlementLine.objects.filter(
            year_days__in=[169, 170], batch__institution__code="KF370501"
        ).values_list("year_days", "amount")
    )
    assert by_days == {170: Decimal("18000.00"), 169: Decimal("17894.11")}
    # The child who changed institution on 1 June: 170 days at the two together, 18,000 shared.
    moved = RehabPlan.objects.select_related("transferred_from").get(transferred_from__isnull=False)
    shares = SettlementLine.objects.filter(person_id=moved.person_id).select_related("institution")
    assert {line.institution.code for line in shares} == {"KF370502", "KF370505"}
    assert {line.year_days for line in shares} == {170}
    assert sum(line.days for line in shares) == 170
    assert sum(line.amount for line in shares) == Decimal("18000.00")
    assert moved.transferred_from.end_reason == "transfer"
    assert (
        before.notices_issued,
        before.notices_closed,
        before.notices_escalated,
        before.notices_overdue,
    ) == (3, 1, 1, 1)
    assert before.designated_rehab == 5 and before.institutions_by_status.get("warned") == 1
    assert before.children_with_needs == before.needs_served == before.children_served

    # --- a newly designated institution with a certified therapist ---------------------------------
    county = users["xian_admin"]
    centre = inst.institution_create(
        actor=county,
        code="E2E-KF-01",
        name="东营区童心康复中心",
        kind="rehab",
        region_code="370502",
        categories="58",
        capacity=40,
    )
    inst.agreement_add(
        actor=county,
        institution_id=centre.pk,
        number="DY-E2E-1",
        valid_from=dt.date(year - 1, 1, 1),
        valid_until=dt.date(year + 1, 12, 31),
    )
    therapist = inst.staff_add(actor=county, institution_id=centre.pk, name="韩雪", post="therapist")
    manager = inst.staff_add(actor=county, institution_id=centre.pk, name="秦岭", post="manager")
    inst.certificate_issue(actor=county, staff_id=therapist.pk, issued_on=dt.date(year - 1, 6, 1))
    course = inst.course_create(
        actor=county,
        name="孤独症康复技能提升班",
        region_code="370502",
        starts_on=dt.date(year, 2, 2),
        ends_on=dt.date(year, 2, 6),
    )
    inst.results_record(
        actor=county,
        course_id=course.pk,
        results=[{"staff_id": therapist.pk, "written_score": "88", "practical_score": "91"}],
    )
    staff_user = inst.staff_create_sign_in(
        actor=users["shi_admin"], staff_id=manager.pk, username="e2e_centre", password=DEMO_PASSWORD
    )
    staff_user.forget_assignments()

    # --- guardians apply; each step by its role ----------------------------------------------------
    applied = dt.date(year - 1, 12, 1)
    kids = {170: _child("韩小宇", dt.date(year - 5, 3, 8)), 169: _child("秦小萌", dt.date(year - 4, 7, 9))}
    plans = {}
    for days, kid in kids.items():
        enrollment = engine.enrollment_apply(
            actor=users["zhen_worker"],
            person_id=kid.pk,
            applied_on=applied,
            program_code="child-rehab",
            applicant_kind="relative",
            applicant_name="家长",
            bank_account="6228480012345678901",
        )
        active = _approve(enrollment.pk, applied, users, check_roles=days == 170)
        assert active.status == "active"
        # The guardian chose the centre: the county records the plan with the certified therapist.
        plans[days] = rehab.rehab_plan_create(
            actor=county,
            enrollment_id=enrollment.pk,
            institution_id=centre.pk,
            year=year,
            category="5",
            mode="centre",
            starts_on=dt.date(year, 1, 1),
            ends_on=dt.date(year, 12, 31),
            planned_days=200,
            therapist_id=therapist.pk,
            guardian_name="家长",
        )

    # --- a year's attendance, recorded by the centre's own staff -----------------------------------
    start = dt.date(year, 1, 2)
    days_170 = [start + dt.timedelta(days=k) for k in range(170)]
    # (Consecutive days: the public holidays among them are confirmed, as the centre trains on them.)
    assert (
        rehab.rehab_attendance_record(
            actor=staff_user, plan_id=plans[170].pk, days=days_170, confirm_holiday=True
        )
        == 170
    )
    assert (
        rehab.rehab_attendance_record(actor=staff_user, plan_id=plans[170].pk, days=days_170[:5]) == 0
    )  # idempotent
    rows = [{"plan_id": plans[169].pk, "on": start + dt.timedelta(days=k)} for k in range(169)]
    assert (
        rehab.attendance_bulk(actor=staff_user, institution_id=centre.pk, rows=rows, confirm_holiday=True)
        == 169
    )
    with pytest.raises(
        (NotFound, PermissionDenied)
    ):  # another institution's staff never reach these children
        rehab.rehab_attendance_record(
            actor=users["jigou"], plan_id=plans[169].pk, days=[start + dt.timedelta(days=200)]
        )

    # --- settlement: generated by the county, approved by the city (maker-checker), paid -----------
    batch = settle.batch_generate(
        actor=county,
        institution_id=centre.pk,
        period_start=dt.date(year, 1, 1),
        period_end=dt.date(year, last_month, 1),
    )
    with pytest.raises(PermissionDenied):
        settle.batch_approve(actor=county, batch_id=batch.pk)
    settle.batch_approve(actor=users["shi_admin"], batch_id=batch.pk)
    settle.batch_mark_paid(actor=county, batch_id=batch.pk, paid_on=min(today, dt.date(year, 12, 31)))
    lines = {line.year_days: line for line in SettlementLine.objects.filter(batch=batch)}
    assert lines[170].amount == Decimal("18000.00")
    assert (lines[170].training_amount, lines[170].transport_amount) == (
        Decimal("15000.00"),
        Decimal("3000.00"),
    )
    pro_rata = _money(Decimal(15000) * 169 / 170) + _money(Decimal(3000) * 169 / 170)
    assert pro_rata == Decimal("17894.11") and lines[169].amount == pro_rata
    paid = lines[170].amount + lines[169].amount

    # --- an unannounced inspection; the notice goes overdue and is escalated -----------------------
    inspected = min(today, dt.date(year, 12, 31)) - dt.timedelta(days=40)
    template = supervision.default_template()
    items = [
        {
            "item": item.pk,
            "score": str(item.max_score - (6 if k == 0 else 0)),
            "finding": "考勤与监控不符" if k == 0 else "",
        }
        for k, item in enumerate(template.items.order_by("number"))
    ]
    inspection = supervision.inspection_record(
        actor=county,
        institution_id=centre.pk,
        inspected_on=inspected,
        items=items,
        inspectors="县残联：李明、王华",
        unannounced=True,
    )
    notice = supervision.notice_issue(
        actor=county,
        inspection_id=inspection.pk,
        problems="考勤记录与监控不符。",
        working_days=10,
        issued_on=inspected,
    )
    as_of = min(today, dt.date(year, 12, 31))
    assert notice.due_on < as_of
    assert notice in notices_overdue(user=users["shi_admin"], on=as_of)
    overdue, _html = _figures(city, year)
    assert overdue.notices_overdue == before.notices_overdue + 1
    with pytest.raises(PermissionDenied):  # the institution cannot escalate its own notice
        supervision.notice_escalate(actor=staff_user, notice_id=notice.pk)
    supervision.notice_escalate(actor=county, notice_id=notice.pk, on=today, reason="逾期未整改")
    centre.refresh_from_db()
    notice.refresh_from_db()
    assert centre.status == "warned" and notice.status == "escalated" and notice.escalated_to == "warned"
    assert InstitutionStatusChange.objects.filter(
        institution=centre, to_status="warned", source=f"notice:{notice.pk}"
    ).exists()

    # --- the figures page reproduces all of it -----------------------------------------------------
    after, html = _figures(city, year)
    assert after.institutions_total == before.institutions_total + 1
    assert after.designated_rehab == before.designated_rehab + 1  # warned: still designated
    assert after.institutions_by_status["warned"] == before.institutions_by_status["warned"] + 1
    assert after.children_served == before.children_served + 2
    assert after.children_with_needs == before.children_with_needs + 2
    assert after.needs_served == before.needs_served + 2 and after.service_rate == Decimal("100.0")
    assert after.children_170 == before.children_170 + 1
    assert after.training_days == before.training_days + 170 + 169
    assert after.settlement_amount == before.settlement_amount + paid
    assert after.amount == before.amount + Decimal("35894.11")
    assert (after.inspections, after.unannounced) == (before.inspections + 1, before.unannounced + 1)
    assert after.notices_issued == before.notices_issued + 1
    assert after.notices_closed == before.notices_closed
    assert after.notices_escalated == before.notices_escalated + 1
    assert after.notices_overdue == before.notices_overdue  # escalation gave a fresh deadline
    assert after.staff_trained == before.staff_trained + 1
    assert after.staff_certified == before.staff_certified + 1
    assert after.staff_uncertified == before.staff_uncertified
    assert (
        f"{after.designated_rehab}家定点康复机构，救助残疾儿童{after.children_served}名，支出资金{after.amount_wan}万元，康复服务率100%"
        in html
    )
    assert f"训练满170天的儿童{after.children_170}名" in html
    assert f"下达整改通知书{after.notices_issued}份、已整改{after.notices_closed}份" in html
    api = city.get(
        "/api/v1/reports/rehab-figures/", {"region": "3705", "from": f"{year}-01-01", "to": f"{year}-12-31"}
    )
    assert api.status_code == 200 and api.json()["sentence"] == after.sentence
    assert api.json()["money"]["total"] == str(after.amount)
    export = city.get(
        reverse("reporting:rehab-export"),
        {"region": "3705", "start": f"{year}-01-01", "end": f"{year}-12-31"},
    )
    assert export.status_code == 200
    b"".join(export.streaming_content)
    assert (
        AuditEvent.objects.filter(event_type="report.figures_exported", actor=users["shi_admin"]).count() == 1
    )
    # The centre's own staff see their own centre's figures only.
    own = Client()
    own.force_login(staff_user)
    page = own.get(reverse("reporting:rehab"), {"start": f"{year}-01-01", "end": f"{year}-12-31"})
    mine = page.context["figures"]
    assert (mine.institutions_total, mine.children_served, mine.children_170) == (1, 2, 1)
    assert mine.settlement_amount == paid and mine.notices_escalated == 1

    # --- the demo step again changes nothing -------------------------------------------------------
    count = Institution.objects.count()
    again = io.StringIO()
    call_command("demo_data", "--persons", "0", "--no-queue", stdout=again, stderr=io.StringIO())
    assert "none generated" in again.getvalue() and Institution.objects.count() == count
