"""The working-day calendar as data: the tables loaded from chinese-calendar by the migration, the
working-day functions reading them, next year's import (command, page, API), edits audited, and the
deadlines counted over a year not loaded yet: provisional, listed, recomputed by the import or the
daily task."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO
from pathlib import Path

import chinese_calendar
import pytest
import supervision_world as sw
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone
from registry_factories import registered

from canlian.core.audit.models import AuditEvent
from canlian.core.calendar import actions
from canlian.core.calendar.models import CalendarDay, CalendarYear, ProvisionalDeadline
from canlian.domains.petitions import actions as petitions
from canlian.domains.supervision import actions as supervision
from canlian.platform.errors import InvalidState, PermissionDenied, ValidationFailed
from canlian.programs import enrollments, workdays
from canlian.programs.models import Enrollment, Program

pytestmark = pytest.mark.django_db

D = dt.date
ISSUED = D(2026, 12, 28)  # a Monday

#: A 2027 schedule for the tests (the shape of a State Council notice; not the published one):
#: 元旦 1–3 January off; 春节 5–12 February off, Sunday 31 January and Saturday 20 February worked.
SCHEDULE_2027 = """date,kind,name
2027-01-01,休,元旦
2027-01-02,休,元旦
2027-01-03,休,元旦
2027-01-31,班,春节
2027-02-05,休,春节
2027-02-06,休,春节
2027-02-07,休,春节
2027-02-08,休,春节
2027-02-09,休,春节
2027-02-10,休,春节
2027-02-11,休,春节
2027-02-12,休,春节
2027-02-20,班,春节
"""


@pytest.fixture
def schedule(tmp_path: Path) -> Path:
    path = tmp_path / "2027年节假日安排.csv"
    path.write_text(SCHEDULE_2027, encoding="utf-8")
    return path


@pytest.fixture
def province(make_user):
    return make_user("province_admin", "37", username="sd_admin")


@pytest.fixture
def county(make_user):
    return make_user("county_admin", "370502", username="dyq_admin")


@pytest.fixture
def late_december(monkeypatch):
    """Today is 28 December 2026 (a notice cannot be issued in the future)."""
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: ISSUED)


def _notice(admin, *, days: int = 5):
    inst = sw.institution("370502")
    inspection = supervision.inspection_record(
        actor=admin,
        institution_id=inst.pk,
        inspected_on=D(2026, 12, 21),
        items=sw.scores({5: Decimal("4")}),
        inspectors="检查员",
    )
    return supervision.notice_issue(
        actor=admin, inspection_id=inspection.pk, problems="考勤不实", working_days=days, issued_on=ISSUED
    )


# --- the tables and the functions ------------------------------------------------------------------


def test_the_migration_loads_every_year_the_package_knows():
    package_years = {d.year for d in chinese_calendar.holidays}
    assert workdays.known_years() == (min(package_years), max(package_years)) == (2004, 2026)
    assert set(CalendarYear.objects.values_list("source", flat=True)) == {"package"}
    assert all(workdays.is_year_known(y) for y in range(2004, 2027))
    assert not workdays.is_year_known(2027)
    assert CalendarDay.objects.count() == len(chinese_calendar.holidays) + len(chinese_calendar.workdays)


def test_2026_from_the_table_is_the_package_day_by_day():
    day = D(2026, 1, 1)
    while day.year == 2026:
        assert workdays.is_working_day(day) == chinese_calendar.is_workday(day), day
        assert workdays.is_public_holiday(day) == (day in chinese_calendar.holidays), day
        day += dt.timedelta(days=1)


def test_make_up_days_count_and_holidays_have_their_names():
    # 2026: National Day 1–7 October; Saturday 10 October and Sunday 20 September are worked.
    assert workdays.is_working_day(D(2026, 10, 10)) and D(2026, 10, 10).weekday() == 5
    assert workdays.add_working_days(D(2026, 10, 9), 1) == D(2026, 10, 10)
    assert workdays.next_working_day(D(2026, 9, 18)) == D(2026, 9, 20)
    assert workdays.working_days_between(D(2026, 9, 30), D(2026, 10, 13)) == 5
    assert workdays.holiday_name(D(2026, 10, 1)) == "国庆节"
    assert workdays.holiday_name(D(2026, 2, 17)) == "春节"
    assert workdays.holiday_name(D(2026, 10, 10)) is None  # a make-up day is not a holiday
    assert workdays.is_public_holiday(D(2026, 10, 3))  # a Saturday inside the holiday
    assert not workdays.is_public_holiday(D(2026, 10, 17))  # a plain Saturday
    assert workdays.public_holidays(D(2026, 9, 25), D(2026, 10, 2)) == {
        D(2026, 9, 25): "中秋节",
        D(2026, 9, 26): "中秋节",
        D(2026, 9, 27): "中秋节",
        D(2026, 10, 1): "国庆节",
        D(2026, 10, 2): "国庆节",
    }


def test_one_query_per_call_and_none_on_a_snapshot(django_assert_num_queries):
    workdays.add_working_days(D(2026, 1, 1), 1)  # warm the process's snapshot
    with django_assert_num_queries(1):  # the stamp
        assert workdays.add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
    cal = workdays.calendar()
    with django_assert_num_queries(0):
        assert [cal.is_public_holiday(D(2026, 10, d)) for d in (1, 8)] == [True, False]
        assert cal.add_working_days(D(2026, 10, 8), 4) == D(2026, 10, 13)


def test_an_unknown_year_is_monday_to_friday_and_provisional():
    assert workdays.add_working_days(ISSUED, 5) == D(2027, 1, 4)
    assert workdays.missing_years(ISSUED, 5) == (2027,)
    assert workdays.missing_years(ISSUED, 3) == ()  # 29, 30, 31 December: all of 2026
    with pytest.raises(workdays.CalendarUnknown):
        workdays.add_working_days(ISSUED, 5, strict=True)


# --- provisional deadlines and the import ----------------------------------------------------------


def test_notice_over_new_year_is_provisional_until_the_import_recomputes_it(
    late_december, county, province, schedule, client
):
    notice = _notice(county)
    assert notice.due_on == D(2027, 1, 4)  # Monday to Friday: 29, 30, 31 Dec, 1 and 4 Jan
    row = ProvisionalDeadline.objects.get()
    assert (row.target_type, row.target_id, row.field, row.status) == (
        "supervision.rectificationnotice",
        notice.pk,
        "due_on",
        "open",
    )
    assert (row.start, row.days, row.computed_on, row.missing_years) == (ISSUED, 5, D(2027, 1, 4), [2027])
    assert row.region_code == notice.region_code
    # The administrator sees it listed (page and API).
    client.force_login(province)
    page = client.get(reverse("calendar:index")).content.decode()
    assert notice.number in page and "2027-01-04" in page
    listed = client.get("/api/v1/calendar/deadlines/").json()["results"]
    assert [d["target_id"] for d in listed] == [notice.pk]

    out = StringIO()
    call_command("import_calendar", str(schedule), "--year", "2027", stdout=out)
    assert "imported 2027: 11 holidays, 2 make-up working days" in out.getvalue()
    assert "settled: 1" in out.getvalue()
    notice.refresh_from_db()
    assert notice.due_on == D(2027, 1, 5)  # 1 January is 元旦: 29, 30, 31 Dec, 4 and 5 Jan
    row.refresh_from_db()
    assert (row.status, row.final_on) == ("recomputed", D(2027, 1, 5)) and row.resolved_at
    event = AuditEvent.objects.get(event_type="calendar.deadline_recomputed")
    assert (event.object_type, event.object_id, event.region_code) == (
        "supervision.rectificationnotice",
        str(notice.pk),
        notice.region_code,
    )
    assert event.old_values["due_on"] == "2027-01-04" and event.new_values["due_on"] == "2027-01-05"
    assert AuditEvent.objects.filter(event_type="calendar.imported").count() == 1
    # Known now: a new notice is final at once.
    again = _notice(county)
    assert again.due_on == D(2027, 1, 5)
    assert not ProvisionalDeadline.objects.open().exists()
    assert notice.number not in client.get(reverse("calendar:index")).content.decode()


def test_petitions_and_public_notices_are_recorded_and_recomputed(late_december, make_user, schedule):
    county = make_user("county_admin", "370502")
    civil = make_user("civil_affairs_reviewer", "370502")
    petition = petitions.petition_receive(
        actor=county,
        category="certificate",  # 10 working days
        issue="证件补办",
        received_on=ISSUED,
        visitor_name="来访人",
        region_code="370502001",
    )
    assert petition.deadline == D(2027, 1, 11)
    program = Program.objects.get(code="nursing-subsidy")
    person = registered(name="公示跨年", region_code="370502001001", actor=county)
    enrollment = Enrollment.objects.create(
        program=program,
        person=person,
        region_code=person.region_code,
        status="reviewed",
        applied_on=D(2026, 12, 1),
        application_month=D(2026, 12, 1),
        bank_account="6222020000000001234",
    )
    enrollment = enrollments.enrollment_decide(actor=civil, enrollment_id=enrollment.pk, on=ISSUED)
    n = max(program.notice_days, 1)
    assert enrollment.notice_from == D(2026, 12, 29)
    assert enrollment.notice_until == workdays.add_working_days(ISSUED, n)
    open_fields = set(ProvisionalDeadline.objects.open().values_list("target_type", "field"))
    assert ("petitions.petition", "deadline") in open_fields
    assert ("programs.enrollment", "notice_until") in open_fields
    assert ("programs.enrollment", "notice_from") not in open_fields  # 29 December: known
    before_until = enrollment.notice_until

    actions.calendar_import(actor=None, path=schedule)
    petition.refresh_from_db()
    enrollment.refresh_from_db()
    assert petition.deadline == D(2027, 1, 12)
    assert enrollment.notice_until == enrollment.step_due_on == workdays.add_working_days(ISSUED, n)
    assert enrollment.notice_until > before_until
    assert not ProvisionalDeadline.objects.open().exists()


def test_the_daily_task_recomputes_when_the_year_arrived_otherwise(late_december, county):
    notice = _notice(county)
    assert notice.due_on == D(2027, 1, 4)
    # 2027 written straight into the tables (another process, a restore…): nothing recomputed yet.
    year = CalendarYear.objects.create(year=2027, source="manual")
    CalendarDay.objects.create(date=D(2027, 1, 1), year=year, kind="holiday", name="元旦")
    notice.refresh_from_db()
    assert notice.due_on == D(2027, 1, 4)
    out = StringIO()
    call_command("daily", "--on", "2026-12-29", "--only", "calendar.recompute_deadlines", stdout=out)
    assert "calendar.recompute_deadlines: 1" in out.getvalue()
    notice.refresh_from_db()
    assert notice.due_on == D(2027, 1, 5)
    again = StringIO()
    call_command("daily", "--on", "2026-12-29", "--only", "calendar.recompute_deadlines", stdout=again)
    assert "calendar.recompute_deadlines: 0" in again.getvalue()


def test_a_deadline_set_again_since_is_left_alone(late_december, county, schedule):
    notice = _notice(county)
    type(notice).objects.filter(pk=notice.pk).update(due_on=D(2027, 1, 20))  # a later change
    actions.calendar_import(actor=None, path=schedule)
    notice.refresh_from_db()
    assert notice.due_on == D(2027, 1, 20)
    assert ProvisionalDeadline.objects.get().status == "superseded"
    assert not AuditEvent.objects.filter(event_type="calendar.deadline_recomputed").exists()


def test_import_names_every_bad_row_and_writes_nothing(tmp_path, english):
    path = tmp_path / "bad.csv"
    path.write_text(
        "date,kind,name\n"
        "2027-01-01,休,元旦\n"
        "2027-13-01,休,元旦\n"  # row 3: no such date
        "2027-01-02,放羊,元旦\n"  # row 4: unknown kind
        "2027-01-04,班,元旦\n"  # row 5: a make-up working day on a Monday
        "2027-01-03,休,元旦\n"  # row 6: a holiday on a Sunday is fine
        "2026-12-31,休,元旦\n"  # row 7: not in 2027
        "2027-01-01,休,元旦\n",  # row 8: listed twice
        encoding="utf-8",
    )
    audits = AuditEvent.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        actions.calendar_import(actor=None, path=path, year=2027)
    bad = {(e.row, e.field) for e in exc.value.errors}
    assert bad == {(3, "date"), (4, "kind"), (5, "kind"), (7, "date"), (8, "date")}
    assert "Saturday or Sunday" in next(e.message for e in exc.value.errors if e.row == 5)
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert AuditEvent.objects.count() == audits
    # The command: every bad row on stderr, exit code 2.
    err = StringIO()
    with pytest.raises(CommandError) as cmd:
        call_command("import_calendar", str(path), "--year", "2027", stdout=StringIO(), stderr=err)
    assert cmd.value.returncode == 2
    assert "row 3, date" in err.getvalue() and "row 5, kind" in err.getvalue()
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_missing_columns_and_a_whole_year_replaced(tmp_path, schedule):
    path = tmp_path / "cols.csv"
    path.write_text("日期,名称\n2027-01-01,元旦\n", encoding="utf-8")
    with pytest.raises(ValidationFailed) as exc:
        actions.calendar_import(actor=None, path=path)
    assert exc.value.code == "missing_columns"
    actions.calendar_import(actor=None, path=schedule)
    assert CalendarDay.objects.filter(year_id=2027).count() == 13
    smaller = tmp_path / "2027.csv"
    smaller.write_text("日期,类型,名称\n2027/1/1,休,元旦\n2027年2月20日,班,春节\n", encoding="utf-8")
    actions.calendar_import(actor=None, path=smaller)
    assert list(CalendarDay.objects.filter(year_id=2027).values_list("date", "kind")) == [
        (D(2027, 1, 1), "holiday"),
        (D(2027, 2, 20), "workday"),
    ]
    assert workdays.is_working_day(D(2027, 1, 31)) is False  # the Sunday is no longer listed


# --- load-calendar ---------------------------------------------------------------------------------


def test_load_calendar_is_idempotent_and_keeps_years_edited_here(province):
    audits = AuditEvent.objects.count()
    out = StringIO()
    call_command("load_calendar", stdout=out)
    assert "loaded: none" in out.getvalue() and "changed: none" in out.getvalue()
    assert "unchanged: 23 years" in out.getvalue()
    assert AuditEvent.objects.count() == audits
    actions.calendar_day_set(actor=province, date=D(2026, 10, 12), kind="休", name="国庆节")
    out = StringIO()
    call_command("load_calendar", stdout=out)
    assert "kept (imported or edited here" in out.getvalue() and "2026" in out.getvalue()
    assert not workdays.is_working_day(D(2026, 10, 12))
    out = StringIO()
    call_command("load_calendar", "--replace", stdout=out)
    assert "changed: 2026" in out.getvalue()
    assert workdays.is_working_day(D(2026, 10, 12))
    assert CalendarYear.objects.get(year=2026).source == "package"
    assert AuditEvent.objects.filter(event_type="calendar.loaded").count() == 1


# --- edits: actions, the page, the API, permissions ------------------------------------------------


def test_edits_are_seen_at_once_and_refused_when_wrong(province):
    monday = D(2026, 10, 12)
    assert workdays.is_working_day(monday)
    actions.calendar_day_set(actor=province, date=monday, kind="holiday", name="调整")
    assert not workdays.is_working_day(monday) and workdays.holiday_name(monday) == "调整"
    assert CalendarYear.objects.get(year=2026).source == "manual"
    actions.calendar_day_remove(actor=province, date=monday)
    assert workdays.is_working_day(monday)
    with pytest.raises(ValidationFailed) as exc:
        actions.calendar_day_set(actor=province, date=monday, kind="workday")
    assert exc.value.field == "kind"
    with pytest.raises(InvalidState) as unknown:
        actions.calendar_day_set(actor=province, date=D(2030, 1, 1), kind="holiday")
    assert unknown.value.code == "calendar_year_unknown"
    with pytest.raises(ValidationFailed):
        actions.calendar_day_remove(actor=province, date=D(2026, 10, 13))  # not listed


def test_an_edit_through_the_page_is_audited(client, province):
    client.force_login(province)
    assert client.get(reverse("calendar:year", kwargs={"calendar_year": 2026})).status_code == 200
    response = client.post(
        reverse("calendar:day-set"), {"date": "2026-10-17", "kind": "workday", "name": "测试调休"}
    )
    assert response.status_code == 302
    assert workdays.is_working_day(D(2026, 10, 17))  # a Saturday worked
    event = AuditEvent.objects.get(event_type="calendar.day_set")
    assert event.actor == province and event.old_values is None
    assert event.new_values == {"date": "2026-10-17", "kind": "workday", "name": "测试调休"}
    page = client.get(reverse("calendar:year", kwargs={"calendar_year": 2026})).content.decode()
    assert "测试调休" in page
    # A make-up working day on a weekday: the form says why, nothing is written.
    response = client.post(reverse("calendar:day-set"), {"date": "2026-10-13", "kind": "workday"})
    assert response.status_code == 200 and not CalendarDay.objects.filter(date=D(2026, 10, 13)).exists()
    client.post(reverse("calendar:day-remove"), {"date": "2026-10-17"})
    assert not workdays.is_working_day(D(2026, 10, 17))
    removed = AuditEvent.objects.get(event_type="calendar.day_removed")
    assert removed.old_values["date"] == "2026-10-17"


def test_the_page_import_lists_bad_rows(client, province, schedule):
    client.force_login(province)
    bad = SimpleUploadedFile("bad.csv", "date,kind,name\n2027-01-04,班,元旦\n".encode())
    response = client.post(reverse("calendar:import"), {"file": bad})
    assert response.status_code == 200 and 'data-testid="import-errors"' in response.content.decode()
    assert not CalendarYear.objects.filter(year=2027).exists()
    good = SimpleUploadedFile("2027.csv", schedule.read_bytes())
    response = client.post(reverse("calendar:import"), {"file": good, "year": "2027"})
    assert response.status_code == 302
    assert CalendarYear.objects.get(year=2027).source == "import"
    assert CalendarYear.objects.get(year=2027).loaded_by == province


def test_an_edit_through_the_api_is_audited(client, province, schedule):
    client.force_login(province)
    years = client.get("/api/v1/calendar/years/").json()
    assert years[0]["year"] == 2026 and years[0]["holidays"] > 20
    detail = client.get("/api/v1/calendar/years/2026/").json()
    assert {"date": "2026-10-10", "year": 2026, "kind": "workday", "name": "国庆节"} in detail["days"]
    response = client.post(
        "/api/v1/calendar/days/",
        {"date": "2026-10-12", "kind": "holiday", "name": "测试"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert not workdays.is_working_day(D(2026, 10, 12))
    assert AuditEvent.objects.filter(event_type="calendar.day_set", actor=province).count() == 1
    response = client.post(
        "/api/v1/calendar/days/", {"date": "2026-10-13", "kind": "workday"}, content_type="application/json"
    )
    # A make-up working day on a weekday: well-formed, refused by the calendar's rule (422).
    assert response.status_code == 422 and response.json()["error"]["field"] == "kind"
    response = client.post(
        "/api/v1/calendar/days/remove/", {"date": "2026-10-12"}, content_type="application/json"
    )
    assert response.status_code == 204
    assert AuditEvent.objects.filter(event_type="calendar.day_removed", actor=province).count() == 1
    days = client.get("/api/v1/calendar/days/?year=2026").json()
    assert all(d["year"] == 2026 for d in days) and D(2026, 10, 12).isoformat() not in {
        d["date"] for d in days
    }
    with schedule.open("rb") as fh:
        response = client.post("/api/v1/calendar/days/import/", {"file": fh, "year": "2027"})
    assert response.status_code == 200, response.content
    assert response.json() == {"years": [2027], "holidays": 11, "workdays": 2, "recomputed": 0}


def test_unauthorised_users_are_refused_and_nothing_changes(client, county, make_user, schedule):
    def changes():
        return CalendarDay.objects.count(), AuditEvent.objects.exclude(event_type__startswith="auth.").count()

    before = changes()
    with pytest.raises(PermissionDenied):
        actions.calendar_day_set(actor=county, date=D(2026, 10, 12), kind="holiday")
    with pytest.raises(PermissionDenied):
        actions.calendar_import(actor=county, path=schedule)
    client.force_login(county)  # may view the calendar, not change it
    assert client.get(reverse("calendar:index")).status_code == 200
    assert (
        client.post(reverse("calendar:day-set"), {"date": "2026-10-12", "kind": "holiday"}).status_code == 403
    )
    assert client.get(reverse("calendar:import")).status_code == 403
    response = client.post(
        "/api/v1/calendar/days/", {"date": "2026-10-12", "kind": "holiday"}, content_type="application/json"
    )
    assert response.status_code == 403
    client.force_login(make_user("township_worker", "370502001"))
    assert client.get(reverse("calendar:index")).status_code == 403
    assert client.get("/api/v1/calendar/years/").status_code == 403
    assert changes() == before
    assert workdays.is_working_day(D(2026, 10, 12))


def test_provisional_deadlines_are_scoped_to_the_region(late_december, county, make_user, client):
    notice = _notice(county)
    client.force_login(make_user("county_admin", "370602"))
    assert notice.number not in client.get(reverse("calendar:index")).content.decode()
    assert client.get("/api/v1/calendar/deadlines/").json()["results"] == []
    client.force_login(county)
    assert notice.number in client.get(reverse("calendar:index")).content.decode()


def test_a_workbook_with_date_cells_imports(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["2027年部分节假日安排"])  # a title line above the header
    sheet.append(["日期", "类型", "名称"])
    sheet.append([dt.datetime(2027, 1, 1), "休", "元旦"])
    sheet.append(["2027-01-31", "班", "春节"])
    path = tmp_path / "2027.xlsx"
    book.save(path)
    result = actions.calendar_import(actor=None, path=path, year=2027)
    assert (result.years, result.holidays, result.workdays) == ([2027], 1, 1)
    assert workdays.is_public_holiday(D(2027, 1, 1)) and workdays.is_working_day(D(2027, 1, 31))


def test_deadlines_of_bulk_created_rows_are_recorded_at_once(regions):
    from canlian.domains.petitions.models import Petition, deadline_days

    received = [D(2026, 12, 1), ISSUED]
    rows = Petition.objects.bulk_create(
        [
            Petition(
                received_on=day,
                region_code="370502001",
                visitor_name="批量",
                issue="演示",
                category="subsidy",
                deadline=workdays.add_working_days(day, deadline_days("subsidy")),
            )
            for day in received
        ]
    )
    items = [(p, p.received_on, deadline_days(p.category), None) for p in rows]
    assert workdays.deadlines_record(items, field_name="deadline") == 1  # only the one into 2027
    assert ProvisionalDeadline.objects.get().target_id == rows[1].pk
