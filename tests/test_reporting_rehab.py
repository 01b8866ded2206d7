"""Figures of children's rehabilitation and supervision (canlian.reporting.rehab_figures): every figure
equals a hand count on a small world written row by row, the scope holds (another region's user sees
none of region A's numbers), the page, the API and the audited Excel export."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from registry_factories import registered

from canlian.core.audit.models import AuditEvent
from canlian.core.institutions.models import (
    Institution,
    StaffCertificate,
    StaffMember,
    TrainingCourse,
    TrainingResult,
)
from canlian.domains.rehab.models import (
    Attendance,
    DeviceKind,
    DeviceProvision,
    RehabPlan,
    SettlementBatch,
    SettlementLine,
    SurgeryReferral,
)
from canlian.domains.supervision.models import ChecklistTemplate, Inspection, RectificationNotice
from canlian.programs.models import Enrollment, Program
from canlian.reporting.rehab_figures import rehab_figures

pytestmark = pytest.mark.django_db

JAN1, DEC31 = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
TODAY = dt.date(2026, 11, 23)


def _days(start: dt.date, n: int) -> list[dt.date]:
    return [start + dt.timedelta(days=k) for k in range(n)]


def _institution(code: str, region: str, kind: str = "rehab", status: str = "active") -> Institution:
    return Institution.objects.create(
        code=code, name=f"机构{code}", kind=kind, region_code=region, status=status
    )


def _enroll(
    program: Program, person: Any, status: str, applied_on: dt.date = dt.date(2026, 1, 5)
) -> Enrollment:
    return Enrollment.objects.create(
        program=program,
        person=person,
        region_code=person.region_code,
        status=status,
        applied_on=applied_on,
        application_month=applied_on.replace(day=1),
    )


def _plan(enrollment: Enrollment, institution: Institution, year: int = 2026) -> RehabPlan:
    return RehabPlan.objects.create(
        enrollment=enrollment,
        person=enrollment.person,
        region_code=enrollment.region_code,
        institution=institution,
        year=year,
        category="5",
        starts_on=dt.date(year, 1, 1),
        ends_on=dt.date(year, 12, 31),
    )


def _attend(plan: RehabPlan, days: list[dt.date]) -> None:
    Attendance.objects.bulk_create(
        Attendance(plan=plan, institution=plan.institution, region_code=plan.region_code, on=d) for d in days
    )


def _batch(
    program: Program, institution: Institution, status: str, start: dt.date, end: dt.date
) -> SettlementBatch:
    return SettlementBatch.objects.create(
        program=program,
        institution=institution,
        region_code=institution.region_code,
        period_start=start,
        period_end=end,
        status=status,
    )


def _line(batch: SettlementBatch, plan: RehabPlan, amount: str) -> None:
    SettlementLine.objects.create(
        batch=batch,
        plan=plan,
        person=plan.person,
        institution=batch.institution,
        region_code=plan.region_code,
        amount=Decimal(amount),
    )


@pytest.fixture
def world(regions: Any) -> dict[str, Any]:
    """Region A (东营区 370502) and a far region (芝罘区 370602), written row by row.

    Region A: institutions rehab/active, rehab/warned, rehab/suspended, home/active, and care/active
    in 垦利区 (same city, another county). Children C1 (170 days), C2 (169 days + a surgery), C3 (a
    device, no training), C4 (5 days, application still in review), C6 (active application, never
    served); C5 lives in 芝罘区 (180 days)."""
    program, _ = Program.objects.get_or_create(
        code="child-rehab",
        defaults={"name": "残疾儿童康复救助", "kind": "settlement", "family": "child-rehab"},
    )
    i1 = _institution("A1", "370502001")
    i2 = _institution("A2", "370502", status="warned")
    _institution("A3", "370502", status="suspended")
    i4 = _institution("A4", "370502001", kind="home")
    _institution("K1", "370505", kind="care")
    far = _institution("Y1", "370602")
    kids = {
        key: registered(name=name, region_code="370502001001", birth="20200101", category=5)
        for key, name in (
            ("C1", "儿童甲"),
            ("C2", "儿童乙"),
            ("C3", "儿童丙"),
            ("C4", "儿童丁"),
            ("C6", "儿童己"),
        )
    }
    kids["C5"] = registered(name="儿童戊", region_code="370602001", birth="20190101", category=5)
    e = {
        "C1": _enroll(program, kids["C1"], "active"),
        "C2": _enroll(program, kids["C2"], "active"),
        "C3": _enroll(program, kids["C3"], "notice"),
        "C4": _enroll(program, kids["C4"], "applied"),
        "C5": _enroll(program, kids["C5"], "active"),
        "C6": _enroll(program, kids["C6"], "active"),
    }
    p1, p2, p4, p5 = _plan(e["C1"], i1), _plan(e["C2"], i1), _plan(e["C4"], i2), _plan(e["C5"], far)
    _attend(p1, _days(JAN1, 170))
    _attend(p2, _days(JAN1, 169))
    _attend(p4, _days(dt.date(2026, 3, 2), 5))
    _attend(p5, _days(JAN1, 180))
    # Last year's plan of C1: outside the period.
    old = _plan(e["C1"], i1, year=2025)
    _attend(old, _days(dt.date(2025, 1, 1), 10))
    kind = DeviceKind.objects.get_or_create(
        code="t-hearing", defaults={"name": "助听器", "replacement_months": 36}
    )[0]
    DeviceProvision.objects.create(
        person=kids["C3"],
        region_code=kids["C3"].region_code,
        kind=kind,
        provided_on=dt.date(2026, 3, 1),
        amount=3000,
    )
    DeviceProvision.objects.create(
        person=kids["C5"], region_code="370602001", kind=kind, provided_on=dt.date(2026, 3, 1), amount=4000
    )
    SurgeryReferral.objects.create(
        person=kids["C2"],
        region_code=kids["C2"].region_code,
        operation="人工耳蜗植入",
        hospital="省立医院",
        referred_on=dt.date(2026, 4, 1),
        status="done",
        operated_on=dt.date(2026, 5, 1),
        amount=20000,
    )
    SurgeryReferral.objects.create(  # referred only: neither served nor money
        person=kids["C6"],
        region_code=kids["C6"].region_code,
        operation="矫形手术",
        hospital="省立医院",
        referred_on=dt.date(2026, 4, 1),
        amount=5000,
    )
    approved = _batch(program, i1, "approved", JAN1, dt.date(2026, 10, 31))
    _line(approved, p1, "18000.00")
    _line(approved, p2, "0.00")
    _line(_batch(program, i2, "generated", JAN1, dt.date(2026, 10, 31)), p4, "999.00")  # not approved
    _line(
        _batch(program, i1, "paid", dt.date(2025, 1, 1), dt.date(2025, 12, 31)), old, "1000.00"
    )  # last year
    _line(_batch(program, far, "paid", JAN1, dt.date(2026, 10, 31)), p5, "18000.00")
    template = ChecklistTemplate.objects.get_or_create(code="t-check", defaults={"name": "检查表"})[0]
    insp1 = Inspection.objects.create(
        institution=i1,
        region_code=i1.region_code,
        template=template,
        inspected_on=dt.date(2026, 4, 1),
        unannounced=True,
        score=85,
        inspectors="甲、乙",
    )
    insp2 = Inspection.objects.create(
        institution=i2,
        region_code=i2.region_code,
        template=template,
        inspected_on=dt.date(2026, 6, 1),
        score=55,
        inspectors="甲、乙",
    )
    Inspection.objects.create(
        institution=i1,
        region_code=i1.region_code,
        template=template,
        inspected_on=dt.date(2025, 6, 1),
        score=90,
        inspectors="甲",
    )
    far_insp = Inspection.objects.create(
        institution=far,
        region_code=far.region_code,
        template=template,
        inspected_on=dt.date(2026, 6, 1),
        unannounced=True,
        score=70,
        inspectors="丙",
    )

    def notice(n: int, insp: Inspection, issued: dt.date, due: dt.date, status: str) -> None:
        RectificationNotice.objects.create(
            institution=insp.institution,
            inspection=insp,
            region_code=insp.region_code,
            number=f"T-{n}",
            year=issued.year,
            sequence=n,
            problems="问题",
            issued_on=issued,
            working_days=10,
            due_on=due,
            status=status,
        )

    notice(1, insp1, dt.date(2026, 4, 2), dt.date(2026, 4, 16), "closed")
    notice(2, insp2, dt.date(2026, 6, 2), dt.date(2026, 6, 16), "escalated")  # overdue and escalated
    notice(3, insp2, dt.date(2026, 6, 3), dt.date(2026, 12, 30), "open")  # not yet due
    notice(4, insp2, dt.date(2026, 6, 4), dt.date(2026, 6, 18), "responded")  # overdue
    notice(5, far_insp, dt.date(2026, 6, 2), dt.date(2026, 6, 16), "open")
    course = TrainingCourse.objects.create(
        name="康复师培训", region_code="3705", starts_on=dt.date(2026, 3, 1), ends_on=dt.date(2026, 3, 31)
    )
    old_course = TrainingCourse.objects.create(
        name="旧培训", region_code="3705", starts_on=dt.date(2025, 3, 1), ends_on=dt.date(2025, 3, 31)
    )
    t1 = StaffMember.objects.create(institution=i1, name="T1", post="therapist")
    t2 = StaffMember.objects.create(institution=i1, name="T2", post="therapist")
    t3 = StaffMember.objects.create(institution=i1, name="T3", post="teacher")
    StaffMember.objects.create(institution=i4, name="H1", post="caregiver")
    StaffMember.objects.create(institution=i1, name="Gone", post="therapist", left_on=dt.date(2026, 2, 1))
    y1 = StaffMember.objects.create(institution=far, name="Y1", post="therapist")
    TrainingResult.objects.create(course=course, staff=t1, written_score=80, practical_score=80, passed=True)
    TrainingResult.objects.create(course=course, staff=t2, written_score=50, practical_score=80, passed=False)
    TrainingResult.objects.create(
        course=old_course, staff=t3, written_score=90, practical_score=90, passed=True
    )
    TrainingResult.objects.create(course=course, staff=y1, written_score=90, practical_score=90, passed=True)
    StaffCertificate.objects.create(
        staff=t1, number="C-1", issued_on=dt.date(2026, 4, 1), valid_until=dt.date(2029, 3, 31)
    )
    StaffCertificate.objects.create(
        staff=t3, number="C-3", issued_on=dt.date(2023, 1, 1), valid_until=dt.date(2025, 12, 31)
    )
    StaffCertificate.objects.create(
        staff=y1, number="C-Y", issued_on=dt.date(2026, 4, 1), valid_until=dt.date(2029, 3, 31)
    )
    return {"program": program, "i1": i1, "kids": kids}


def test_figures_equal_hand_counts(world, make_user):
    city = make_user("city_admin", "3705")
    f = rehab_figures(user=city, region="370502", first=JAN1, last=DEC31, today=TODAY)
    assert f.region_name == "东营区"
    assert f.institutions_total == 4  # A1 A2 A3 A4 (K1 is in 垦利区)
    assert f.institutions_by_kind == {"rehab": 3, "home": 1}
    assert f.institutions_by_status == {"active": 2, "warned": 1, "suspended": 1}
    assert f.designated_rehab == 2  # A1 active, A2 warned
    assert f.children_served == 4  # C1 C2 C4 trained, C3 device
    assert f.children_with_needs == 4  # C1 C2 C6 active, C3 in notice (C4 still in review)
    assert f.needs_served == 3
    assert f.service_rate == Decimal("75.0")
    assert f.children_170 == 1  # C1; C2 has 169
    assert f.training_days == 170 + 169 + 5
    assert f.settlement_amount == Decimal("18000.00")
    assert f.device_amount == Decimal("3000.00")
    assert f.surgery_amount == Decimal("20000.00")
    assert f.amount == Decimal("41000.00") and f.amount_wan == Decimal("4.10")
    assert (f.inspections, f.unannounced) == (2, 1)
    assert (f.notices_issued, f.notices_closed, f.notices_escalated, f.notices_overdue) == (4, 1, 1, 2)
    assert f.staff_trained == 1  # T1 (T2 failed, T3's course ended in 2025)
    assert f.staff_certified == 1  # T1 (T3's certificate expired)
    assert f.staff_uncertified == 2  # T2 and T3; H1 is a caregiver, Gone left
    assert f.sentence == (
        "东营区2026年：2家定点康复机构，救助残疾儿童4名，支出资金4.10万元，康复服务率75%；"
        "全年训练满170天的儿童1名；开展检查2次（飞行检查1次），下达整改通知书4份、已整改1份；"
        "培训康复人员1名，持证1名，2名康复人员尚无有效证书"
    )
    # The whole city adds 垦利区's care institution only; the province adds 芝罘区.
    city_f = rehab_figures(user=city, region="3705", first=JAN1, last=DEC31, today=TODAY)
    assert city_f.institutions_total == 5 and city_f.children_served == 4
    province = make_user("province_admin", "37")
    whole = rehab_figures(user=province, region="", first=JAN1, last=DEC31, today=TODAY)
    assert whole.children_served == 5 and whole.children_170 == 2
    assert whole.amount == Decimal("63000.00")  # + 18,000 settlement and 4,000 device in 芝罘区
    assert whole.service_rate == Decimal("80.0")  # 4 of 5
    # A period: the first quarter only.
    q1 = rehab_figures(user=city, region="370502", first=JAN1, last=dt.date(2026, 3, 31), today=TODAY)
    assert q1.children_170 == 0 and q1.training_days == 90 + 90 + 5
    assert q1.settlement_amount == Decimal("0.00")  # the batch runs to October
    assert q1.notices_issued == 0 and q1.staff_trained == 1 and q1.staff_certified == 0
    assert (
        q1.sentence.startswith("东营区2026年1月1日至3月31日：") and "期间训练满170天的儿童0名" in q1.sentence
    )


def test_another_region_sees_none_of_region_a(world, make_user):
    yantai = make_user("county_admin", "370602")
    f = rehab_figures(user=yantai, region="", first=JAN1, last=DEC31, today=TODAY)
    assert f.institutions_total == 1 and f.children_served == 1 and f.children_with_needs == 1
    assert f.amount == Decimal("22000.00") and f.notices_issued == 1 and f.staff_trained == 1
    # Asking for region A is refused, on the page (falls back to the scope) and in the API.
    client = _client(yantai)
    page = client.get(
        reverse("reporting:rehab"), {"region": "370502", "start": "2026-01-01", "end": "2026-12-31"}
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert "东营区" not in html
    assert page.context["figures"].children_served == 1
    api = client.get("/api/v1/reports/rehab-figures/", {"region": "370502"})
    assert api.status_code == 422  # well-formed, refused by the domain (decision 0004)
    # An institution's staff see their own institution's children only.
    staff = make_user("institution_staff", "370502", institution=world["i1"])
    own = rehab_figures(user=staff, region="", first=JAN1, last=DEC31, today=TODAY)
    assert own.children_served == 2  # C1, C2 trained at A1 (region-scoped surgery rows are not theirs)
    assert own.institutions_total == 1 and own.children_with_needs == 0


def _client(user: Any) -> Any:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def test_page_api_and_audited_export(world, make_user):
    county = make_user("county_admin", "370502")
    client = _client(county)
    query = {"start": "2026-01-01", "end": "2026-12-31"}
    page = client.get(reverse("reporting:rehab"), query)
    assert page.status_code == 200
    f = page.context["figures"]
    assert f.children_served == 4 and f.designated_rehab == 2
    assert f.sentence.startswith("东营区2026年：")  # the scope of a county federation is named
    assert "2家定点康复机构，救助残疾儿童4名，支出资金4.10万元" in page.content.decode()
    api = client.get(
        "/api/v1/reports/rehab-figures/", {"region": "370502", "from": "2026-01-01", "to": "2026-12-31"}
    )
    assert api.status_code == 200
    body = api.json()
    assert body["children"]["served"] == 4 and body["children"]["service_rate"] == "75.0"
    assert body["money"]["total"] == "41000.00" and body["money"]["total_wan"] == "4.10"
    assert body["supervision"]["notices_issued"] == 4 and body["institutions"]["designated_rehab"] == 2
    bad = client.get("/api/v1/reports/rehab-figures/", {"from": "2026-12-31", "to": "2026-01-01"})
    assert bad.status_code == 422  # well-formed, refused by the domain (decision 0004)
    before = AuditEvent.objects.filter(event_type="report.figures_exported").count()
    export = client.get(reverse("reporting:rehab-export"), {**query, "region": "370502"})
    assert export.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(export.streaming_content)))
    sheet = workbook.active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == rehab_figures(user=county, region="370502", first=JAN1, last=DEC31).sentence
    values = {r[0]: r[1] for r in rows[4:] if r and r[0]}
    assert values["救助残疾儿童（名）"] == 4 and values["康复服务率"] == "75%"
    events = AuditEvent.objects.filter(event_type="report.figures_exported")
    assert events.count() == before + 1
    event = events.latest("pk")
    assert event.actor_id == county.pk and event.new_values["filters"]["region"] == "370502"


def test_permission_needed(world, make_user, client):
    cadre = make_user("cadre", "370502")
    client.force_login(cadre)
    assert client.get(reverse("reporting:rehab")).status_code == 403
    assert client.get("/api/v1/reports/rehab-figures/").status_code == 403
