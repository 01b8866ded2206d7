"""Shared pieces of the enrollment actions: event codes, the review steps, helpers."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.permissions import Perm
from canlian.platform.errors import Conflict, InvalidState, NotFound
from canlian.platform.inputs import field_error
from canlian.programs.choices import (
    EnrollmentStatus,
    StepKind,
)
from canlian.programs.eligibility import program_by_code
from canlian.programs.models import Enrollment, EnrollmentStep, Program
from canlian.programs.workdays import add_working_days, deadline_record

# Audit event codes (stable strings; the lead adds them to canlian.core.audit.events.EventType).
EVENT_APPLIED = "enrollment.applied"
EVENT_FIRST_CHECKED = "enrollment.first_checked"
EVENT_REVIEWED = "enrollment.reviewed"
EVENT_DECIDED = "enrollment.decided"
EVENT_ACTIVATED = "enrollment.activated"
EVENT_ACTIVATED_DUE = "enrollment.activated_due"
EVENT_REJECTED = "enrollment.rejected"
EVENT_OBJECTED = "enrollment.objected"
EVENT_STOPPED = "enrollment.stopped"
EVENT_RESUMED = "enrollment.resumed"

#: Default working days a step may take when the program does not say.
DEFAULT_STEP_DAYS = 10

#: The review steps: the status they start from, the status approval leads to, the permission,
#: the audit event, and which ``program.step_days`` key times the step after it.
REVIEW_STEPS: dict[str, tuple[str, str, str, str, str | None]] = {
    StepKind.FIRST_CHECK: (
        EnrollmentStatus.APPLIED,
        EnrollmentStatus.FIRST_CHECKED,
        Perm.ENROLLMENTS_FIRST_CHECK,
        EVENT_FIRST_CHECKED,
        "review",
    ),
    StepKind.REVIEW: (
        EnrollmentStatus.FIRST_CHECKED,
        EnrollmentStatus.REVIEWED,
        Perm.ENROLLMENTS_REVIEW,
        EVENT_REVIEWED,
        "decide",
    ),
    StepKind.DECIDE: (
        EnrollmentStatus.REVIEWED,
        EnrollmentStatus.NOTICE,
        Perm.ENROLLMENTS_DECIDE,
        EVENT_DECIDED,
        None,
    ),
    StepKind.NOTICE_END: (
        EnrollmentStatus.NOTICE,
        EnrollmentStatus.ACTIVE,
        Perm.ENROLLMENTS_DECIDE,
        EVENT_ACTIVATED,
        None,
    ),
}

#: Which step an application in a review status waits for.
STEP_WAITING: dict[str, str] = {spec[0]: kind for kind, spec in REVIEW_STEPS.items()}
#: The ``program.step_days`` key timing the step an application in this status waits for.
_DAYS_KEY = {
    EnrollmentStatus.APPLIED: "first_check",
    EnrollmentStatus.FIRST_CHECKED: "review",
    EnrollmentStatus.REVIEWED: "decide",
}

_ACCOUNT = re.compile(r"^\d{6,30}$")


# --- helpers ---------------------------------------------------------------------------------------


def step_permission(status: str) -> str | None:
    """The permission of the step an application in ``status`` waits for (None: not in review)."""
    kind = STEP_WAITING.get(status)
    return REVIEW_STEPS[kind][2] if kind else None


def _invalid(enrollment: Enrollment, what: Any) -> InvalidState:
    return InvalidState(
        _("This application is %(status)s: %(what)s is not possible now.")
        % {"status": enrollment.get_status_display(), "what": what},
        details={"status": enrollment.status},
    )


def _due(program: Program, key: str | None, start: dt.date) -> dt.date | None:
    if key is None:
        return None
    days = (program.step_days or {}).get(key, DEFAULT_STEP_DAYS)
    return add_working_days(start, int(days))


def _record_due(enrollment: Enrollment, key: str | None, start: dt.date) -> None:
    """After saving ``step_due_on`` from ``_due``: recorded as provisional when it was counted over a
    year the calendar does not hold yet (recomputed when the year is loaded)."""
    if key is not None:
        days = (enrollment.program.step_days or {}).get(key, DEFAULT_STEP_DAYS)
        deadline_record(enrollment, "step_due_on", start=start, days=int(days))


def _today(on: dt.date | None) -> dt.date:
    return on or timezone.localdate()


def _step(
    enrollment: Enrollment,
    *,
    actor: Any,
    kind: str,
    from_status: str,
    on: dt.date,
    comment: str = "",
    attachment: Any = None,
    due_on: dt.date | None = None,
) -> EnrollmentStep:
    step = EnrollmentStep(
        enrollment=enrollment,
        kind=kind,
        from_status=from_status,
        to_status=enrollment.status,
        on=on,
        comment=(comment or "").strip()[:500],
        due_on=due_on,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if attachment:
        step.attachment.save(getattr(attachment, "name", "attachment"), attachment, save=False)
    step.save()
    return step


def _save(enrollment: Enrollment, *fields: str) -> None:
    enrollment.updated_at = timezone.now()
    enrollment.save(update_fields=[*fields, "updated_at"])


def _open_conflict(program: Program, person_id: int) -> Conflict:
    other = Enrollment.objects.open().filter(program=program, person_id=person_id).first()
    status = other.get_status_display() if other else ""
    return Conflict(
        _("This person already has an open application or enrollment in %(program)s (#%(id)s, %(status)s).")
        % {"program": program.label, "id": other.pk if other else "?", "status": status},
        code="enrollment_open_exists",
        field="person_id",
        details={"enrollment_id": other.pk if other else None},
    )


def _resolve_program(program: Program | str | None, program_code: str | None) -> Program:
    if isinstance(program, Program):
        return program
    code = program or program_code
    if not code:
        raise field_error("program", _("Choose a program."))
    try:
        return program_by_code(str(code))
    except NotFound as exc:
        raise field_error("program", exc.message, code) from exc
