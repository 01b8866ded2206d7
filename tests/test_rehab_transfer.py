"""Children's rehabilitation across institutions (issue 11, cases 3 and 4): a plan transferred to
another institution mid-year (one training category per child per year, at most one open plan), the
enrollment's paid window on entry (tablet, upload with row numbers, API), and public holidays that
need a confirmation and are flagged in the training-days list."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import rehab_world as w
from django.db import IntegrityError, transaction
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from canlian.core.audit.models import AuditEvent
from canlian.domains.rehab import actions, selectors
from canlian.domains.rehab.attendance_import import attendance_import
from canlian.domains.rehab.models import Attendance, RehabPlan
from canlian.platform.errors import Conflict, InvalidState, NotFound, PermissionDenied, ValidationFailed
from canlian.programs import enrollments as engine

pytestmark = pytest.mark.usefixtures("english")

D = dt.date
Y = w.YEAR  # 2025
#: 1 October 2025: National Day, a public holiday (a Wednesday).
HOLIDAY = D(Y, 10, 1)


@pytest.fixture
def county(make_user):
    return make_user("county_admin", "370502", username="dyq_transfer")


@pytest.fixture
def inst(regions):
    return w.institution("370502", name="东营康复中心")


@pytest.fixture
def other_inst(regions):
    return w.institution("370502", name="垦利康复中心")


@pytest.fixture
def staff_user(make_user, inst):
    return make_user("institution_staff", "370502", username="transfer_staff", institution=inst)


@pytest.fixture
def kid(regions):
    return w.child(name="转院童")


def _plans(person):
    return list(
        RehabPlan.objects.filter(person=person)
        .order_by("starts_on")
        .values_list(
            "institution_id",
            "starts_on",
            "ends_on",
            "status",
            "ended_on",
            "end_reason",
            "transferred_from_id",
        )
    )


# --- the transfer ----------------------------------------------------------------------------------


def test_transfer_ends_the_plan_and_continues_it_at_the_new_institution(county, inst, other_inst, kid):
    plan = w.plan(kid, inst, actor=county)
    actions.rehab_attendance_record(actor=county, plan_id=plan.pk, days=[D(Y, 6, 30)])
    therapist = w.therapist(other_inst, name="新机构治疗师")
    new = actions.rehab_plan_transfer(
        actor=county,
        plan_id=plan.pk,
        to_institution_id=other_inst.pk,
        on=D(Y, 7, 1),
        reason="家庭搬迁",
        therapist_id=therapist.pk,
    )
    plan.refresh_from_db()
    assert (plan.status, plan.ends_on, plan.ended_on, plan.end_reason, plan.end_note) == (
        "ended",
        D(Y, 6, 30),
        D(Y, 6, 30),
        "transfer",
        "家庭搬迁",
    )
    assert (new.institution, new.category, new.starts_on, new.ends_on, new.status) == (
        other_inst,
        plan.category,
        D(Y, 7, 1),
        D(Y, 12, 31),
        "active",
    )
    assert new.transferred_from == plan and new.enrollment_id == plan.enrollment_id
    assert new.therapist == therapist and new.goals == plan.goals
    transferred = AuditEvent.objects.get(event_type="rehab.plan_transferred", object_id=str(new.pk))
    assert (
        transferred.new_values["from_institution"] == inst.pk
        and transferred.new_values["reason"] == "家庭搬迁"
    )
    ended = AuditEvent.objects.get(event_type="rehab.plan_ended", object_id=str(plan.pk))
    assert ended.new_values["end_reason"] == "transfer" and ended.new_values["transferred_to"] == new.pk
    # Attendance: the old plan stops on its last day, the new one starts on the transfer day.
    with pytest.raises(ValidationFailed) as exc:
        actions.rehab_attendance_record(actor=county, plan_id=plan.pk, days=[D(Y, 7, 1)])
    assert "outside the plan" in exc.value.errors[0].message
    with pytest.raises(ValidationFailed):
        actions.rehab_attendance_record(actor=county, plan_id=new.pk, days=[D(Y, 6, 30)])
    assert actions.rehab_attendance_record(actor=county, plan_id=new.pk, days=[D(Y, 7, 1)]) == 1
    # Still one open plan a year: another plan (or transfer of the ended one) is refused.
    with pytest.raises(Conflict) as exc:
        w.plan(kid, w.institution("370502"), actor=county, enrollment=plan.enrollment, starts_on=D(Y, 8, 1))
    assert exc.value.field == "year"
    with pytest.raises(InvalidState):
        actions.rehab_plan_transfer(
            actor=county, plan_id=plan.pk, to_institution_id=inst.pk, on=D(Y, 8, 1), reason="again"
        )


def _refused(county, plan, expected_field, **kwargs):
    before = _plans(plan.person)
    values = {"to_institution_id": kwargs.pop("to", None), "on": D(Y, 7, 1), "reason": "家庭搬迁", **kwargs}
    with pytest.raises((ValidationFailed, Conflict, InvalidState)) as exc:
        actions.rehab_plan_transfer(actor=county, plan_id=plan.pk, **values)
    assert exc.value.field == expected_field, exc.value.message
    assert _plans(plan.person) == before  # nothing changed
    return exc.value


def test_transfer_gets_every_check_of_a_new_plan(county, inst, kid, regions):
    plan = w.plan(kid, inst, actor=county)
    wrong_category = w.institution("370502", categories="58", name="智力康复中心")
    assert "does not serve" in _refused(county, plan, "category", to=wrong_category.pk).message
    suspended = w.institution("370502", status="suspended", name="暂停机构")
    assert "暂停机构" in _refused(county, plan, "institution", to=suspended.pk).message
    lapsed = w.institution("370502", name="协议过期机构")
    lapsed.agreements.update(valid_until=D(Y, 6, 30))
    assert "no service agreement valid" in _refused(county, plan, "institution", to=lapsed.pk).message
    good = w.institution("370502", name="新康复中心")
    uncertified = w.therapist(good, certified=False, name="无证治疗师")
    message = _refused(county, plan, "therapist", to=good.pk, therapist_id=uncertified.pk).message
    assert "no certificate, no duty" in message
    stranger = w.therapist(inst)
    _refused(county, plan, "therapist", to=good.pk, therapist_id=stranger.pk)
    assert "already trains" in _refused(county, plan, "institution", to=inst.pk).message
    _refused(county, plan, "on", to=good.pk, on=plan.starts_on)  # nothing to end before it
    _refused(county, plan, "on", to=good.pk, on=D(Y + 1, 1, 5))
    _refused(county, plan, "reason", to=good.pk, reason=" ")
    actions.rehab_attendance_record(actor=county, plan_id=plan.pk, days=[D(Y, 7, 2)])
    message = _refused(county, plan, "on", to=good.pk).message
    assert "2025-07-02" in message and "2025-07-03" in message
    # And the transfer works once the date follows the last day trained.
    assert actions.rehab_plan_transfer(
        actor=county, plan_id=plan.pk, to_institution_id=good.pk, on=D(Y, 7, 3), reason="家庭搬迁"
    ).starts_on == D(Y, 7, 3)


def test_transfer_needs_manage_in_the_childs_region(make_user, county, inst, other_inst, kid):
    plan = w.plan(kid, inst, actor=county)
    values = {"plan_id": plan.pk, "to_institution_id": other_inst.pk, "on": D(Y, 7, 1), "reason": "搬迁"}
    with pytest.raises(NotFound):
        actions.rehab_plan_transfer(actor=make_user("county_admin", "3706"), **values)
    with pytest.raises(PermissionDenied):
        actions.rehab_plan_transfer(actor=make_user("leader", "370502"), **values)
    assert RehabPlan.objects.count() == 1


def test_a_year_keeps_one_category_and_plans_never_overlap(county, inst, other_inst, kid):
    plan = w.plan(kid, inst, actor=county, ends_on=D(Y, 12, 31))
    actions.rehab_plan_end(actor=county, plan_id=plan.pk, ended_on=D(Y, 5, 31), reason="住院")
    plan.refresh_from_db()
    assert (plan.ended_on, plan.end_reason, plan.end_note) == (D(Y, 5, 31), "stopped", "住院")
    with pytest.raises(Conflict) as exc:
        w.plan(kid, other_inst, actor=county, enrollment=plan.enrollment, category="4", starts_on=D(Y, 9, 1))
    assert exc.value.field == "category" and "one training category per child per year" in exc.value.message
    with pytest.raises(Conflict) as exc:
        w.plan(kid, other_inst, actor=county, enrollment=plan.enrollment, starts_on=D(Y, 5, 20))
    assert exc.value.field == "starts_on" and "overlap" in exc.value.message
    again = w.plan(kid, other_inst, actor=county, enrollment=plan.enrollment, starts_on=D(Y, 9, 1))
    assert again.category == plan.category and RehabPlan.objects.filter(person=kid).count() == 2
    with pytest.raises(Conflict):  # its dates may not move over the earlier plan either
        actions.rehab_plan_update(actor=county, plan_id=again.pk, starts_on=D(Y, 5, 1))
    # The database holds the rule too: a second open plan for the year is refused.
    with pytest.raises(IntegrityError), transaction.atomic():
        RehabPlan.objects.create(
            enrollment=plan.enrollment,
            person=kid,
            region_code=kid.region_code,
            institution=inst,
            year=Y,
            category=plan.category,
            mode="centre",
            starts_on=D(Y, 12, 1),
            ends_on=D(Y, 12, 31),
        )


def test_transfer_page_and_api(client, county, inst, other_inst, kid):
    plan = w.plan(kid, inst, actor=county)
    client.force_login(county)
    detail = client.get(reverse("rehab:plan-detail", kwargs={"plan_id": plan.pk}))
    assert detail.status_code == 200 and 'data-testid="plan-transfer"' in detail.content.decode()
    assert other_inst.name in detail.content.decode()
    url = reverse("rehab:plan-transfer", kwargs={"plan_id": plan.pk})
    bad = client.post(url, {"institution": other_inst.pk, "on": "2025-03-01", "reason": "搬迁"})
    assert bad.status_code == 400 and "The transfer must start after" in bad.content.decode()
    assert RehabPlan.objects.count() == 1
    response = client.post(url, {"institution": other_inst.pk, "on": "2025-07-01", "reason": "搬迁"})
    new = RehabPlan.objects.get(transferred_from=plan)
    assert response.status_code == 302 and response["Location"].endswith(f"/rehab/plans/{new.pk}/")
    body = client.get(response["Location"]).content.decode()
    assert 'data-testid="plan-transferred-from"' in body and inst.name in body
    assert 'data-testid="plan-year-plans"' in body
    # The API: the same action, 400 with the stable error format, 201 with the new plan.
    third = w.institution("370502", name="第三康复中心")
    api = f"/api/v1/rehab/plans/{new.pk}/transfer/"
    refused = client.post(
        api,
        {"institution": third.pk, "on": "2025-06-01", "reason": "再次搬迁"},
        content_type="application/json",
    )
    assert refused.status_code == 422  # well-formed, refused by the domain (decision 0004)
    error = refused.json()["error"]
    assert error["code"] == "validation_failed" and error["field"] == "on" and error["request_id"]
    done = client.post(
        api,
        {"institution": third.pk, "on": "2025-10-09", "reason": "再次搬迁"},
        content_type="application/json",
    )
    assert done.status_code == 201, done.content
    assert (done.json()["transferred_from"], done.json()["starts_on"]) == (new.pk, "2025-10-09")
    listed = client.get(f"/api/v1/rehab/plans/{new.pk}/").json()
    assert (listed["status"], listed["ended_on"], listed["end_reason"]) == ("ended", "2025-10-08", "transfer")


# --- the paid window -------------------------------------------------------------------------------


@pytest.fixture
def windowed(county, inst, kid):
    """A child who applied on 10 March 2025 (plan from 1 March) and whose enrollment is stopped from
    1 November (training counts until 31 October)."""
    enrollment = w.active_enrollment(kid, applied_on=D(Y, 3, 10))
    plan = w.plan(kid, inst, actor=county, enrollment=enrollment)
    return plan


STOP = D(Y, 11, 1)


def _stop(plan, month=STOP):
    engine.enrollment_stop(
        actor=None, enrollment_id=plan.enrollment_id, reason="moved_out", stopped_from=month
    )


def test_a_day_before_the_application_date_is_refused(staff_user, windowed):
    with pytest.raises(ValidationFailed) as exc:
        actions.rehab_attendance_record(actor=staff_user, plan_id=windowed.pk, days=[D(Y, 3, 10), D(Y, 3, 9)])
    error = exc.value.errors[0]
    assert (error.row, error.field, error.value) == (2, "days", "2025-03-09")
    assert "before the application date 2025-03-10" in error.message
    assert not Attendance.objects.exists()
    assert actions.rehab_attendance_record(actor=staff_user, plan_id=windowed.pk, days=[D(Y, 3, 10)]) == 1


def test_the_stop_date_is_refused_the_day_before_counted(staff_user, windowed):
    actions.rehab_attendance_record(actor=staff_user, plan_id=windowed.pk, days=[D(Y, 10, 30)])
    _stop(windowed)
    assert actions.rehab_attendance_record(actor=staff_user, plan_id=windowed.pk, days=[D(Y, 10, 31)]) == 1
    with pytest.raises(ValidationFailed) as exc:
        actions.rehab_attendance_record(actor=staff_user, plan_id=windowed.pk, days=[D(Y, 11, 1)])
    assert "after the enrollment was stopped (from 2025-11-01)" in exc.value.message
    assert "until 2025-10-31" in exc.value.message
    with pytest.raises(ValidationFailed):
        actions.attendance_bulk(
            actor=staff_user,
            institution_id=windowed.institution_id,
            rows=[{"plan_id": windowed.pk, "on": "2025-11-03"}],
        )
    assert sorted(Attendance.objects.values_list("on", flat=True)) == [D(Y, 10, 30), D(Y, 10, 31)]
    # A sign-in made before the stop can still be taken back.
    assert actions.attendance_remove(actor=staff_user, plan_id=windowed.pk, day=D(Y, 10, 31))


def _xlsx(tmp_path, rows, name="sheet.xlsx"):
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def test_upload_names_each_row_outside_the_window(tmp_path, staff_user, windowed, kid):
    _stop(windowed)
    sheet = _xlsx(
        tmp_path,
        [
            ["身份证号", "姓名", "日期"],
            [kid.id_number, kid.name, "2025-03-10"],
            [kid.id_number, kid.name, "2025-03-09"],  # before the application
            [kid.id_number, kid.name, "2025-10-31"],
            [kid.id_number, kid.name, "2025-11-01"],  # the stop
        ],
    )
    with pytest.raises(ValidationFailed) as exc:
        attendance_import(actor=staff_user, institution_id=windowed.institution_id, path=sheet)
    assert [(e.row, e.field) for e in exc.value.errors] == [(3, "日期"), (5, "日期")]
    assert "before the application date" in exc.value.errors[0].message
    assert "stopped" in exc.value.errors[1].message
    assert not Attendance.objects.exists()
    grid = _xlsx(
        tmp_path,
        [
            ["身份证号", "姓名", "月份", *[str(d) for d in range(1, 32)]],
            [kid.id_number, kid.name, "2025-03", *["√"] * 10],
        ],
        name="grid.xlsx",
    )
    with pytest.raises(ValidationFailed) as exc:
        attendance_import(actor=staff_user, institution_id=windowed.institution_id, path=grid)
    assert {e.field for e in exc.value.errors} == {str(d) for d in range(1, 10)}  # 1–9 March


def test_tablet_and_api_refuse_outside_the_window(client, staff_user, windowed, kid, county):
    other = w.plan(w.child(name="窗口内童"), windowed.institution, actor=county)
    client.force_login(staff_user)
    url = reverse("rehab:attendance-tablet", kwargs={"institution_id": windowed.institution_id})
    page = client.get(url + "?on=2025-03-05").content.decode()
    assert "outside the enrollment" in page
    tap = client.post(url, {"plan": windowed.pk, "on": "2025-03-05"}, HTTP_HX_REQUEST="true")
    assert tap.status_code == 400 and "before the application date 2025-03-10" in tap.content.decode()
    # "Sign in all" signs in the children whose window holds the day, and no other.
    client.post(
        reverse("rehab:attendance-all", kwargs={"institution_id": windowed.institution_id}),
        {"on": "2025-03-05"},
    )
    assert list(Attendance.objects.values_list("plan_id", flat=True)) == [other.pk]
    api = client.post(
        "/api/v1/rehab/attendance/",
        {"plan": windowed.pk, "days": ["2025-03-05"]},
        content_type="application/json",
    )
    assert api.status_code == 422  # well-formed, refused by the domain (decision 0004)
    error = api.json()["error"]
    assert error["code"] == "validation_failed" and error["field"] == "days"
    assert (
        str(error["details"][0]["row"]) == "1"
        and "before the application date" in error["details"][0]["message"]
    )


# --- public holidays -------------------------------------------------------------------------------


def test_a_holiday_sign_in_needs_a_confirmation_and_is_flagged(staff_user, county, inst, kid):
    plan = w.plan(kid, inst, actor=county)
    with pytest.raises(ValidationFailed) as exc:
        actions.rehab_attendance_record(actor=staff_user, plan_id=plan.pk, days=[D(Y, 9, 30), HOLIDAY])
    assert exc.value.code == "holiday_unconfirmed"
    assert exc.value.errors[0].row == 2 and "2025-10-01 is a public holiday" in exc.value.errors[0].message
    assert not Attendance.objects.exists()
    assert (
        actions.rehab_attendance_record(
            actor=staff_user, plan_id=plan.pk, days=[D(Y, 9, 30), HOLIDAY], confirm_holiday=True
        )
        == 2
    )
    assert dict(Attendance.objects.values_list("on", "on_holiday")) == {D(Y, 9, 30): False, HOLIDAY: True}
    # Recorded again without the confirmation: already recorded, skipped (idempotent).
    assert actions.rehab_attendance_record(actor=staff_user, plan_id=plan.pk, days=[HOLIDAY]) == 0
    # A plain weekend is not a public holiday.
    assert actions.rehab_attendance_record(actor=staff_user, plan_id=plan.pk, days=[D(Y, 9, 27)]) == 1


def test_holiday_on_the_tablet_asks_for_a_confirmation(client, staff_user, county, inst, kid):
    plan = w.plan(kid, inst, actor=county)
    client.force_login(staff_user)
    url = reverse("rehab:attendance-tablet", kwargs={"institution_id": inst.pk})
    page = client.get(url + "?on=2025-10-01").content.decode()
    assert 'data-testid="signin-holiday"' in page and 'data-testid="signin-all-holiday"' in page
    tap = client.post(url, {"plan": plan.pk, "on": "2025-10-01"}, HTTP_HX_REQUEST="true")
    body = tap.content.decode()
    assert tap.status_code == 200 and f'data-testid="signin-confirm-{plan.pk}"' in body
    assert 'name="confirm_holiday" value="1"' in body and "public holiday" in body
    assert not Attendance.objects.exists()
    confirmed = client.post(
        url, {"plan": plan.pk, "on": "2025-10-01", "confirm_holiday": "1"}, HTTP_HX_REQUEST="true"
    )
    assert confirmed.status_code == 200 and 'class="on"' in confirmed.content.decode()
    assert Attendance.objects.get().on_holiday
    # "Sign in all" on a holiday without the confirmation signs in nobody.
    other = w.plan(w.child(name="节日童"), inst, actor=county)
    all_url = reverse("rehab:attendance-all", kwargs={"institution_id": inst.pk})
    client.post(all_url, {"on": "2025-10-02"})
    assert not Attendance.objects.filter(on=D(Y, 10, 2)).exists()
    client.post(all_url, {"on": "2025-10-02", "confirm_holiday": "1"})
    assert set(
        Attendance.objects.filter(on=D(Y, 10, 2), on_holiday=True).values_list("plan_id", flat=True)
    ) == {
        plan.pk,
        other.pk,
    }


def test_holiday_in_an_upload_and_the_api(client, tmp_path, staff_user, county, inst, kid):
    plan = w.plan(kid, inst, actor=county)
    sheet = _xlsx(
        tmp_path,
        [
            ["身份证号", "姓名", "日期"],
            [kid.id_number, kid.name, "2025-09-30"],
            [kid.id_number, kid.name, "2025-10-01"],
        ],
    )
    with pytest.raises(ValidationFailed) as exc:
        attendance_import(actor=staff_user, institution_id=inst.pk, path=sheet)
    assert [(e.row, e.field) for e in exc.value.errors] == [(3, "日期")]
    assert "public holiday" in exc.value.errors[0].message and not Attendance.objects.exists()
    # The page lists the row; the option records it.
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(staff_user)
    url = reverse("rehab:attendance-upload", kwargs={"institution_id": inst.pk})
    page = client.post(url, {"file": SimpleUploadedFile("a.xlsx", sheet.read_bytes())})
    assert page.status_code == 400 and "public holiday" in page.content.decode()
    ok = client.post(
        url, {"file": SimpleUploadedFile("a.xlsx", sheet.read_bytes()), "holidays_confirmed": "on"}
    )
    assert ok.status_code == 302
    assert dict(Attendance.objects.values_list("on", "on_holiday")) == {D(Y, 9, 30): False, HOLIDAY: True}
    # The API: 400 holiday_unconfirmed without confirm_holiday, 201 with it.
    body = {"plan": plan.pk, "days": ["2025-10-02"]}
    refused = client.post("/api/v1/rehab/attendance/", body, content_type="application/json")
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "holiday_unconfirmed"
    body["confirm_holiday"] = True
    assert (
        client.post("/api/v1/rehab/attendance/", body, content_type="application/json").json()["added"] == 1
    )
    listed = client.get(f"/api/v1/rehab/attendance/?plan={plan.pk}&from=2025-10-01").json()["results"]
    assert sorted((d["on"], d["on_holiday"]) for d in listed) == [("2025-10-01", True), ("2025-10-02", True)]


def test_training_days_list_flags_holidays(client, county, inst, other_inst, kid):
    plan = w.plan(kid, inst, actor=county)
    actions.rehab_attendance_record(
        actor=county, plan_id=plan.pk, days=[D(Y, 9, 30), HOLIDAY], confirm_holiday=True
    )
    new = actions.rehab_plan_transfer(
        actor=county, plan_id=plan.pk, to_institution_id=other_inst.pk, on=D(Y, 10, 9), reason="搬迁"
    )
    actions.rehab_attendance_record(actor=county, plan_id=new.pk, days=[D(Y, 10, 9), D(Y, 10, 10)])
    rows = {r.plan.pk: r for r in selectors.training_days(user=county, year=Y)}
    assert rows[plan.pk].holidays == [HOLIDAY] and rows[new.pk].holidays == []
    assert (rows[plan.pk].total, rows[new.pk].total, rows[new.pk].child_total) == (2, 2, 4)
    client.force_login(county)
    page = client.get(reverse("rehab:training-days") + f"?year={Y}").content.decode()
    assert 'data-testid="training-days-holidays"><span class="badge warn"' in page and ">10-01<" in page
    assert "4 at all institutions" in page
    response = client.get(reverse("rehab:training-days-export") + f"?year={Y}")
    cells = [
        list(r)
        for r in load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(
            values_only=True
        )
    ]
    column = cells[1].index("节假日签到（已确认）")
    assert {row[2]: row[column] for row in cells[2:-1]} == {inst.name: "2025-10-01", other_inst.name: None}
    assert cells[-1][column] == 1 and cells[-1][-1] == 4
    api = client.get(f"/api/v1/rehab/training-days/?year={Y}").json()["results"]
    assert {r["plan"]: r["holiday_days"] for r in api} == {plan.pk: ["2025-10-01"], new.pk: []}
