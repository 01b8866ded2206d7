"""Warnings (enrolled people to stop) and gaps (eligible people not enrolled): each warning kind with
its suggested stop month, the one-click stop that makes it disappear, the gaps list, scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from registry_factories import registered

from canlian.core.registry import actions as registry
from canlian.programs.choices import EnrollmentStatus, StopReason
from canlian.programs.models import Enrollment, Program, add_months, month_start
from canlian.programs.warnings.selectors import (
    WarningKind,
    decorate_warnings,
    enrollment_gaps,
    enrollment_warnings,
)

TODAY = timezone.localdate()
START = dt.date(2024, 1, 1)


def enroll(
    person, program: Program, *, status=EnrollmentStatus.ACTIVE, basis: str = "", month=START
) -> Enrollment:
    return Enrollment.objects.create(
        program=program,
        person=person,
        region_code=person.region_code,
        status=status,
        applied_on=month,
        application_month=month,
        hardship_basis=basis,
        grade=2,
        category=4,
    )


def certified(name: str, *, valid_until: dt.date, region: str = "370502001001", grade: int = 2):
    person = registered(name=name, region_code=region, category=None)
    registry.certificate_issue(
        actor=None,
        person_id=person.pk,
        category=4,
        grade=grade,
        issue_date=dt.date(2017, 1, 1),
        valid_until=valid_until,
    )
    return person


def next_month(day: dt.date) -> dt.date:
    return add_months(month_start(day), 1)


@pytest.fixture
def programs(db):
    return Program.objects.get(code="nursing-subsidy"), Program.objects.get(code="living-subsidy")


@pytest.fixture
def cases(regions, programs):
    """One active enrollment per warning kind in 东营区 (370502), one quiet one, one in 垦利区."""
    nursing, living = programs
    far = dt.date(2030, 1, 1)
    died_on = TODAY - dt.timedelta(days=50)
    moved_on = TODAY - dt.timedelta(days=20)
    cancelled_on = TODAY - dt.timedelta(days=10)
    expired_on = TODAY - dt.timedelta(days=40)
    expiring_on = TODAY + dt.timedelta(days=30)
    hardship_end = TODAY - dt.timedelta(days=70)

    dead = certified("死者", valid_until=far)
    registry.person_set_life_status(actor=None, person_id=dead.pk, status="deceased", on=died_on)
    moved = certified("迁出", valid_until=far)
    registry.person_set_life_status(actor=None, person_id=moved.pk, status="moved_out", on=moved_on)
    cancelled = certified("注销", valid_until=far)
    registry.certificate_cancel(
        actor=None, certificate_id=cancelled.certificates.get().pk, reason="recovery", on=cancelled_on
    )
    expired = certified("过期", valid_until=expired_on)
    expiring = certified("将到期", valid_until=expiring_on)
    poor = certified("低保", valid_until=far)
    status = registry.hardship_add(
        actor=None, person_id=poor.pk, kind="dibao", valid_from=dt.date(2023, 1, 1)
    )
    registry.hardship_end(actor=None, status_id=status.pk, valid_to=hardship_end)
    quiet = certified("正常", valid_until=far)
    other = certified("垦利", valid_until=expired_on, region="370505001")
    return {
        "enrollments": {
            WarningKind.DEATH: enroll(dead, nursing),
            WarningKind.MOVED_OUT: enroll(moved, nursing),
            WarningKind.CERTIFICATE_CANCELLED: enroll(cancelled, nursing),
            WarningKind.CERTIFICATE_EXPIRED: enroll(expired, nursing),
            WarningKind.CERTIFICATE_EXPIRING: enroll(expiring, nursing),
            WarningKind.HARDSHIP_LOST: enroll(poor, living, basis="dibao"),
        },
        "dates": {
            WarningKind.DEATH: died_on,
            WarningKind.MOVED_OUT: moved_on,
            WarningKind.CERTIFICATE_CANCELLED: cancelled_on,
            WarningKind.CERTIFICATE_EXPIRED: expired_on,
            WarningKind.CERTIFICATE_EXPIRING: expiring_on,
            WarningKind.HARDSHIP_LOST: hardship_end,
        },
        "quiet": enroll(quiet, nursing),
        "other": enroll(other, nursing),
        "poor_person": poor,
    }


def rows(user, program, **kwargs):
    labels = {k: v for k, v in kwargs.items() if k in ("kind", "expiring_days")}
    return decorate_warnings(list(enrollment_warnings(user=user, program=program, **kwargs)), **labels)


def test_each_warning_kind_with_its_suggested_stop_month(cases, programs, county_admin):
    nursing, living = programs
    found = {e.pk: e for e in rows(county_admin, nursing) + rows(county_admin, living)}
    expected = cases["enrollments"]
    assert set(found) == {e.pk for e in expected.values()}  # not the quiet one, not 垦利区's
    for kind, enrollment in expected.items():
        row = found[enrollment.pk]
        day = cases["dates"][kind]
        assert row.warning == kind
        assert row.warning_on == day
        assert row.suggested_stop == next_month(day)
        assert row.warning_reason == WarningKind.REASONS[kind]
    assert found[expected[WarningKind.DEATH].pk].warning_reason == StopReason.DEATH
    assert found[expected[WarningKind.HARDSHIP_LOST].pk].warning_reason == StopReason.HARDSHIP


def test_filter_by_kind_region_and_expiry_window(cases, programs, county_admin):
    nursing, _living = programs
    expected = cases["enrollments"]
    only_dead = rows(county_admin, nursing, kind=WarningKind.DEATH)
    assert [e.pk for e in only_dead] == [expected[WarningKind.DEATH].pk]
    # A 20-day window leaves out the certificate expiring in 30 days.
    short = {e.pk for e in rows(county_admin, nursing, expiring_days=20)}
    assert expected[WarningKind.CERTIFICATE_EXPIRING].pk not in short
    assert expected[WarningKind.CERTIFICATE_EXPIRED].pk in short
    assert rows(county_admin, nursing, region="370502001") != []
    assert rows(county_admin, nursing, region="370502999") == []


def test_suggested_stop_is_never_before_the_application_month(cases, programs, county_admin):
    nursing, _living = programs
    late = add_months(month_start(TODAY), 1)  # applied after the death (a data error)
    Enrollment.objects.filter(pk=cases["enrollments"][WarningKind.DEATH].pk).update(
        application_month=late, applied_on=late
    )
    row = next(e for e in rows(county_admin, nursing) if e.warning == WarningKind.DEATH)
    assert row.suggested_stop == late


def test_warnings_are_scoped(cases, programs, make_user):
    nursing, _living = programs
    kenli = make_user("county_admin", "370505")
    assert [e.pk for e in rows(kenli, nursing)] == [cases["other"].pk]
    yantai = make_user("county_admin", "3706")
    assert rows(yantai, nursing) == []
    cadre = make_user("cadre", "370502")  # no enrollments.view
    assert rows(cadre, nursing) == []


def test_one_query_per_list_and_two_per_page_of_labels(cases, programs, county_admin):
    nursing, _living = programs
    county_admin.scope_for("enrollments.view")  # the role assignments, read once per request
    with CaptureQueriesContext(connection) as ctx:
        page = list(enrollment_warnings(user=county_admin, program=nursing))
    assert len(ctx.captured_queries) == 1
    with CaptureQueriesContext(connection) as ctx:
        decorate_warnings(page)
    assert len(ctx.captured_queries) <= 2  # cancellations and hardship statuses of the page's people


def test_page_lists_and_one_click_stop_removes_the_row(client, cases, programs, county_admin):
    nursing, _living = programs
    dead = cases["enrollments"][WarningKind.DEATH]
    client.force_login(county_admin)
    url = reverse("programs:warning-list", kwargs={"program_code": nursing.code})
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "死者" in html and "正常" not in html and "垦利" not in html
    assert f'data-enrollment="{dead.pk}"' in html
    assert dead.person.id_number not in html  # masked
    suggested = next_month(cases["dates"][WarningKind.DEATH])
    assert f'value="{suggested:%Y-%m}"' in html
    response = client.post(
        reverse("programs:warning-stop", kwargs={"enrollment_id": dead.pk}),
        {"reason": "death", "stopped_from": f"{suggested:%Y-%m}", "note": "", "next": url},
    )
    assert response.status_code == 302 and response["Location"] == url
    dead.refresh_from_db()
    assert (dead.status, dead.stopped_from, dead.stop_reason) == ("stopped", suggested, "death")
    assert dead.pk not in {e.pk for e in rows(county_admin, nursing)}
    after = client.get(url).content.decode()
    assert "起停发" in after  # the message (in the default language)
    assert f'data-enrollment="{dead.pk}"' not in after


def test_stop_needs_the_permission_and_the_scope(client, cases, programs, make_user):
    dead = cases["enrollments"][WarningKind.DEATH]
    url = reverse("programs:warning-stop", kwargs={"enrollment_id": dead.pk})
    data = {"reason": "death", "stopped_from": "2026-01"}
    client.force_login(make_user("township_worker", "370502001"))  # may view, may not stop
    assert client.post(url, data).status_code == 403
    client.force_login(make_user("county_admin", "370505"))
    assert client.post(url, data).status_code == 404
    dead.refresh_from_db()
    assert dead.status == "active"


def test_hardship_regained_clears_the_warning(cases, programs, county_admin):
    _nursing, living = programs
    poor = cases["poor_person"]
    registry.hardship_add(
        actor=None, person_id=poor.pk, kind="dibao", valid_from=TODAY - dt.timedelta(days=5)
    )
    assert rows(county_admin, living) == []


# --- gaps (应享未享) ---------------------------------------------------------------------------------


@pytest.fixture
def gap_people(regions, programs):
    nursing, _living = programs
    far = dt.date(2030, 1, 1)
    return {
        "eligible": certified("应享", valid_until=far),
        "enrolled": enroll(certified("已享", valid_until=far), nursing).person,
        "applying": enroll(
            certified("在审", valid_until=far), nursing, status=EnrollmentStatus.APPLIED
        ).person,
        "stopped": enroll(
            certified("已停", valid_until=far), nursing, status=EnrollmentStatus.STOPPED
        ).person,
        "mild": certified("轻度", valid_until=far, grade=4),
        "expired": certified("证过期", valid_until=TODAY - dt.timedelta(days=1)),
        "elsewhere": certified("垦利应享", valid_until=far, region="370505001"),
    }


def test_gaps_list_eligible_people_not_enrolled(gap_people, programs, county_admin):
    nursing, _living = programs
    found = set(enrollment_gaps(user=county_admin, program=nursing).values_list("pk", flat=True))
    assert gap_people["eligible"].pk in found
    assert gap_people["stopped"].pk in found  # a stopped enrollment is not open
    for name in ("enrolled", "applying", "mild", "expired", "elsewhere"):
        assert gap_people[name].pk not in found, name


def test_gaps_follow_a_regional_rule_setting(gap_people, programs, county_admin):
    """东营区 extends nursing to grade 3–4 (any category here): the mild person becomes a gap."""
    from canlian.programs.models import RuleSetting

    nursing, _living = programs
    RuleSetting.objects.create(
        program=nursing,
        region_code="370502",
        valid_from=dt.date(2020, 1, 1),
        rules=[
            {"rule": "alive"},
            {"rule": "certificate_valid"},
            {"rule": "certificate", "grades": [1, 2, 3, 4]},
        ],
    )
    found = set(enrollment_gaps(user=county_admin, program=nursing).values_list("pk", flat=True))
    assert gap_people["mild"].pk in found
    city = set(
        enrollment_gaps(user=county_admin, program=nursing, region="370502").values_list("pk", flat=True)
    )
    assert city == found


def test_gaps_are_scoped_and_the_page_links_to_an_application(client, gap_people, programs, make_user):
    nursing, _living = programs
    kenli = make_user("county_admin", "370505")
    found = set(enrollment_gaps(user=kenli, program=nursing).values_list("pk", flat=True))
    assert found == {gap_people["elsewhere"].pk}
    admin = make_user("county_admin", "370502")
    client.force_login(admin)
    page = client.get(reverse("programs:gap-list", kwargs={"program_code": nursing.code}))
    assert page.status_code == 200
    html = page.content.decode()
    assert "应享" in html and "垦利应享" not in html and "已享" not in html
    assert gap_people["eligible"].id_number not in html
    apply = reverse("programs:enrollment-apply")
    assert f"{apply}?person={gap_people['eligible'].pk}&amp;program=nursing-subsidy" in html


def test_index_page(client, county_admin, programs):
    client.force_login(county_admin)
    page = client.get(reverse("programs:warnings"))
    assert page.status_code == 200
    assert (
        reverse("programs:warning-list", kwargs={"program_code": "living-subsidy"}) in page.content.decode()
    )
