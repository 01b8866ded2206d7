"""Children's rehabilitation: eligibility options, plans and their rules, devices, surgery referrals,
attendance (page, tablet, upload, API), institution-scoped access and training-day figures."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import rehab_world as w
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from canlian.core.audit.models import AuditEvent
from canlian.core.registry.selectors import person_timeline
from canlian.domains.rehab import actions, presets, selectors
from canlian.domains.rehab.models import Attendance, DeviceKind, RehabPlan
from canlian.platform.errors import Conflict, InvalidState, NotFound, PermissionDenied, ValidationFailed
from canlian.programs import eligibility
from canlian.programs.models import Program
from canlian.programs.rules.engine import validate_rules

pytestmark = pytest.mark.usefixtures("english")

D = dt.date
NAMES = "甲乙丙丁戊己庚辛壬癸"
Y = w.YEAR


@pytest.fixture
def county(make_user):
    return make_user("county_admin", "370502", username="dyq_rehab")


@pytest.fixture
def inst(regions):
    return w.institution("370502", name="东营康复中心")


@pytest.fixture
def other_inst(regions):
    return w.institution("370502", name="垦利康复中心")


@pytest.fixture
def staff_user(make_user, inst):
    return make_user("institution_staff", "370502", username="inst_a_staff", institution=inst)


@pytest.fixture
def other_staff_user(make_user, other_inst):
    return make_user("institution_staff", "370502", username="inst_b_staff", institution=other_inst)


@pytest.fixture
def kid(regions):
    return w.child(name="王小明")


# --- eligibility -----------------------------------------------------------------------------------


def test_presets_compile_to_valid_rules():
    for options in presets.VARIANTS.values():
        validate_rules(presets.compile_rules(options))
    rules = presets.compile_rules({})
    assert {"rule": "age", "min": 0, "max": 6} in rules
    assert any(r["rule"] == "any_of" for r in rules)
    assert not any(r["rule"] == "hardship_any" for r in rules)
    assert {"rule": "age", "min": 0, "max": 17} in presets.compile_rules({"ages_0_17": True})
    assert any(r["rule"] == "hardship_any" for r in presets.compile_rules({"hardship_only": True}))


def _setting(options):
    from canlian.programs.models import RuleSetting

    program = Program.objects.get(code="child-rehab")
    RuleSetting.objects.filter(program=program).update(options=options, rules=presets.compile_rules(options))
    return program


def test_ten_year_old_fails_national_passes_wide(regions):
    older = w.child(name="十岁", birth="20150301")
    young = w.child(name="四岁", birth="20210301")
    program = _setting({})
    on = D(2025, 6, 1)
    assert eligibility.explain(program, young, on).eligible
    verdict = eligibility.explain(program, older, on)
    assert not verdict.eligible
    assert any(r.code == "age" and r.passed is False for r in verdict.results)
    program = _setting({"ages_0_17": True})
    assert eligibility.explain(program, older, on).eligible


def test_diagnosis_instead_of_certificate(regions):
    program = Program.objects.get(code="child-rehab")
    uncertified = w.child(name="未办证", category=None)
    enrollment = w.active_enrollment(uncertified, diagnosis=True)
    assert enrollment.diagnosis_confirmed
    on = D(2025, 6, 1)
    assert eligibility.explain(program, uncertified, on, enrollment=enrollment).eligible
    enrollment.diagnosis_confirmed = False
    assert not eligibility.explain(program, uncertified, on, enrollment=enrollment).eligible
    program = _setting({"require_certificate": True})
    enrollment.diagnosis_confirmed = True
    assert not eligibility.explain(program, uncertified, on, enrollment=enrollment).eligible


# --- plans -----------------------------------------------------------------------------------------


def test_plan_created_from_active_enrollment_with_certified_therapist(county, inst, kid):
    staff = w.therapist(inst)
    plan = w.plan(kid, inst, actor=county, staff=staff)
    assert plan.region_code == kid.region_code and plan.therapist == staff
    assert AuditEvent.objects.filter(event_type="rehab.plan_created").count() == 1


def test_plan_needs_active_enrollment(county, inst, kid):
    from canlian.programs import enrollments as engine

    e = engine.enrollment_apply(
        actor=None,
        person_id=kid.pk,
        applied_on=D(2025, 1, 2),
        program_code="child-rehab",
        applicant_kind="relative",
        applicant_name="家长",
        bank_account="6228480012345678901",
    )
    with pytest.raises(ValidationFailed) as exc:
        w.plan(kid, inst, actor=county, enrollment=e)
    assert exc.value.field == "enrollment" and "active" in exc.value.message.lower()


@pytest.mark.parametrize("status", ["suspended", "removed"])
def test_closed_institution_refused(county, kid, regions, status):
    closed = w.institution("370502", status=status)
    with pytest.raises(ValidationFailed) as exc:
        w.plan(kid, closed, actor=county)
    assert exc.value.field == "institution" and closed.name in exc.value.message


def test_warned_institution_accepted(county, kid, regions):
    warned = w.institution("370502", status="warned")
    assert w.plan(kid, warned, actor=county).institution == warned


def test_category_not_served_refused(county, kid, regions):
    hearing_only = w.institution("370502", categories="2")
    with pytest.raises(ValidationFailed) as exc:
        w.plan(kid, hearing_only, actor=county, category="8")
    assert exc.value.field == "category"


def test_no_agreement_on_start_refused(county, kid, inst):
    with pytest.raises(ValidationFailed) as exc:
        w.plan(kid, inst, actor=county, year=2023, starts_on=D(2023, 3, 1), ends_on=D(2023, 12, 31))
    assert exc.value.field == "institution" and "agreement" in exc.value.message


def test_one_plan_per_child_per_year(county, inst, other_inst, kid):
    plan = w.plan(kid, inst, actor=county)
    with pytest.raises(Conflict) as exc:
        w.plan(kid, other_inst, actor=county, enrollment=plan.enrollment, category="4")
    assert exc.value.field == "year" and str(Y) in exc.value.message
    assert RehabPlan.objects.count() == 1


def test_therapist_without_valid_certificate_rejected(county, inst, kid):
    uncertified = w.therapist(inst, certified=False, name="无证治疗师")
    enrollment = w.active_enrollment(kid)
    with pytest.raises(ValidationFailed) as exc:
        w.plan(kid, inst, actor=county, staff=uncertified, enrollment=enrollment)
    assert exc.value.field == "therapist"
    assert "无证治疗师" in exc.value.message and "no certificate, no duty" in exc.value.message
    expired = w.therapist(inst, name="过期治疗师", valid_until=D(2025, 1, 31))
    with pytest.raises(ValidationFailed) as exc:
        w.plan(kid, inst, actor=county, staff=expired, enrollment=enrollment)
    assert "expired" in exc.value.message
    assert not RehabPlan.objects.exists()
    valid = w.therapist(inst, name="持证治疗师")
    assert w.plan(kid, inst, actor=county, staff=valid, enrollment=enrollment).therapist == valid


def test_therapist_of_another_institution_rejected(county, inst, other_inst, kid):
    stranger = w.therapist(other_inst)
    with pytest.raises(ValidationFailed) as exc:
        w.plan(kid, inst, actor=county, staff=stranger)
    assert exc.value.field == "therapist"


def test_plan_needs_manage_in_region(make_user, inst, kid):
    enrollment = w.active_enrollment(kid)
    yantai = make_user("county_admin", "3706")
    with pytest.raises(NotFound):
        w.plan(kid, inst, actor=yantai, enrollment=enrollment)
    leader = make_user("leader", "370502")
    with pytest.raises(PermissionDenied):
        w.plan(kid, inst, actor=leader, enrollment=enrollment)


def test_plan_update_and_end(county, inst, kid):
    plan = w.plan(kid, inst, actor=county)
    actions.rehab_attendance_record(actor=county, plan_id=plan.pk, days=[D(Y, 5, 6)])
    staff = w.therapist(inst)
    plan = actions.rehab_plan_update(actor=county, plan_id=plan.pk, hours=300, therapist_id=staff.pk)
    assert plan.hours == 300 and plan.therapist == staff
    with pytest.raises(ValidationFailed) as exc:
        actions.rehab_plan_update(actor=county, plan_id=plan.pk, starts_on=D(Y, 6, 1))
    assert exc.value.field == "starts_on"
    with pytest.raises(ValidationFailed):
        actions.rehab_plan_end(actor=county, plan_id=plan.pk, ended_on=D(Y, 5, 1))
    plan = actions.rehab_plan_end(actor=county, plan_id=plan.pk, ended_on=D(Y, 6, 30))
    assert plan.status == "ended" and plan.ends_on == D(Y, 6, 30)
    with pytest.raises(InvalidState):
        actions.rehab_plan_end(actor=county, plan_id=plan.pk)


# --- devices and surgery ---------------------------------------------------------------------------


def test_device_replacement_interval(county, kid):
    aid = DeviceKind.objects.get(code="hearing-aid")
    actions.device_provide(actor=county, person_id=kid.pk, kind_id=aid.pk, provided_on=D(2022, 5, 10))
    with pytest.raises(ValidationFailed) as exc:
        actions.device_provide(actor=county, person_id=kid.pk, kind_id=aid.pk, provided_on=D(2025, 5, 9))
    assert exc.value.field == "provided_on" and "2025-05-10" in exc.value.message
    actions.device_provide(actor=county, person_id=kid.pk, kind_id=aid.pk, provided_on=D(2025, 5, 10))
    # Another kind is not limited by the hearing aid.
    chair = DeviceKind.objects.get(code="wheelchair")
    actions.device_provide(actor=county, person_id=kid.pk, kind_id=chair.pk, provided_on=D(2025, 5, 11))


def test_surgery_referral_closed(county, kid):
    ref = actions.surgery_refer(
        actor=county, person_id=kid.pk, operation="人工耳蜗植入", hospital="省立医院", referred_on=D(Y, 2, 1)
    )
    with pytest.raises(ValidationFailed):
        actions.surgery_update(actor=county, surgery_id=ref.pk, status="done", operated_on=D(Y, 1, 1))
    ref = actions.surgery_update(
        actor=county, surgery_id=ref.pk, status="done", operated_on=D(Y, 3, 1), amount="60000"
    )
    assert ref.status == "done" and ref.amount == 60000
    with pytest.raises(InvalidState):
        actions.surgery_update(actor=county, surgery_id=ref.pk, status="cancelled")


# --- attendance ------------------------------------------------------------------------------------


def test_attendance_idempotent_and_refused_outside_plan(staff_user, county, inst, kid):
    plan = w.plan(kid, inst, actor=county)
    assert (
        actions.rehab_attendance_record(actor=staff_user, plan_id=plan.pk, days=[D(Y, 3, 2), D(Y, 3, 3)]) == 2
    )
    assert (
        actions.rehab_attendance_record(actor=staff_user, plan_id=plan.pk, days=[D(Y, 3, 3), D(Y, 3, 4)]) == 1
    )
    assert Attendance.objects.filter(plan=plan).count() == 3
    with pytest.raises(ValidationFailed) as exc:
        actions.rehab_attendance_record(actor=staff_user, plan_id=plan.pk, days=[D(Y, 3, 5), D(Y, 2, 28)])
    assert exc.value.errors[0].row == 2 and "outside the plan" in exc.value.errors[0].message
    future = timezone.localdate() + dt.timedelta(days=2)
    with pytest.raises(ValidationFailed):
        actions.rehab_attendance_record(actor=staff_user, plan_id=plan.pk, days=[future])
    assert Attendance.objects.filter(plan=plan).count() == 3


def test_attendance_on_another_institutions_plan_refused(other_staff_user, county, inst, kid):
    plan = w.plan(kid, inst, actor=county)
    with pytest.raises(NotFound):
        actions.rehab_attendance_record(actor=other_staff_user, plan_id=plan.pk, days=[D(Y, 3, 2)])
    with pytest.raises(NotFound):
        actions.attendance_bulk(
            actor=other_staff_user, institution_id=inst.pk, rows=[{"plan_id": plan.pk, "on": D(Y, 3, 2)}]
        )
    other = w.institution("370502")
    with pytest.raises(ValidationFailed) as exc:
        actions.attendance_bulk(
            actor=county, institution_id=other.pk, rows=[{"plan_id": plan.pk, "on": D(Y, 3, 2)}]
        )
    assert exc.value.errors[0].field == "plan_id"
    assert not Attendance.objects.exists()


def test_attendance_bulk_set_based(staff_user, county, inst, regions, django_assert_max_num_queries):
    plans = [w.plan(w.child(name=f"童{NAMES[i]}"), inst, actor=county) for i in range(5)]
    rows = [{"plan_id": p.pk, "on": D(Y, 4, d)} for p in plans for d in range(1, 21)]
    # 4–6 April 2025 are the Qingming holiday: the sign-ins on them are confirmed.
    with django_assert_max_num_queries(20):
        added = actions.attendance_bulk(
            actor=staff_user, institution_id=inst.pk, rows=rows, confirm_holiday=True
        )
    assert added == 100
    assert actions.attendance_bulk(actor=staff_user, institution_id=inst.pk, rows=rows[:10]) == 0


# --- upload ----------------------------------------------------------------------------------------


def _xlsx(tmp_path, rows, name="sheet.xlsx"):
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def test_upload_all_or_nothing_with_row_and_field_errors(
    tmp_path, staff_user, county, inst, other_inst, regions
):
    from canlian.domains.rehab.attendance_import import attendance_import

    a = w.child(name="上传甲")
    b = w.child(name="上传乙")
    elsewhere = w.child(name="别处丙")
    pa = w.plan(a, inst, actor=county)
    w.plan(b, inst, actor=county)
    w.plan(elsewhere, other_inst, actor=county)
    bad = _xlsx(
        tmp_path,
        [
            ["身份证号", "姓名", "日期"],
            [a.id_number, "上传甲", "2025-04-01"],
            ["370502202103010000", "无名", "2025-04-01"],  # unknown child
            [elsewhere.id_number, "别处丙", "2025-04-01"],  # not this institution's plan
            [b.id_number, "上传乙", "2025-02-01"],  # outside the plan
            [b.id_number, "上传乙", "2025-13-01"],  # bad date
            [a.id_number, "上传乙", "2025-04-02"],  # name does not match
        ],
    )
    with pytest.raises(ValidationFailed) as exc:
        attendance_import(actor=staff_user, institution_id=inst.pk, path=bad)
    got = {(e.row, e.field) for e in exc.value.errors}
    assert got == {(3, "身份证号"), (4, "身份证号"), (5, "日期"), (6, "日期"), (7, "姓名")}
    assert not Attendance.objects.exists()
    good = _xlsx(
        tmp_path,
        [
            ["身份证号", "姓名", "日期"],
            [a.id_number, "上传甲", "2025-04-01"],
            [a.id_number, "上传甲", "2025/04/02"],
        ],
        name="good.xlsx",
    )
    result = attendance_import(actor=staff_user, institution_id=inst.pk, path=good)
    assert result == {"rows": 2, "added": 2, "skipped": 0}
    assert attendance_import(actor=staff_user, institution_id=inst.pk, path=good)["skipped"] == 2
    assert set(Attendance.objects.values_list("plan_id", "source")) == {(pa.pk, "upload")}


def test_upload_month_grid(tmp_path, staff_user, county, inst, kid):
    from canlian.domains.rehab.attendance_import import attendance_import

    plan = w.plan(kid, inst, actor=county)
    grid = _xlsx(
        tmp_path,
        [
            ["身份证号", "姓名", *[str(d) for d in range(1, 32)]],
            [kid.id_number, "王小明", "√", "", "1", *[""] * 28],
        ],
    )
    with pytest.raises(ValidationFailed) as exc:
        attendance_import(actor=staff_user, institution_id=inst.pk, path=grid)
    assert exc.value.field == "month"
    result = attendance_import(actor=staff_user, institution_id=inst.pk, path=grid, month="2025-04")
    assert result["added"] == 2
    assert sorted(Attendance.objects.filter(plan=plan).values_list("on", flat=True)) == [
        D(Y, 4, 1),
        D(Y, 4, 3),
    ]
    feb = _xlsx(
        tmp_path,
        [
            ["身份证号", "姓名", *[str(d) for d in range(1, 32)]],
            [kid.id_number, "王小明", *[""] * 29, "√", ""],
        ],
        name="feb.xlsx",
    )
    with pytest.raises(ValidationFailed) as exc:
        attendance_import(actor=staff_user, institution_id=inst.pk, path=feb, month="2025-02")
    assert exc.value.errors[0].field == "30"


def test_upload_page_lists_errors(client, tmp_path, staff_user, county, inst, kid):
    from django.core.files.uploadedfile import SimpleUploadedFile

    w.plan(kid, inst, actor=county)
    path = _xlsx(tmp_path, [["身份证号", "姓名", "日期"], [kid.id_number, "王小明", "2025-01-05"]])
    client.force_login(staff_user)
    url = reverse("rehab:attendance-upload", kwargs={"institution_id": inst.pk})
    response = client.post(url, {"file": SimpleUploadedFile("a.xlsx", path.read_bytes())})
    assert response.status_code == 400
    assert "outside the plan" in response.content.decode() and not Attendance.objects.exists()


# --- pages and institution scope -------------------------------------------------------------------


@pytest.fixture
def two_institutions(county, inst, other_inst, regions):
    a = w.child(name="甲机构童")
    b = w.child(name="乙机构童")
    pa = w.plan(a, inst, actor=county)
    pb = w.plan(b, other_inst, actor=county)
    actions.rehab_attendance_record(actor=county, plan_id=pa.pk, days=[D(Y, 3, 2)])
    actions.rehab_attendance_record(actor=county, plan_id=pb.pk, days=[D(Y, 3, 2)])
    return pa, pb


def test_staff_never_see_another_institutions_children(client, staff_user, two_institutions):
    pa, pb = two_institutions
    client.force_login(staff_user)
    for name in ("rehab:plan-list", "rehab:training-days"):
        body = client.get(reverse(name) + f"?year={Y}").content.decode()
        assert "甲机构童" in body and "乙机构童" not in body, name
    assert client.get(reverse("rehab:plan-detail", kwargs={"plan_id": pb.pk})).status_code == 404
    assert client.get(reverse("rehab:plan-detail", kwargs={"plan_id": pa.pk})).status_code == 200
    tablet_b = reverse("rehab:attendance-tablet", kwargs={"institution_id": pb.institution_id})
    assert client.get(tablet_b).status_code == 404
    assert client.post(tablet_b, {"plan": pb.pk, "on": "2025-03-03"}).status_code == 404
    tablet_a = reverse("rehab:attendance-tablet", kwargs={"institution_id": pa.institution_id})
    # A plan of another institution through one's own tablet page is not found either.
    assert client.post(tablet_a, {"plan": pb.pk, "on": "2025-03-03"}).status_code == 404
    api = client.get("/api/v1/rehab/plans/").json()["results"]
    assert [p["id"] for p in api] == [pa.pk]
    assert client.get(f"/api/v1/rehab/plans/{pb.pk}/").status_code == 404
    days = client.get("/api/v1/rehab/attendance/").json()["results"]
    assert {d["plan"] for d in days} == {pa.pk}
    response = client.post(
        "/api/v1/rehab/attendance/", {"plan": pb.pk, "days": ["2025-03-05"]}, content_type="application/json"
    )
    assert response.status_code == 404
    td = client.get(f"/api/v1/rehab/training-days/?year={Y}").json()
    assert [r["plan"] for r in td["results"]] == [pa.pk]
    # The person page's providers.
    from canlian.domains.rehab.timeline import rehab_links, rehab_timeline

    assert list(rehab_timeline(pb.person, staff_user)) == []
    assert list(rehab_links(pb.person, staff_user)) == []
    assert any(e.kind == "rehab.training_days" for e in rehab_timeline(pa.person, staff_user))


def test_tablet_page_toggles_and_stays_fast(
    client, staff_user, county, inst, regions, django_assert_max_num_queries
):
    plans = [w.plan(w.child(name=f"平板{NAMES[i]}"), inst, actor=county) for i in range(6)]
    client.force_login(staff_user)
    url = reverse("rehab:attendance-tablet", kwargs={"institution_id": inst.pk})
    client.get(url + "?on=2025-04-01")  # warm the session
    with django_assert_max_num_queries(12):
        response = client.get(url + "?on=2025-04-01")
    assert response.status_code == 200 and response.content.decode().count('data-testid="signin-') >= 6
    response = client.post(url, {"plan": plans[0].pk, "on": "2025-04-01"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'class="on"' in response.content.decode()
    assert "<html" not in response.content.decode()
    assert Attendance.objects.filter(plan=plans[0], on=D(Y, 4, 1)).exists()
    client.post(url, {"plan": plans[0].pk, "on": "2025-04-01"}, HTTP_HX_REQUEST="true")
    assert not Attendance.objects.filter(plan=plans[0], on=D(Y, 4, 1)).exists()
    response = client.post(url, {"plan": plans[0].pk, "on": "2025-02-01"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400 and "outside the plan" in response.content.decode()
    client.post(reverse("rehab:attendance-all", kwargs={"institution_id": inst.pk}), {"on": "2025-04-02"})
    assert Attendance.objects.filter(on=D(Y, 4, 2)).count() == 6


def test_tablet_page_queries_do_not_grow(
    client, staff_user, county, inst, regions, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(staff_user)
    url = reverse("rehab:attendance-tablet", kwargs={"institution_id": inst.pk}) + "?on=2025-04-01"
    w.plan(w.child(name="一号童"), inst, actor=county)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for i in range(5):
        w.plan(w.child(name=f"多号{NAMES[i]}"), inst, actor=county)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(one)


def test_pages_render_for_county(client, county, inst, kid, two_institutions):
    pa, _pb = two_institutions
    client.force_login(county)
    for url in (
        reverse("rehab:application-list"),
        reverse("rehab:plan-list") + f"?year={Y}",
        reverse("rehab:plan-detail", kwargs={"plan_id": pa.pk}),
        reverse("rehab:plan-edit", kwargs={"plan_id": pa.pk}),
        reverse("rehab:plan-create"),
        reverse("rehab:device-list"),
        reverse("rehab:device-create", kwargs={"person_id": kid.pk}),
        reverse("rehab:surgery-list"),
        reverse("rehab:surgery-create", kwargs={"person_id": kid.pk}),
        reverse("rehab:attendance-index"),
        reverse("rehab:training-days") + f"?year={Y}",
    ):
        assert client.get(url).status_code == 200, url


def test_plan_create_page_shows_therapist_message(client, county, inst, kid):
    e = w.active_enrollment(kid)
    uncertified = w.therapist(inst, certified=False, name="无证老师")
    client.force_login(county)
    url = reverse("rehab:plan-create") + f"?enrollment={e.pk}"
    assert client.get(url).status_code == 200
    data = {
        "enrollment": e.pk,
        "institution": inst.pk,
        "year": Y,
        "category": "2",
        "mode": "centre",
        "starts_on": "2025-03-01",
        "ends_on": "2025-12-31",
        "planned_days": 200,
        "hours": 400,
        "therapist": uncertified.pk,
    }
    response = client.post(url, data)
    assert response.status_code == 200 and "no certificate, no duty" in response.content.decode()
    assert not RehabPlan.objects.exists()
    data["therapist"] = ""
    response = client.post(url, data)
    plan = RehabPlan.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/rehab/plans/{plan.pk}/")


def test_applications_page_puts_hardship_first(client, county, regions):
    from canlian.core.registry.models import HardshipStatus

    plain = w.child(name="普通家庭")
    poor = w.child(name="低保家庭")
    w.active_enrollment(plain, applied_on=D(2025, 3, 3))
    w.active_enrollment(poor, applied_on=D(2025, 1, 3))
    HardshipStatus.objects.create(person=poor, kind="dibao", valid_from=D(2024, 1, 1))
    client.force_login(county)
    body = client.get(reverse("rehab:application-list")).content.decode()
    assert body.index("低保家庭") < body.index("普通家庭")
    assert "Hardship family" in body or "困难家庭" in body


def test_person_timeline_shows_plan_days_devices_surgery(county, inst, kid):

    plan = w.plan(kid, inst, actor=county)
    actions.rehab_attendance_record(actor=county, plan_id=plan.pk, days=[D(Y, 3, 2), D(Y, 3, 3), D(Y, 3, 4)])
    aid = DeviceKind.objects.get(code="hearing-aid")
    actions.device_provide(actor=county, person_id=kid.pk, kind_id=aid.pk, provided_on=D(Y, 4, 1))
    actions.surgery_refer(
        actor=county, person_id=kid.pk, operation="人工耳蜗", hospital="省立医院", referred_on=D(Y, 5, 1)
    )
    kinds = {e.kind: e for e in person_timeline(person=kid, user=county)}
    assert {"rehab.plan", "rehab.training_days", "rehab.device", "rehab.surgery"} <= set(kinds)
    assert kinds["rehab.training_days"].title.startswith("3 ")


# --- training days ---------------------------------------------------------------------------------


def test_training_days_equal_a_hand_count(client, county, inst, other_inst, regions):
    a = w.child(name="计数甲")
    b = w.child(name="计数乙")
    pa = w.plan(a, inst, actor=county)
    pb = w.plan(b, other_inst, actor=county)
    days_a = [D(Y, 3, 2), D(Y, 3, 3), D(Y, 4, 1), D(Y, 12, 30)]
    days_b = [D(Y, 3, 9)]
    actions.rehab_attendance_record(actor=county, plan_id=pa.pk, days=days_a)
    actions.rehab_attendance_record(actor=county, plan_id=pb.pk, days=days_b)
    rows = {r.plan.pk: r for r in selectors.training_days(user=county, year=Y)}
    assert rows[pa.pk].months == [0, 0, 2, 1, 0, 0, 0, 0, 0, 0, 0, 1] and rows[pa.pk].total == 4
    assert rows[pb.pk].total == 1
    assert [r.plan.pk for r in selectors.training_days(user=county, year=Y, institution_id=inst.pk)] == [
        pa.pk
    ]
    client.force_login(county)
    response = client.get(reverse("rehab:training-days-export") + f"?year={Y}")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    cells = [list(r) for r in book.active.iter_rows(values_only=True)]
    assert cells[-1][-1] == 5
    assert all(a.id_number not in str(c) for row in cells for c in row)  # masked
    assert AuditEvent.objects.filter(event_type="record.exported").exists()
    api = client.get(f"/api/v1/rehab/training-days/?year={Y}").json()
    assert api["total_days"] == 5


# --- API -------------------------------------------------------------------------------------------


def test_api_plan_create_and_attendance(client, county, staff_user, inst, kid):
    e = w.active_enrollment(kid)
    client.force_login(county)
    response = client.post(
        "/api/v1/rehab/plans/",
        {
            "enrollment": e.pk,
            "institution": inst.pk,
            "year": Y,
            "category": "2",
            "starts_on": "2025-03-01",
            "ends_on": "2025-12-31",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    plan_id = response.json()["id"]
    again = client.post(
        "/api/v1/rehab/plans/",
        {
            "enrollment": e.pk,
            "institution": inst.pk,
            "year": Y,
            "category": "2",
            "starts_on": "2025-03-01",
            "ends_on": "2025-12-31",
        },
        content_type="application/json",
    )
    assert again.status_code == 409
    client.force_login(staff_user)
    body = {"plan": plan_id, "days": ["2025-03-02", "2025-03-03"]}
    assert (
        client.post("/api/v1/rehab/attendance/", body, content_type="application/json").json()["added"] == 2
    )
    assert (
        client.post("/api/v1/rehab/attendance/", body, content_type="application/json").json()["added"] == 0
    )
    bad = client.post(
        "/api/v1/rehab/attendance/",
        {"plan": plan_id, "days": ["2025-01-02"]},
        content_type="application/json",
    )
    assert bad.status_code == 422  # well-formed, refused by the domain (decision 0004)
    listed = client.get(f"/api/v1/rehab/attendance/?plan={plan_id}&from=2025-03-03").json()["results"]
    assert [d["on"] for d in listed] == ["2025-03-03"]
    assert client.post("/api/v1/rehab/plans/", {}, content_type="application/json").status_code == 403


def test_api_device_interval(client, county, kid):
    aid = DeviceKind.objects.get(code="hearing-aid")
    client.force_login(county)
    body = {"person": kid.pk, "kind": aid.pk, "provided_on": "2024-06-01"}
    assert client.post("/api/v1/rehab/devices/", body, content_type="application/json").status_code == 201
    body["provided_on"] = "2025-06-01"
    response = client.post("/api/v1/rehab/devices/", body, content_type="application/json")
    assert response.status_code == 422 and "2027-06-01" in response.content.decode()


def test_staff_attendance_entry_opens_their_own_sign_in_page(client, staff_user, county, inst):
    client.force_login(staff_user)
    response = client.get(reverse("rehab:attendance-index"))
    assert response.status_code == 302
    assert response["Location"] == reverse("rehab:attendance-tablet", kwargs={"institution_id": inst.pk})
    client.force_login(county)  # a federation user picks among the region's institutions
    assert client.get(reverse("rehab:attendance-index")).status_code == 200


def test_national_scope_reaches_the_attendance_pages(client, county, inst, kid, regions):
    """A national-scope user (a superuser: ``Scope.all()``) reaches the attendance pages of any
    institution and records there; the national scope used to be an empty ``Q()`` that an ``|``
    with the user's own institutions reduced to nothing (404)."""
    from canlian.core.accounts.models import User

    plan = w.plan(kid, inst, actor=county)
    national = User.objects.create_superuser(username="national_rehab", password="pw-Strong-2026")
    client.force_login(national)
    assert client.get(reverse("rehab:attendance-index")).status_code == 200
    tablet = reverse("rehab:attendance-tablet", kwargs={"institution_id": inst.pk})
    response = client.get(tablet + "?on=2025-04-01")
    assert response.status_code == 200 and 'data-testid="signin-' in response.content.decode()
    upload = reverse("rehab:attendance-upload", kwargs={"institution_id": inst.pk})
    assert client.get(upload).status_code == 200
    response = client.post(tablet, {"plan": plan.pk, "on": "2025-04-01"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert Attendance.objects.filter(plan=plan, on=D(Y, 4, 1)).exists()
    assert inst in selectors.attendance_institutions(user=national)


def test_system_actor_writes_like_the_command_line(inst, kid):
    """``SYSTEM`` (the command line, the daily tasks) is accepted wherever ``actor=None`` is."""
    from canlian.platform.access import SYSTEM

    plan = w.plan(kid, inst, actor=SYSTEM)
    assert plan.created_by is None
    assert actions.rehab_attendance_record(actor=SYSTEM, plan_id=plan.pk, days=[D(Y, 3, 2)]) == 1
    assert actions.attendance_remove(actor=SYSTEM, plan_id=plan.pk, day=D(Y, 3, 2))
    assert AuditEvent.objects.filter(event_type="rehab.plan_created", actor__isnull=True).exists()
