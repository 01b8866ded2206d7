"""Applications and their review chain: working days, the actions by the right roles, the pages,
the API and the person page's timeline."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from registry_factories import registered

from canlian.core.audit.models import AuditEvent
from canlian.core.registry.selectors import person_timeline
from canlian.platform.errors import Conflict, InvalidState, NotFound, PermissionDenied, ValidationFailed
from canlian.programs import enrollments as actions
from canlian.programs import workdays
from canlian.programs.enrollments import selectors
from canlian.programs.models import Enrollment, EnrollmentStep, PaymentCycle, PaymentLine

D = dt.date
NURSING = "nursing-subsidy"


# --- working days ----------------------------------------------------------------------------------


def test_working_days_over_national_day_with_make_up_days(db):  # the calendar is a table
    # 2026: 1–7 October off; Sunday 20 September and Saturday 10 October are working days.
    assert workdays.add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert workdays.add_working_days(D(2026, 10, 8), 4) == D(2026, 10, 13)  # 8, 9, 10 (Sat), 12, 13
    assert workdays.add_working_days(D(2026, 9, 18), 1) == D(2026, 9, 20)  # a make-up Sunday
    assert workdays.add_working_days(D(2026, 10, 8), -1) == D(2026, 9, 30)
    assert workdays.add_working_days(D(2026, 10, 3), 0) == D(2026, 10, 3)
    assert workdays.working_days_between(D(2026, 9, 30), D(2026, 10, 13)) == 5
    assert workdays.working_days_between(D(2026, 10, 13), D(2026, 9, 30)) == -5
    assert not workdays.is_working_day(D(2026, 10, 1))
    assert workdays.is_working_day(D(2026, 10, 10))


def test_unknown_year_is_an_error_when_strict_and_monday_to_friday_otherwise(db, caplog):
    _first, last = workdays.known_years()
    year = last + 5
    day = D(year, 1, 1)
    with pytest.raises(workdays.CalendarUnknown) as exc:
        workdays.is_working_day(day, strict=True)
    assert exc.value.code == "calendar_unknown" and str(year) in exc.value.message
    workdays._warned.discard(year)
    with caplog.at_level(logging.WARNING, logger="canlian.programs.workdays"):
        friday = next(D(year, 1, d) for d in range(1, 8) if D(year, 1, d).weekday() == 4)
        assert workdays.add_working_days(friday, 1) == friday + dt.timedelta(days=3)
    assert any(str(year) in r.getMessage() for r in caplog.records)


# --- fixtures --------------------------------------------------------------------------------------


@pytest.fixture
def team(make_user):
    return {
        "township": make_user("township_worker", "370502001", username="wenhui_worker"),
        "county": make_user("county_admin", "370502", username="dyq_federation"),
        "civil": make_user("civil_affairs_reviewer", "370502", username="dyq_civil"),
        "other_township": make_user("township_worker", "370602001", username="xiangyang_worker"),
        "other_county": make_user("county_admin", "3706", username="yantai_admin"),
        "other_civil": make_user("civil_affairs_reviewer", "3706", username="yantai_civil"),
        "leader": make_user("leader", "370502", username="dyq_leader"),
    }


@pytest.fixture
def person(regions):
    return registered(name="李护理", region_code="370502001001", category=4, grade=1)


SEPT_1 = D(2026, 9, 1)


def apply(actor, person, applied_on=SEPT_1, **extra):
    kwargs = {
        "program_code": NURSING,
        "applicant_kind": "relative",
        "applicant_name": "李父",
        "needs_long_term_care": True,
        "work_injury_nursing": False,
        "bank_name": "农业银行",
        "bank_account": "6228 4800 1234 5678 901",
        "account_holder": "",
    }
    kwargs.update(extra)
    return actions.enrollment_apply(actor=actor, person_id=person.pk, applied_on=applied_on, **kwargs)


def to_notice(team, enrollment):
    actions.enrollment_first_check(actor=team["township"], enrollment_id=enrollment.pk, on=D(2026, 9, 3))
    actions.enrollment_review(actor=team["county"], enrollment_id=enrollment.pk, on=D(2026, 9, 10))
    return actions.enrollment_decide(actor=team["civil"], enrollment_id=enrollment.pk, on=D(2026, 9, 30))


def to_active(team, enrollment):
    to_notice(team, enrollment)
    return actions.enrollment_notice_end(actor=team["civil"], enrollment_id=enrollment.pk, on=D(2026, 10, 14))


def state(enrollment):
    e = Enrollment.objects.get(pk=enrollment.pk)
    return (e.status, e.step_due_on, e.updated_at, e.steps.count(), AuditEvent.objects.count())


# --- the walk --------------------------------------------------------------------------------------


def test_full_walk_by_the_right_roles(team, person):
    e = apply(team["township"], person, comment="家属代为申请")
    assert e.status == "applied"
    assert e.application_month == D(2026, 9, 1)
    assert (e.grade, e.category, e.hardship_basis) == (1, 4, "")
    assert e.bank_account == "6228480012345678901" and e.account_holder == "李护理"
    assert e.step_due_on == D(2026, 9, 15)  # 10 working days after 1 September

    e = actions.enrollment_first_check(
        actor=team["township"], enrollment_id=e.pk, comment="材料齐全", on=D(2026, 9, 3)
    )
    assert (e.status, e.step_due_on) == ("first_checked", D(2026, 9, 17))
    e = actions.enrollment_review(actor=team["county"], enrollment_id=e.pk, on=D(2026, 9, 10))
    # 10 working days from 10 September count the make-up Sunday 20 September.
    assert (e.status, e.step_due_on) == ("reviewed", D(2026, 9, 23))
    e = actions.enrollment_decide(actor=team["civil"], enrollment_id=e.pk, on=D(2026, 9, 30))
    assert e.status == "notice" and e.decided_on == D(2026, 9, 30)
    # Five working days of notice over National Day: 8, 9, 10 (make-up Saturday), 12, 13 October.
    assert (e.notice_from, e.notice_until, e.step_due_on) == (
        D(2026, 10, 8),
        D(2026, 10, 13),
        D(2026, 10, 13),
    )

    assert actions.enrollments_activate_due(today=D(2026, 10, 13)) == 0
    assert Enrollment.objects.get(pk=e.pk).status == "notice"
    assert actions.enrollments_activate_due(today=D(2026, 10, 14)) == 1
    e.refresh_from_db()
    assert (e.status, e.activated_on, e.step_due_on) == ("active", D(2026, 10, 14), None)
    assert actions.enrollments_activate_due(today=D(2026, 10, 15)) == 0  # nothing twice

    steps = list(
        e.steps.order_by("created_at", "id").values_list("kind", "from_status", "to_status", "on", "due_on")
    )
    assert steps == [
        ("apply", "", "applied", D(2026, 9, 1), None),
        ("first_check", "applied", "first_checked", D(2026, 9, 3), D(2026, 9, 15)),
        ("review", "first_checked", "reviewed", D(2026, 9, 10), D(2026, 9, 17)),
        ("decide", "reviewed", "notice", D(2026, 9, 30), D(2026, 9, 23)),
        ("notice_end", "notice", "active", D(2026, 10, 14), D(2026, 10, 13)),
    ]
    events = list(
        AuditEvent.objects.filter(event_type__startswith="enrollment.")
        .order_by("id")
        .values_list("event_type", flat=True)
    )
    assert events == [
        "enrollment.applied",
        "enrollment.first_checked",
        "enrollment.reviewed",
        "enrollment.decided",
        "enrollment.activated_due",
    ]
    applied = AuditEvent.objects.get(event_type="enrollment.applied")
    assert "6228480012345678901" not in str(applied.new_values)  # the account is masked in the log


def test_activation_by_a_user_only_in_scope(team, person, regions):
    e = apply(team["township"], person)
    to_notice(team, e)
    assert actions.enrollments_activate_due(actor=team["other_civil"], today=D(2026, 10, 14)) == 0
    with pytest.raises(PermissionDenied):
        actions.enrollments_activate_due(actor=team["township"], today=D(2026, 10, 14))
    assert actions.enrollments_activate_due(actor=team["civil"], today=D(2026, 10, 14)) == 1
    step = EnrollmentStep.objects.get(enrollment=e, kind="notice_end")
    assert step.actor == team["civil"] and step.on == D(2026, 10, 14)


def test_notice_end_by_hand(team, person):
    e = apply(team["township"], person)
    to_notice(team, e)
    with pytest.raises(InvalidState) as exc:
        actions.enrollment_notice_end(actor=team["civil"], enrollment_id=e.pk, on=D(2026, 10, 13))
    assert exc.value.code == "notice_not_over"
    e = actions.enrollment_notice_end(actor=team["civil"], enrollment_id=e.pk, on=D(2026, 10, 14))
    assert (e.status, e.activated_on) == ("active", D(2026, 10, 14))


def test_wrong_role_is_refused_and_nothing_changes(team, person):
    e = apply(team["township"], person)
    before = state(e)
    for actor, run in (
        (team["county"], actions.enrollment_first_check),  # the county does not do the first check
        (team["civil"], actions.enrollment_first_check),
        (team["leader"], actions.enrollment_first_check),
        (team["township"], actions.enrollment_decide),
    ):
        with pytest.raises(PermissionDenied):
            run(actor=actor, enrollment_id=e.pk)
        assert state(e) == before
    actions.enrollment_first_check(actor=team["township"], enrollment_id=e.pk)
    before = state(e)
    for actor in (team["township"], team["civil"]):
        with pytest.raises(PermissionDenied):
            actions.enrollment_review(actor=actor, enrollment_id=e.pk)
    with pytest.raises(PermissionDenied):
        actions.enrollment_reject(actor=team["township"], enrollment_id=e.pk, reason="不符合")
    with pytest.raises(PermissionDenied):
        actions.enrollment_stop(
            actor=team["township"], enrollment_id=e.pk, reason="death", stopped_from=D(2026, 10, 1)
        )
    assert state(e) == before


def test_wrong_state_is_refused_with_the_current_status(team, person):
    e = apply(team["township"], person)
    before = state(e)
    with pytest.raises(InvalidState) as exc:
        actions.enrollment_decide(actor=team["civil"], enrollment_id=e.pk)
    assert exc.value.code == "invalid_state" and exc.value.details == {"status": "applied"}
    assert str(Enrollment.objects.get(pk=e.pk).get_status_display()) in exc.value.message
    with pytest.raises(InvalidState):
        actions.enrollment_review(actor=team["county"], enrollment_id=e.pk)
    with pytest.raises(InvalidState):
        actions.enrollment_object(actor=team["township"], enrollment_id=e.pk, comment="?")
    with pytest.raises(InvalidState):
        actions.enrollment_stop(
            actor=team["county"], enrollment_id=e.pk, reason="death", stopped_from=D(2026, 10, 1)
        )
    with pytest.raises(InvalidState):
        actions.enrollment_resume(actor=team["county"], enrollment_id=e.pk)
    assert state(e) == before


def test_review_needs_a_certificate_in_force(team, person):
    from canlian.core.registry.actions import certificate_cancel

    e = apply(team["township"], person)
    actions.enrollment_first_check(actor=team["township"], enrollment_id=e.pk)
    cert = person.certificates.get()
    certificate_cancel(actor=None, certificate_id=cert.pk, reason="other", on=D(2026, 9, 5), note="重新评定")
    with pytest.raises(InvalidState) as exc:
        actions.enrollment_review(actor=team["county"], enrollment_id=e.pk)
    assert exc.value.code == "no_certificate"
    assert Enrollment.objects.get(pk=e.pk).status == "first_checked"


def test_rejection_and_objection_reopen_the_rejecting_step(team, person):
    e = apply(team["township"], person)
    actions.enrollment_first_check(actor=team["township"], enrollment_id=e.pk, on=D(2026, 9, 3))
    with pytest.raises(ValidationFailed) as exc:  # a rejection needs a reason
        actions.enrollment_review(actor=team["county"], enrollment_id=e.pk, approve=False)
    assert exc.value.field == "comment"
    e = actions.enrollment_review(
        actor=team["county"], enrollment_id=e.pk, approve=False, comment="证件等级待核实", on=D(2026, 9, 8)
    )
    assert (e.status, e.rejected_reason, e.step_due_on) == ("rejected", "证件等级待核实", None)
    with pytest.raises(ValidationFailed):
        actions.enrollment_object(actor=team["township"], enrollment_id=e.pk, comment=" ")
    with pytest.raises(PermissionDenied):  # the objection is recorded where applications are
        actions.enrollment_object(actor=team["civil"], enrollment_id=e.pk, comment="已补充材料")
    e = actions.enrollment_object(
        actor=team["township"], enrollment_id=e.pk, comment="已补充材料", on=D(2026, 9, 9)
    )
    # Back to the certificate check that rejected it, with a new time limit.
    assert (e.status, e.rejected_reason, e.step_due_on) == ("first_checked", "", D(2026, 9, 22))
    e = actions.enrollment_review(actor=team["county"], enrollment_id=e.pk, on=D(2026, 9, 10))
    assert e.status == "reviewed"
    kinds = list(e.steps.order_by("created_at", "id").values_list("kind", "to_status"))
    assert kinds[2:] == [("review", "rejected"), ("object", "first_checked"), ("review", "reviewed")]


def test_reject_by_whoever_holds_the_current_step(team, person):
    e = apply(team["township"], person)
    with pytest.raises(PermissionDenied):
        actions.enrollment_reject(actor=team["county"], enrollment_id=e.pk, reason="不符合")
    e = actions.enrollment_reject(actor=team["township"], enrollment_id=e.pk, reason="非本辖区户籍")
    assert e.status == "rejected"
    assert e.steps.order_by("-id").first().kind == "first_check"
    with pytest.raises(InvalidState):
        actions.enrollment_reject(actor=team["township"], enrollment_id=e.pk, reason="again")
    e = actions.enrollment_object(actor=team["township"], enrollment_id=e.pk, comment="户籍已迁入")
    assert e.status == "applied"
    # During the notice, the decision-maker rejects; the objection brings it back to the notice.
    to_notice(team, e)
    e = actions.enrollment_reject(actor=team["civil"], enrollment_id=e.pk, reason="公示期有实名举报")
    assert e.status == "rejected"
    e = actions.enrollment_object(actor=team["township"], enrollment_id=e.pk, comment="举报不实")
    assert e.status == "notice"


def test_a_second_open_application_is_refused(team, person):
    first = apply(team["township"], person)
    count, audit = Enrollment.objects.count(), AuditEvent.objects.count()
    with pytest.raises(Conflict) as exc:
        apply(team["county"], person)
    assert exc.value.code == "enrollment_open_exists" and f"#{first.pk}" in exc.value.message
    assert (Enrollment.objects.count(), AuditEvent.objects.count()) == (count, audit)
    # The living subsidy is another program: allowed together.
    assert apply(team["township"], person, program_code="living-subsidy").status == "applied"
    # After a rejection a new application may be made; the old one's objection then conflicts.
    actions.enrollment_reject(actor=team["township"], enrollment_id=first.pk, reason="材料不全")
    second = apply(team["township"], person)
    with pytest.raises(Conflict):
        actions.enrollment_object(actor=team["township"], enrollment_id=first.pk, comment="异议")
    assert Enrollment.objects.get(pk=first.pk).status == "rejected"
    assert second.status == "applied"


def test_application_input_is_checked(team, person):
    with pytest.raises(ValidationFailed) as exc:
        apply(team["township"], person, bank_account="12ab")
    assert exc.value.field == "bank_account"
    with pytest.raises(ValidationFailed) as exc:
        apply(team["township"], person, applicant_name="")
    assert exc.value.field == "applicant_name"
    with pytest.raises(ValidationFailed) as exc:
        apply(team["township"], person, program_code="no-such-program")
    assert exc.value.field == "program"
    with pytest.raises(ValidationFailed) as exc:
        apply(team["township"], person, applied_on=D(2099, 1, 1))
    assert exc.value.field == "applied_on"
    assert Enrollment.objects.count() == 0


def test_out_of_scope_is_not_found(team, person):
    with pytest.raises(NotFound):
        apply(team["other_township"], person)
    assert Enrollment.objects.count() == 0
    e = apply(team["township"], person)
    before = state(e)
    with pytest.raises(NotFound):
        actions.enrollment_first_check(actor=team["other_township"], enrollment_id=e.pk)
    with pytest.raises(NotFound):
        actions.enrollment_reject(actor=team["other_township"], enrollment_id=e.pk, reason="x")
    assert state(e) == before


def test_overdue_list(team, person, regions):
    e = apply(team["township"], person, applied_on=D(2026, 9, 1))  # first check due 15 September
    assert list(selectors.overdue_steps(team["township"], D(2026, 9, 15))) == []
    assert list(selectors.overdue_steps(team["township"], D(2026, 9, 16))) == [e]
    assert list(selectors.overdue_steps(team["county"], D(2026, 9, 16))) == [e]
    assert list(selectors.overdue_steps(team["other_county"], D(2026, 9, 16))) == []
    actions.enrollment_first_check(actor=team["township"], enrollment_id=e.pk, on=D(2026, 9, 16))
    assert list(selectors.overdue_steps(team["township"], D(2026, 9, 16))) == []
    step = e.steps.get(kind="first_check")
    assert step.due_on == D(2026, 9, 15) and step.on > step.due_on  # recorded as late


def test_stop_and_resume(team, person):
    e = apply(team["township"], person)
    to_active(team, e)
    before = state(e)
    with pytest.raises(ValidationFailed) as exc:
        actions.enrollment_stop(
            actor=team["county"], enrollment_id=e.pk, reason="death", stopped_from=D(2026, 11, 15)
        )
    assert exc.value.field == "stopped_from"
    with pytest.raises(ValidationFailed):
        actions.enrollment_stop(
            actor=team["county"], enrollment_id=e.pk, reason="death", stopped_from=D(2026, 8, 1)
        )
    with pytest.raises(ValidationFailed) as exc:
        actions.enrollment_stop(
            actor=team["county"], enrollment_id=e.pk, reason="bored", stopped_from=D(2026, 11, 1)
        )
    assert exc.value.field == "reason"
    assert state(e) == before
    e = actions.enrollment_stop(
        actor=team["county"], enrollment_id=e.pk, reason="death", stopped_from=D(2026, 11, 1), note="10月去世"
    )
    assert (e.status, e.stopped_from, e.stop_reason, e.stop_note) == (
        "stopped",
        D(2026, 11, 1),
        "death",
        "10月去世",
    )
    with pytest.raises(InvalidState):
        actions.enrollment_stop(
            actor=team["county"], enrollment_id=e.pk, reason="death", stopped_from=D(2026, 11, 1)
        )
    # Stopped is not open: a new application may be made, and then the resumption conflicts.
    e = actions.enrollment_resume(actor=team["county"], enrollment_id=e.pk, note="误报死亡")
    assert (e.status, e.stopped_from, e.stop_reason) == ("active", None, "")
    assert list(e.steps.order_by("-id").values_list("kind", flat=True)[:2]) == ["resume", "stop"]
    assert AuditEvent.objects.filter(event_type="enrollment.stopped").count() == 1
    assert AuditEvent.objects.filter(event_type="enrollment.resumed").count() == 1


# --- pages -----------------------------------------------------------------------------------------


def test_pages_walk_and_masking(client, team, person, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(team["township"])
    # The application form, prefilled from the person page.
    url = reverse("programs:enrollment-apply")
    page = client.get(url, {"person": person.pk, "program": NURSING})
    assert page.status_code == 200 and "李护理" in page.content.decode()
    assert person.id_number not in page.content.decode()
    response = client.post(
        url,
        {
            "person": person.pk,
            "program": NURSING,
            "applied_on": "2026-09-01",
            "applicant_kind": "self",
            "needs_long_term_care": "on",
            "bank_account": "6228480012345678901",
            "attachment": SimpleUploadedFile("申请表.pdf", b"%PDF-1.4 test"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    e = Enrollment.objects.get()
    assert response["Location"] == reverse("programs:enrollment-detail", kwargs={"enrollment_id": e.pk})
    assert (e.applicant_name, e.needs_long_term_care) == ("李护理", True)
    # A duplicate through the form: the error is on the form, nothing added.
    again = client.post(
        url,
        {
            "id_number": person.id_number,
            "program": NURSING,
            "applied_on": "2026-09-02",
            "applicant_kind": "self",
            "bank_account": "6228480012345678901",
        },
    )
    assert again.status_code == 200 and 'class="errorlist' in again.content.decode()
    assert Enrollment.objects.count() == 1

    detail = client.get(reverse("programs:enrollment-detail", kwargs={"enrollment_id": e.pk}))
    body = detail.content.decode()
    assert detail.status_code == 200
    assert person.masked_id in body and person.id_number not in body and "6228480012345678901" not in body
    assert 'data-testid="op-first-check"' in body and 'data-testid="op-review"' not in body
    assert 'data-testid="verdict"' in body and body.count('<span class="badge ok">✓</span>') >= 3
    # The file uploaded with the application is downloadable in scope.
    step = e.steps.get()
    download = client.get(
        reverse("programs:enrollment-attachments", kwargs={"enrollment_id": e.pk}), {"step": step.pk}
    )
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 test"

    # A rejection without a reason is refused on the form; then the first check passes.
    first_check = reverse("programs:enrollment-first-check", kwargs={"enrollment_id": e.pk})
    refused = client.post(first_check, {"decision": "reject", "comment": ""})
    assert refused.status_code == 200 and Enrollment.objects.get(pk=e.pk).status == "applied"
    # Nothing is preselected: saving the untouched form passes no one.
    assert 'value="approve" checked' not in client.get(first_check).content.decode()
    untouched = client.post(first_check, {"comment": ""})
    assert untouched.status_code == 200 and Enrollment.objects.get(pk=e.pk).status == "applied"
    assert client.post(first_check, {"decision": "approve", "comment": "ok"}).status_code == 302
    assert Enrollment.objects.get(pk=e.pk).status == "first_checked"
    # The township may not review: 403, nothing changed.
    assert (
        client.post(
            reverse("programs:enrollment-review", kwargs={"enrollment_id": e.pk}), {"decision": "approve"}
        ).status_code
        == 403
    )
    client.force_login(team["county"])
    assert (
        client.post(
            reverse("programs:enrollment-review", kwargs={"enrollment_id": e.pk}), {"decision": "approve"}
        ).status_code
        == 302
    )
    # A wrong-state POST comes back with the status in the message and changes nothing.
    wrong = client.post(
        reverse("programs:enrollment-review", kwargs={"enrollment_id": e.pk}), {"decision": "approve"}
    )
    status_label = str(Enrollment.objects.get(pk=e.pk).get_status_display())
    assert wrong.status_code == 200 and 'class="messages"' in wrong.content.decode()
    assert status_label in wrong.content.decode().split('class="messages"')[1].split("</ul>")[0]
    assert Enrollment.objects.get(pk=e.pk).status == "reviewed"

    listing = client.get(reverse("programs:enrollment-list"), {"q": "李护理", "status": "in_review"})
    assert listing.status_code == 200 and person.masked_id in listing.content.decode()
    assert person.id_number not in listing.content.decode()
    assert (
        "李护理" not in client.get(reverse("programs:enrollment-list"), {"status": "active"}).content.decode()
    )
    client.force_login(team["other_county"])
    assert "李护理" not in client.get(reverse("programs:enrollment-list")).content.decode()
    assert (
        client.get(reverse("programs:enrollment-detail", kwargs={"enrollment_id": e.pk})).status_code == 404
    )


def test_overdue_page_and_stop_form(client, team, person):
    e = apply(team["township"], person, applied_on=D(2026, 9, 1))
    client.force_login(team["county"])
    page = client.get(reverse("programs:enrollment-overdue"))
    assert (
        page.status_code == 200
        and "李护理" in page.content.decode()
        and 'class="badge bad"' in page.content.decode()
    )
    to_active(team, e)
    assert "李护理" not in client.get(reverse("programs:enrollment-overdue")).content.decode()
    stop = reverse("programs:enrollment-stop", kwargs={"enrollment_id": e.pk})
    assert client.post(stop, {"reason": "moved_out", "stopped_from": "2026-12"}).status_code == 302
    e.refresh_from_db()
    assert (e.status, e.stopped_from) == ("stopped", D(2026, 12, 1))
    assert (
        client.post(
            reverse("programs:enrollment-resume", kwargs={"enrollment_id": e.pk}), {"note": "误操作"}
        ).status_code
        == 302
    )
    assert Enrollment.objects.get(pk=e.pk).status == "active"


# --- API -------------------------------------------------------------------------------------------


def test_api_transitions(client, team, person):
    client.force_login(team["township"])
    response = client.post(
        "/api/v1/enrollments/",
        {
            "program": NURSING,
            "person_id": person.pk,
            "applied_on": "2026-09-01",
            "applicant_kind": "village",
            "applicant_name": "王家村委会",
            "needs_long_term_care": True,
            "bank_account": "6228480012345678901",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    pk = data["id"]
    assert data["status"] == "applied" and data["application_month"] == "2026-09-01"
    assert data["bank_account"] != "6228480012345678901" and data["person_id_number"] == person.masked_id
    again = client.post(
        "/api/v1/enrollments/",
        {
            "program": NURSING,
            "person_id": person.pk,
            "applied_on": "2026-09-01",
            "bank_account": "6228480012345678901",
        },
        content_type="application/json",
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "enrollment_open_exists"

    def post(user, op, body=None):
        client.force_login(user)
        return client.post(f"/api/v1/enrollments/{pk}/{op}/", body or {}, content_type="application/json")

    assert post(team["county"], "first-check").status_code == 403
    assert post(team["other_township"], "first-check").status_code == 404
    assert post(team["township"], "first-check", {"comment": "ok"}).json()["status"] == "first_checked"
    wrong = post(team["civil"], "decide")
    assert wrong.status_code == 409 and wrong.json()["error"]["code"] == "invalid_state"
    rejected = post(team["county"], "reject", {"reason": "证件过期"})
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert post(team["township"], "object", {"comment": "已换证"}).json()["status"] == "first_checked"
    assert post(team["county"], "review").json()["status"] == "reviewed"
    decided = post(team["civil"], "decide").json()
    assert decided["status"] == "notice" and decided["notice_from"] and len(decided["steps"]) == 6
    early = post(team["civil"], "notice-end")
    assert early.status_code == 409 and early.json()["error"]["code"] == "notice_not_over"
    Enrollment.objects.filter(pk=pk).update(notice_until=D(2026, 10, 13))
    assert post(team["civil"], "notice-end").json()["status"] == "active"
    assert (
        post(team["county"], "stop", {"reason": "request", "stopped_from": "2026-12-15"}).status_code == 422
    )
    stopped = post(team["county"], "stop", {"reason": "request", "stopped_from": "2026-12-01"}).json()
    assert (stopped["status"], stopped["stopped_from"], stopped["stop_reason"]) == (
        "stopped",
        "2026-12-01",
        "request",
    )
    assert post(team["county"], "resume", {"note": "撤回申请"}).json()["status"] == "active"

    client.force_login(team["county"])
    listed = client.get("/api/v1/enrollments/", {"program": NURSING, "status": "active"}).json()
    assert [r["id"] for r in listed["results"]] == [pk]
    assert client.get("/api/v1/enrollments/", {"status": "in_review"}).json()["results"] == []
    assert client.get("/api/v1/enrollments/", {"q": "李护理"}).json()["results"][0]["id"] == pk
    detail = client.get(f"/api/v1/enrollments/{pk}/").json()
    assert [s["kind"] for s in detail["steps"]][-2:] == ["stop", "resume"]
    client.force_login(team["other_county"])
    assert client.get("/api/v1/enrollments/").json()["results"] == []
    assert client.get(f"/api/v1/enrollments/{pk}/").status_code == 404


# --- the person page's timeline --------------------------------------------------------------------


def test_timeline_shows_steps_and_payments_per_cycle(client, team, person):
    e = apply(team["township"], person)
    to_active(team, e)
    cycle = PaymentCycle.objects.create(
        program=e.program, region_code="370502", month=D(2026, 11, 1), status="generated"
    )
    for period, kind in (
        (D(2026, 9, 1), "arrears"),
        (D(2026, 10, 1), "arrears"),
        (D(2026, 11, 1), "regular"),
    ):
        PaymentLine.objects.create(
            cycle=cycle,
            program=e.program,
            enrollment=e,
            person=person,
            region_code=person.region_code,
            period=period,
            amount=Decimal("167.00"),
            kind=kind,
        )
    entries = person_timeline(person=person, user=team["county"])
    kinds = [t.kind for t in entries]
    assert {
        "enrollment.apply",
        "enrollment.first_check",
        "enrollment.review",
        "enrollment.decide",
        "enrollment.notice_end",
    } <= set(kinds)
    payments = [t for t in entries if t.kind == "payment"]
    assert len(payments) == 1
    assert (
        payments[0].on == D(2026, 11, 1)
        and "501.00" in payments[0].detail
        and "2026-09–2026-11" in payments[0].detail
    )
    # Another region's user sees none of it; the person page shows it.
    assert [
        t
        for t in person_timeline(person=person, user=team["other_county"])
        if t.kind.startswith(("enrollment", "payment"))
    ] == []
    client.force_login(team["county"])
    page = client.get(reverse("registry:person-detail", kwargs={"person_id": person.pk})).content.decode()
    assert "501.00" in page and reverse("programs:enrollment-detail", kwargs={"enrollment_id": e.pk}) in page
