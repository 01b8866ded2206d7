"""An active enrollment stopped from a month, and resumed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_record
from canlian.core.permissions import Perm
from canlian.platform.access import lock_for
from canlian.platform.errors import (
    RowError,
    ValidationFailed,
)
from canlian.programs.choices import (
    EnrollmentStatus,
    ProgramKind,
    StepKind,
    StopReason,
)
from canlian.programs.enrollments._common import (
    EVENT_RESUMED,
    EVENT_STOPPED,
    _invalid,
    _open_conflict,
    _save,
    _step,
    _today,
)
from canlian.programs.models import Enrollment


@transaction.atomic
def enrollment_stop(
    *,
    actor: Any,
    enrollment_id: Any,
    reason: StopReason | str,
    stopped_from: dt.date,
    note: str = "",
    on: dt.date | None = None,
) -> Enrollment:
    """Stop an active enrollment from a month (its first day: the first month not paid; not before
    the application month). Usually the month after the event (death, moving out, …)."""
    enrollment = lock_for(
        actor, Enrollment, enrollment_id, permission=Perm.ENROLLMENTS_STOP, related=("program",)
    )
    if enrollment.status != EnrollmentStatus.ACTIVE:
        raise _invalid(enrollment, StepKind.STOP.label)
    errors: list[RowError] = []
    if reason not in StopReason.values:
        errors.append(RowError(None, "reason", str(_("Choose a reason.")), str(reason)))
    if not isinstance(stopped_from, dt.date) or stopped_from.day != 1:
        errors.append(
            RowError(None, "stopped_from", str(_("Give the first day of a month.")), str(stopped_from))
        )
    elif stopped_from < enrollment.application_month:
        errors.append(
            RowError(
                None,
                "stopped_from",
                str(
                    _("The stop cannot come before the application month %(month)s.")
                    % {"month": f"{enrollment.application_month:%Y-%m}"}
                ),
                str(stopped_from),
            )
        )
    if errors:
        raise ValidationFailed(errors=errors, field=errors[0].field)
    on = _today(on)
    enrollment.status = EnrollmentStatus.STOPPED
    enrollment.stopped_from = stopped_from
    enrollment.stop_reason = str(reason)
    enrollment.stop_note = (note or "").strip()[:300]
    _save(enrollment, "status", "stopped_from", "stop_reason", "stop_note")
    _step(
        enrollment,
        actor=actor,
        kind=StepKind.STOP,
        from_status=EnrollmentStatus.ACTIVE,
        on=on,
        comment=f"{StopReason(reason).label} · {stopped_from:%Y-%m}"
        + (f" · {enrollment.stop_note}" if enrollment.stop_note else ""),
    )
    audit_record(
        actor=actor,
        event=EVENT_STOPPED,
        obj=enrollment,
        old={"status": EnrollmentStatus.ACTIVE},
        new={
            "status": EnrollmentStatus.STOPPED,
            "stopped_from": stopped_from,
            "reason": str(reason),
            "note": enrollment.stop_note,
        },
    )
    if enrollment.program.kind == ProgramKind.MONTHLY_CASH:
        from canlian.programs.recoveries.actions import recheck_enrollments

        recheck_enrollments(
            actor=actor,
            enrollments=[enrollment],
            reason=f"{StopReason(reason).label} · {stopped_from:%Y-%m}",
        )
    return enrollment


@transaction.atomic
def enrollment_resume(
    *, actor: Any, enrollment_id: Any, note: str = "", on: dt.date | None = None
) -> Enrollment:
    """Undo a stop (e.g. recorded in error): the enrollment is active again and the months since the
    stop are paid as arrears by the next cycle. A person whose entitlement really ended and began
    again applies anew instead."""
    enrollment = lock_for(
        actor, Enrollment, enrollment_id, permission=Perm.ENROLLMENTS_STOP, related=("program",)
    )
    if enrollment.status != EnrollmentStatus.STOPPED:
        raise _invalid(enrollment, StepKind.RESUME.label)
    on = _today(on)
    old = {
        "status": enrollment.status,
        "stopped_from": enrollment.stopped_from,
        "reason": enrollment.stop_reason,
        "note": enrollment.stop_note,
    }
    enrollment.status = EnrollmentStatus.ACTIVE
    enrollment.stopped_from = None
    enrollment.stop_reason = ""
    enrollment.stop_note = ""
    try:
        with transaction.atomic():
            _save(enrollment, "status", "stopped_from", "stop_reason", "stop_note")
    except IntegrityError as exc:
        raise _open_conflict(enrollment.program, enrollment.person_id) from exc
    _step(
        enrollment,
        actor=actor,
        kind=StepKind.RESUME,
        from_status=EnrollmentStatus.STOPPED,
        on=on,
        comment=note,
    )
    audit_record(
        actor=actor,
        event=EVENT_RESUMED,
        obj=enrollment,
        old=old,
        new={"status": EnrollmentStatus.ACTIVE, "note": note},
    )
    return enrollment
