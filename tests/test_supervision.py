"""Supervision of designated institutions: checklists and scores, ratings, rectification notices with
working-day deadlines, responses, re-inspection, escalation, the overdue command, pages and API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from supervision_world import institution, scores

from canlian.core.audit.models import AuditEvent
from canlian.core.institutions.models import Institution, InstitutionStatusChange
from canlian.domains.supervision import actions
from canlian.domains.supervision.choices import rating_band
from canlian.domains.supervision.models import (
    ChecklistTemplate,
    Inspection,
    InspectionItem,
    InspectionPlan,
    RectificationNotice,
)
from canlian.domains.supervision.selectors import institutions_by_rating, notices_overdue
from canlian.platform.errors import InvalidState, NotFound, PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db

ISSUED = dt.date(2026, 9, 28)


@pytest.fixture
def admin(make_user):
    return make_user("county_admin", "370502", username="sup_admin")


@pytest.fixture
def inst(regions):
    return institution("370502", name="阳光康复中心")


@pytest.fixture
def other_inst(regions):
    return institution("370502", name="星星康复中心")


def record(admin, inst, lost=None, on=dt.date(2026, 9, 25), **extra):
    return actions.inspection_record(
        actor=admin,
        institution_id=inst.pk,
        inspected_on=on,
        items=scores(lost or {}),
        inspectors="检查员甲",
        **extra,
    )


def issue(admin, inspection, days=5, on=ISSUED, problems="1. 考勤记录与实际不符\n2. 消防通道堆放杂物"):
    return actions.notice_issue(
        actor=admin, inspection_id=inspection.pk, problems=problems, working_days=days, issued_on=on
    )


# --- checklist and scoring -------------------------------------------------------------------------


def test_the_seeded_checklist_totals_100():
    template = ChecklistTemplate.objects.get(code="rehab-institution-2026")
    assert template.items.count() == 12
    assert template.total_max == Decimal("100")
    texts = " ".join(template.items.values_list("text", flat=True))
    for needle in ("无证不上岗", "一人一档", "考勤", "消防", "收费", "协议"):
        assert needle in texts


def test_scored_inspection_totals_the_items_and_updates_the_rating(admin, inst):
    inspection = record(admin, inst, {2: 6, 5: "4.5", 8: 3})
    assert inspection.score == Decimal("86.5")
    assert inspection.band == "B"
    assert inspection.items.count() == 12
    assert inspection.region_code == "370502"
    inst.refresh_from_db()
    assert inst.rating_score == Decimal("86.5") and inst.rated_on == dt.date(2026, 9, 25)
    assert AuditEvent.objects.filter(
        event_type="supervision.inspection_recorded", object_id=str(inspection.pk)
    ).exists()
    # An older inspection recorded later does not override the newer rating.
    record(admin, inst, {1: 10, 2: 12, 3: 6}, on=dt.date(2026, 3, 1))
    inst.refresh_from_db()
    assert inst.rating_score == Decimal("86.5")
    # A newer one does.
    record(admin, inst, on=dt.date(2026, 10, 20))
    inst.refresh_from_db()
    assert inst.rating_score == Decimal("100.0") and inst.rated_on == dt.date(2026, 10, 20)


def test_rating_bands():
    assert [rating_band(v) for v in (100, 90, Decimal("89.9"), 75, 60, Decimal("59.5"), 0, None)] == [
        "A",
        "A",
        "B",
        "B",
        "C",
        "D",
        "D",
        "",
    ]


def test_bad_scores_name_the_item_and_write_nothing(admin, inst):
    items = scores()
    items[2]["score"] = Decimal("7")  # item 3 has 6 points at most
    del items[5]  # item 6 not scored
    with pytest.raises(ValidationFailed) as exc:
        actions.inspection_record(
            actor=admin,
            institution_id=inst.pk,
            inspected_on=dt.date(2026, 9, 25),
            items=items,
            inspectors="甲",
        )
    rows = {(e.row, e.field) for e in exc.value.errors}
    assert rows == {(3, "score"), (6, "score")}
    assert "0至6" in exc.value.errors[0].message
    assert not Inspection.objects.exists() and not InspectionItem.objects.exists()
    inst.refresh_from_db()
    assert inst.rating_score is None
    with pytest.raises(ValidationFailed) as exc:
        actions.inspection_record(
            actor=admin,
            institution_id=inst.pk,
            inspected_on=dt.date(2026, 9, 25),
            items=scores(),
            inspectors="",
        )
    assert exc.value.field == "inspectors"
    items = scores()
    items[7]["photo"] = SimpleUploadedFile("report.exe", b"MZ")
    with pytest.raises(ValidationFailed) as exc:
        actions.inspection_record(
            actor=admin,
            institution_id=inst.pk,
            inspected_on=dt.date(2026, 9, 25),
            items=items,
            inspectors="甲",
        )
    assert [(e.row, e.field) for e in exc.value.errors] == [(8, "photo")]
    assert not Inspection.objects.exists()


def test_only_inspectors_of_the_region_record(make_user, inst):
    outsider = make_user("county_admin", "3706")
    with pytest.raises(NotFound):
        record(outsider, inst)
    staff = make_user("institution_staff", "370502", institution=inst)
    with pytest.raises(PermissionDenied):
        record(staff, inst)


def test_plan_is_done_when_its_institutions_are_inspected(admin, inst, other_inst, make_user):
    plan = actions.plan_create(
        actor=admin,
        title="2026年第三季度飞行检查",
        year=2026,
        quarter=3,
        region_code="370502",
        kind="unannounced",
        institution_ids=[inst.pk, other_inst.pk],
    )
    first = record(admin, inst, plan_id=plan.pk)
    assert first.unannounced is True
    plan.refresh_from_db()
    assert plan.status == "planned"
    record(admin, other_inst, plan_id=plan.pk)
    plan.refresh_from_db()
    assert plan.status == "done"
    far = institution("370602", name="烟台机构")
    with pytest.raises(ValidationFailed) as exc:
        actions.plan_create(actor=admin, title="x", year=2026, region_code="370502", institution_ids=[far.pk])
    assert exc.value.field == "institutions"
    # An institution's staff never see plans (an unannounced inspection is not announced).
    staff = make_user("institution_staff", "370502", institution=inst)
    assert not InspectionPlan.objects.for_user(staff, "view").exists()
    assert InspectionPlan.objects.for_user(admin, "view").count() == 1


# --- notices -------------------------------------------------------------------------------------


def test_notice_deadline_counts_working_days_over_national_day(admin, inst):
    notice = issue(admin, record(admin, inst, {5: 4}), days=5)
    # 2026 official schedule: National Day holiday 1–7 October, make-up working day Saturday 10
    # October. From Monday 28 September: 29 Sep (1), 30 Sep (2), 8 Oct (3), 9 Oct (4), 10 Oct (5).
    assert notice.due_on == dt.date(2026, 10, 10)
    assert notice.number == "DYZG-2026-001"
    assert notice.region_code == "370502" and notice.status == "open"
    second = issue(admin, record(admin, inst, {5: 4}), days=3, on=dt.date(2026, 9, 30))
    # 30 Sep → 8 Oct (1), 9 Oct (2), 10 Oct (3).
    assert second.number == "DYZG-2026-002" and second.due_on == dt.date(2026, 10, 10)
    assert list(notice.events.values_list("kind", flat=True)) == ["issued"]


def test_notice_input_is_checked(admin, inst):
    inspection = record(admin, inst)
    with pytest.raises(ValidationFailed) as exc:
        issue(admin, inspection, days=0)
    assert exc.value.field == "working_days"
    with pytest.raises(ValidationFailed) as exc:
        issue(admin, inspection, problems="  ")
    assert exc.value.field == "problems"
    with pytest.raises(ValidationFailed) as exc:
        issue(admin, inspection, on=dt.date(2026, 9, 1))
    assert exc.value.field == "issued_on"
    assert not RectificationNotice.objects.exists()


def test_only_the_institutions_own_staff_respond(admin, inst, other_inst, make_user, client):
    notice = issue(admin, record(admin, inst, {5: 4}))
    own = make_user("institution_staff", "370502", institution=inst)
    stranger = make_user("institution_staff", "370502", institution=other_inst)
    with pytest.raises(NotFound):
        actions.notice_respond(actor=stranger, notice_id=notice.pk, response="已整改")
    with pytest.raises(PermissionDenied):
        actions.notice_respond(actor=admin, notice_id=notice.pk, response="已整改")
    client.force_login(stranger)
    url = reverse("supervision:notice-respond", kwargs={"notice_id": notice.pk})
    assert client.post(url, {"response": "已整改"}).status_code == 404
    assert (
        client.get(reverse("supervision:notice-detail", kwargs={"notice_id": notice.pk})).status_code == 404
    )
    notice.refresh_from_db()
    assert notice.status == "open" and notice.response == ""
    client.force_login(own)
    page = client.get(reverse("supervision:notice-detail", kwargs={"notice_id": notice.pk}))
    assert page.status_code == 200 and b'data-testid="respond-form"' in page.content
    response = client.post(url, {"response": "已补全考勤记录，清理消防通道", "on": "2026-10-09"})
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.status == "responded" and notice.responded_on == dt.date(2026, 10, 9)
    # Staff see their own institution's notices and inspections only.
    issue(admin, record(admin, other_inst, {5: 4}))
    client.force_login(own)
    listing = client.get(reverse("supervision:notice-list") + "?state=all")
    assert notice.number.encode() in listing.content and b"DYZG-2026-002" not in listing.content


def test_reinspection_failed_stays_open_passed_closes(admin, inst):
    notice = issue(admin, record(admin, inst, {5: 4}))
    with pytest.raises(ValidationFailed):
        actions.notice_reinspect(actor=admin, notice_id=notice.pk, passed=False, on=dt.date(2026, 10, 9))
    notice = actions.notice_reinspect(
        actor=admin, notice_id=notice.pk, passed=False, note="签到表仍缺两天", on=dt.date(2026, 10, 9)
    )
    assert notice.status == "open" and notice.reinspection_passed is False
    notice = actions.notice_reinspect(actor=admin, notice_id=notice.pk, passed=True, on=dt.date(2026, 10, 12))
    assert notice.status == "closed" and notice.closed_on == dt.date(2026, 10, 12)
    assert list(notice.events.values_list("kind", flat=True)) == [
        "issued",
        "reinspected_failed",
        "reinspected_passed",
        "closed",
    ]
    assert not notices_overdue(user=admin, on=dt.date(2026, 11, 1)).exists()
    with pytest.raises(InvalidState):
        actions.notice_escalate(actor=admin, notice_id=notice.pk, on=dt.date(2026, 11, 1))


def test_overdue_escalates_warning_suspension_removal(admin, inst):
    notice = issue(admin, record(admin, inst, {5: 4}))
    assert not notices_overdue(user=admin, on=dt.date(2026, 10, 10)).exists()
    assert list(notices_overdue(user=admin, on=dt.date(2026, 10, 12))) == [notice]

    notice = actions.notice_escalate(actor=admin, notice_id=notice.pk, on=dt.date(2026, 10, 12))
    inst.refresh_from_db()
    assert inst.status == "warned" and notice.escalated_to == "warned" and notice.status == "escalated"
    # A fresh period of 5 working days: 13, 14, 15, 16, 19 October.
    assert notice.due_on == dt.date(2026, 10, 19)
    assert not notices_overdue(user=admin, on=dt.date(2026, 10, 19)).exists()

    notice = actions.notice_escalate(actor=admin, notice_id=notice.pk, on=dt.date(2026, 10, 20))
    inst.refresh_from_db()
    assert inst.status == "suspended"
    notice = actions.notice_escalate(actor=admin, notice_id=notice.pk, on=dt.date(2026, 10, 28))
    inst.refresh_from_db()
    assert inst.status == "removed" and notice.escalated_to == "removed"
    history = list(
        InstitutionStatusChange.objects.filter(institution=inst)
        .order_by("on", "id")
        .values_list("from_status", "to_status", "on", "source")
    )
    source = f"notice:{notice.pk}"
    assert history == [
        ("active", "warned", dt.date(2026, 10, 12), source),
        ("warned", "suspended", dt.date(2026, 10, 20), source),
        ("suspended", "removed", dt.date(2026, 10, 28), source),
    ]
    with pytest.raises(InvalidState):
        actions.notice_escalate(actor=admin, notice_id=notice.pk, on=dt.date(2026, 11, 2))
    assert [e.to_status for e in notice.events.filter(kind="escalated").order_by("on")] == [
        "warned",
        "suspended",
        "removed",
    ]


def test_overdue_command_lists_and_escalates_once(admin, inst, other_inst):
    late = issue(admin, record(admin, inst, {5: 4}))
    done = issue(admin, record(admin, other_inst, {5: 4}))
    actions.notice_close(actor=admin, notice_id=done.pk, on=dt.date(2026, 10, 9))
    out = StringIO()
    call_command("notices_overdue", "--on", "2026-10-12", stdout=out)
    text = out.getvalue()
    assert late.number in text and done.number not in text and "1 overdue" in text
    inst.refresh_from_db()
    assert inst.status == "active"
    out = StringIO()
    call_command("notices_overdue", "--on", "2026-10-12", "--escalate", stdout=out)
    assert "1 escalated" in out.getvalue()
    out = StringIO()
    call_command("notices_overdue", "--on", "2026-10-12", "--escalate", stdout=out)
    assert "0 escalated" in out.getvalue() and "0 overdue" in out.getvalue()
    inst.refresh_from_db()
    assert inst.status == "warned"
    assert InstitutionStatusChange.objects.filter(institution=inst).count() == 1
    # The next overdue period escalates once more.
    call_command("notices_overdue", "--on", "2026-10-20", "--escalate", stdout=StringIO())
    call_command("notices_overdue", "--on", "2026-10-20", "--escalate", stdout=StringIO())
    inst.refresh_from_db()
    assert inst.status == "suspended"
    assert InstitutionStatusChange.objects.filter(institution=inst).count() == 2


# --- pages -----------------------------------------------------------------------------------------


def test_printable_notice_shows_number_and_deadline(admin, inst, client):
    notice = issue(admin, record(admin, inst, {5: 4}))
    client.force_login(admin)
    page = client.get(reverse("supervision:notice-print", kwargs={"notice_id": notice.pk}))
    body = page.content.decode()
    assert page.status_code == 200
    assert "DYZG-2026-001" in body and "2026-10-10" in body
    assert "阳光康复中心" in body and "东营区" in body and "消防通道堆放杂物" in body
    assert "@media print" in body and "http://" not in body and "https://" not in body


def test_recording_an_inspection_on_the_page(admin, inst, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(admin)
    url = reverse("supervision:inspection-create")
    page = client.get(url + f"?institution={inst.pk}")
    assert page.status_code == 200 and b'data-testid="checklist"' in page.content
    template = actions.default_template()
    data = {
        "institution": inst.pk,
        "inspected_on": "2026-09-25",
        "inspectors": "检查员甲",
        "summary": "总体良好",
    }
    for item in template.items.all():
        data[f"score_{item.pk}"] = str(item.max_score - (3 if item.number == 8 else 0))
        data[f"finding_{item.pk}"] = "灭火器过期" if item.number == 8 else ""
    eighth = template.items.get(number=8)
    data[f"photo_{eighth.pk}"] = SimpleUploadedFile("fire.jpg", b"\xff\xd8\xff fire")
    bad = dict(data, **{f"score_{eighth.pk}": "11"})
    bad.pop(f"photo_{eighth.pk}")
    response = client.post(url, bad)
    assert response.status_code == 400 and "0至10" in response.content.decode()
    assert not Inspection.objects.exists()
    response = client.post(url, data)
    assert response.status_code == 302
    inspection = Inspection.objects.get()
    assert inspection.score == Decimal("97.0")
    item = inspection.items.get(checklist_item__number=8)
    assert item.finding == "灭火器过期" and item.photo
    detail = client.get(reverse("supervision:inspection-detail", kwargs={"inspection_id": inspection.pk}))
    assert detail.status_code == 200 and "灭火器过期" in detail.content.decode()
    photo = client.get(reverse("supervision:inspection-photo", kwargs={"inspection_item_id": item.pk}))
    assert photo.status_code == 200
    response = client.post(
        reverse("supervision:notice-issue", kwargs={"inspection_id": inspection.pk}),
        {"problems": "灭火器过期", "working_days": "5", "issued_on": "2026-09-28"},
    )
    notice = RectificationNotice.objects.get()
    assert response.status_code == 302 and notice.due_on == dt.date(2026, 10, 10)
    detail = client.get(reverse("supervision:notice-detail", kwargs={"notice_id": notice.pk}))
    assert (
        b'data-testid="notice-timeline"' in detail.content
        and b'data-testid="escalate-form"' in detail.content
    )
    response = client.post(
        reverse("supervision:notice-escalate", kwargs={"notice_id": notice.pk}), {"on": "2026-10-12"}
    )
    assert response.status_code == 302
    inst.refresh_from_db()
    assert inst.status == "warned"


def test_lists_and_ratings(admin, inst, other_inst, client):
    issue(admin, record(admin, inst, {5: 4, 8: 10, 2: 12}))  # 74: C
    record(admin, other_inst, {5: 2})  # 98: A
    client.force_login(admin)
    for name in ("plan-list", "inspection-list", "notice-list", "rating-list", "plan-create"):
        assert client.get(reverse(f"supervision:{name}")).status_code == 200, name
    overdue = client.get(reverse("supervision:notice-list") + "?state=overdue")
    assert b"DYZG-2026-001" in overdue.content
    closed = client.get(reverse("supervision:notice-list") + "?state=closed")
    assert b"DYZG-2026-001" not in closed.content
    rows = institutions_by_rating(user=admin)
    assert [(r.name, r.band, r.open_notices) for r in rows] == [
        ("星星康复中心", "A", 0),
        ("阳光康复中心", "C", 1),
    ]
    page = client.get(reverse("supervision:rating-list") + "?band=C")
    assert "阳光康复中心" in page.content.decode() and "星星康复中心" not in page.content.decode()


# --- API -------------------------------------------------------------------------------------------


def test_api_records_issues_responds_and_reinspects(admin, inst, make_user, client):
    client.force_login(admin)
    checklist = client.get("/api/v1/supervision/checklists/").json()
    items = [{"item": i["id"], "score": i["max_score"]} for i in checklist[0]["items"]]
    items[4]["score"] = "8.0"
    response = client.post(
        "/api/v1/supervision/inspections/",
        {"institution": inst.pk, "inspected_on": "2026-09-25", "inspectors": "甲", "items": items},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["score"] == "96.0" and body["band"] == "A" and len(body["items"]) == 12
    response = client.post(
        "/api/v1/supervision/notices/",
        {"inspection": body["id"], "problems": "考勤不实", "working_days": 5, "issued_on": "2026-09-28"},
        content_type="application/json",
    )
    assert response.status_code == 201
    notice = response.json()
    assert notice["due_on"] == "2026-10-10" and notice["number"] == "DYZG-2026-001"
    respond = f"/api/v1/supervision/notices/{notice['id']}/respond/"
    assert client.post(respond, {"response": "x"}, content_type="application/json").status_code == 403
    stranger = make_user("institution_staff", "370502", institution=institution("370502"))
    client.force_login(stranger)
    assert client.post(respond, {"response": "x"}, content_type="application/json").status_code == 404
    client.force_login(make_user("institution_staff", "370502", institution=inst))
    response = client.post(
        respond, {"response": "已整改", "on": "2026-10-09"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["status"] == "responded"
    assert client.get("/api/v1/supervision/plans/").json()["results"] == []
    client.force_login(admin)
    overdue = client.get("/api/v1/supervision/notices/?state=overdue").json()["results"]
    assert [n["number"] for n in overdue] == ["DYZG-2026-001"]
    response = client.post(
        f"/api/v1/supervision/notices/{notice['id']}/reinspect/",
        {"passed": True, "on": "2026-10-12"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["status"] == "closed"
    detail = client.get(f"/api/v1/supervision/notices/{notice['id']}/").json()
    assert [e["kind"] for e in detail["events"]] == ["issued", "responded", "reinspected_passed", "closed"]
    ratings = client.get("/api/v1/supervision/ratings/").json()
    assert ratings[0]["band"] == "A" and ratings[0]["rating_score"] == "96.0"
    assert Institution.objects.get(pk=inst.pk).rating_score == Decimal("96.0")


def test_escalating_overdue_skips_an_institution_removed_in_the_same_run(admin, regions):
    inst = institution("370502", status="suspended")
    first = issue(admin, record(admin, inst, {5: 4}))
    second = issue(admin, record(admin, inst, {8: 4}))
    done = actions.escalate_overdue(actor=admin, on=dt.date(2026, 10, 12))
    assert [n.pk for n in done] == [first.pk]
    inst.refresh_from_db()
    assert inst.status == "removed"
    second.refresh_from_db()
    assert second.status == "open" and second.is_overdue(dt.date(2026, 10, 12))
    assert actions.escalate_overdue(actor=admin, on=dt.date(2026, 10, 12)) == []
