"""`canlian daily` runs every app's daily task once a day, and a second run the same day does nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
import supervision_world as sw
from django.core.management import call_command
from registry_factories import registered

from canlian.core.jobs.daily import daily_tasks
from canlian.domains.supervision import actions as supervision
from canlian.programs.models import Enrollment, Program

pytestmark = pytest.mark.django_db


def test_apps_register_their_daily_tasks():
    assert {"enrollments.activate_due", "supervision.escalate_overdue"} <= {t.code for t in daily_tasks()}


def test_daily_activates_noticed_enrollments_and_escalates_overdue_notices(make_user, regions):
    admin = make_user("county_admin", "370502")
    person = registered(name="公示期满", region_code="370502001001", actor=admin)
    waiting = Enrollment.objects.create(
        program=Program.objects.get(code="nursing-subsidy"),
        person=person,
        region_code=person.region_code,
        status="notice",
        applied_on=dt.date(2026, 9, 1),
        application_month=dt.date(2026, 9, 1),
        notice_from=dt.date(2026, 9, 21),
        notice_until=dt.date(2026, 9, 25),
        bank_account="6222020000000001234",
    )
    inst = sw.institution("370502")
    inspection = supervision.inspection_record(
        actor=admin,
        institution_id=inst.pk,
        inspected_on=dt.date(2026, 9, 25),
        items=sw.scores({5: Decimal("4")}),
        inspectors="检查员",
    )
    notice = supervision.notice_issue(
        actor=admin,
        inspection_id=inspection.pk,
        problems="考勤不实",
        working_days=5,
        issued_on=dt.date(2026, 9, 28),
    )
    out = StringIO()
    call_command("daily", "--on", "2026-10-12", stdout=out)
    assert "enrollments.activate_due: 1" in out.getvalue()
    assert "supervision.escalate_overdue: 1" in out.getvalue()
    waiting.refresh_from_db()
    inst.refresh_from_db()
    notice.refresh_from_db()
    assert waiting.status == "active"
    assert (inst.status, notice.status) == ("warned", "escalated")
    again = StringIO()
    call_command("daily", "--on", "2026-10-12", stdout=again)
    assert "enrollments.activate_due: 0" in again.getvalue()
    assert "supervision.escalate_overdue: 0" in again.getvalue()
    inst.refresh_from_db()
    assert inst.status == "warned"


def test_daily_refuses_an_unknown_task():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("daily", "--only", "nothing.here", stdout=StringIO())
