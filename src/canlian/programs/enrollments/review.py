"""The review chain: 初审, 审核, 审定, the public notice, rejection and objection."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_record
from canlian.core.permissions import Perm
from canlian.core.registry.choices import CertificateState
from canlian.platform.access import SYSTEM, authorize, is_system, lock_for
from canlian.platform.errors import (
    InvalidState,
    PermissionDenied,
)
from canlian.platform.inputs import field_error
from canlian.programs.choices import (
    IN_REVIEW,
    EnrollmentStatus,
    ProgramKind,
    StepKind,
)
from canlian.programs.enrollments._common import (
    _DAYS_KEY,
    EVENT_ACTIVATED_DUE,
    EVENT_OBJECTED,
    EVENT_REJECTED,
    REVIEW_STEPS,
    STEP_WAITING,
    _due,
    _invalid,
    _open_conflict,
    _record_due,
    _save,
    _step,
    _today,
    step_permission,
)
from canlian.programs.models import Enrollment, EnrollmentStep
from canlian.programs.workdays import add_working_days, deadline_record


def _review_step(
    kind: str,
    *,
    actor: Any,
    enrollment_id: Any,
    approve: bool,
    comment: str,
    attachment: Any,
    on: dt.date | None,
) -> Enrollment:
    from_status, to_status, permission, event, next_key = REVIEW_STEPS[kind]
    enrollment = lock_for(actor, Enrollment, enrollment_id, permission=permission, related=("program",))
    label = StepKind(kind).label
    if enrollment.status != from_status:
        raise _invalid(enrollment, label)
    on = _today(on)
    if not approve:
        return _reject(enrollment, actor=actor, kind=kind, reason=comment, attachment=attachment, on=on)
    program = enrollment.program
    due_before = enrollment.step_due_on
    fields = ["status", "step_due_on"]
    if kind == StepKind.REVIEW:
        # The certificate check: a certificate in force on the day; its grade and category are the
        # basis of the amount from now on.
        # A child's application may rest on a designated hospital's diagnosis instead (declared).
        cert = enrollment.person.certificates.filter(state=CertificateState.ACTIVE).first()
        if cert is None or cert.valid_until < on:
            # (never for a cash subsidy: those rest on the certificate's grade).
            if not enrollment.diagnosis_confirmed or enrollment.program.kind == ProgramKind.MONTHLY_CASH:
                raise InvalidState(
                    _("The person holds no certificate in force: reject the application instead."),
                    code="no_certificate",
                )
        else:
            enrollment.grade, enrollment.category = cert.grade, cert.category
            fields += ["grade", "category"]
    if kind == StepKind.NOTICE_END and enrollment.notice_until and on <= enrollment.notice_until:
        raise InvalidState(
            _("The public notice runs until %(date)s.") % {"date": enrollment.notice_until},
            code="notice_not_over",
        )
    enrollment.status = to_status
    if kind == StepKind.DECIDE:
        enrollment.decided_on = on
        enrollment.notice_from = add_working_days(on, 1)
        enrollment.notice_until = add_working_days(enrollment.notice_from, max(program.notice_days, 1) - 1)
        enrollment.step_due_on = enrollment.notice_until
        fields += ["decided_on", "notice_from", "notice_until"]
    elif kind == StepKind.NOTICE_END:
        enrollment.activated_on = on
        enrollment.step_due_on = None
        fields += ["activated_on"]
    else:
        enrollment.step_due_on = _due(program, next_key, on)
    _save(enrollment, *fields)
    if kind == StepKind.DECIDE:
        notice_days = max(program.notice_days, 1)  # notice_until = add(add(on, 1), n - 1) = add(on, n)
        deadline_record(enrollment, "notice_from", start=on, days=1)
        deadline_record(enrollment, "notice_until", start=on, days=notice_days)
        deadline_record(enrollment, "step_due_on", start=on, days=notice_days)
    elif kind != StepKind.NOTICE_END:
        _record_due(enrollment, next_key, on)
    _step(
        enrollment,
        actor=actor,
        kind=kind,
        from_status=from_status,
        on=on,
        comment=comment,
        attachment=attachment,
        due_on=due_before,
    )
    new: dict[str, Any] = {"status": to_status, "on": on, "comment": comment}
    if kind == StepKind.DECIDE:
        new.update(notice_from=enrollment.notice_from, notice_until=enrollment.notice_until)
    audit_record(actor=actor, event=event, obj=enrollment, old={"status": from_status}, new=new)
    return enrollment


def _reject(
    enrollment: Enrollment, *, actor: Any, kind: str, reason: str, attachment: Any, on: dt.date
) -> Enrollment:
    reason = (reason or "").strip()
    if not reason:
        raise field_error("comment", _("Give the reason for the rejection."))
    from_status, due_before = enrollment.status, enrollment.step_due_on
    enrollment.status = EnrollmentStatus.REJECTED
    enrollment.rejected_reason = reason[:300]
    enrollment.step_due_on = None
    _save(enrollment, "status", "rejected_reason", "step_due_on")
    _step(
        enrollment,
        actor=actor,
        kind=kind,
        from_status=from_status,
        on=on,
        comment=reason,
        attachment=attachment,
        due_on=due_before,
    )
    audit_record(
        actor=actor,
        event=EVENT_REJECTED,
        obj=enrollment,
        old={"status": from_status},
        new={"status": EnrollmentStatus.REJECTED, "step": kind, "reason": reason, "on": on},
    )
    return enrollment


@transaction.atomic
def enrollment_first_check(
    *,
    actor: Any,
    enrollment_id: Any,
    approve: bool = True,
    comment: str = "",
    attachment: Any = None,
    on: dt.date | None = None,
) -> Enrollment:
    """Township first check (初审). Rejecting needs a reason (``comment``)."""
    return _review_step(
        StepKind.FIRST_CHECK,
        actor=actor,
        enrollment_id=enrollment_id,
        approve=approve,
        comment=comment,
        attachment=attachment,
        on=on,
    )


@transaction.atomic
def enrollment_review(
    *,
    actor: Any,
    enrollment_id: Any,
    approve: bool = True,
    comment: str = "",
    attachment: Any = None,
    on: dt.date | None = None,
) -> Enrollment:
    """County federation certificate check (审核): approval needs a certificate in force, whose
    grade and category become the enrollment's."""
    return _review_step(
        StepKind.REVIEW,
        actor=actor,
        enrollment_id=enrollment_id,
        approve=approve,
        comment=comment,
        attachment=attachment,
        on=on,
    )


@transaction.atomic
def enrollment_decide(
    *,
    actor: Any,
    enrollment_id: Any,
    approve: bool = True,
    comment: str = "",
    attachment: Any = None,
    on: dt.date | None = None,
) -> Enrollment:
    """County civil-affairs decision (审定). Approval starts the public notice: from the next working
    day, for ``program.notice_days`` working days."""
    return _review_step(
        StepKind.DECIDE,
        actor=actor,
        enrollment_id=enrollment_id,
        approve=approve,
        comment=comment,
        attachment=attachment,
        on=on,
    )


@transaction.atomic
def enrollment_notice_end(
    *,
    actor: Any,
    enrollment_id: Any,
    approve: bool = True,
    comment: str = "",
    attachment: Any = None,
    on: dt.date | None = None,
) -> Enrollment:
    """End of the public notice: approval (after the last notice day) activates the enrollment; a
    well-founded objection raised during the notice rejects it (``approve=False`` with the reason)."""
    return _review_step(
        StepKind.NOTICE_END,
        actor=actor,
        enrollment_id=enrollment_id,
        approve=approve,
        comment=comment,
        attachment=attachment,
        on=on,
    )


@transaction.atomic
def enrollments_activate_due(*, actor: Any = SYSTEM, today: dt.date | None = None) -> int:
    """Activate every enrollment whose public notice ended before ``today`` (set-based: one
    INSERT … SELECT of the steps, one UPDATE, one audit row for the batch). With an actor, only
    those in the actor's ``enrollments.decide`` scope. Returns how many were activated."""
    today = _today(today)
    qs = Enrollment.objects.filter(status=EnrollmentStatus.NOTICE, notice_until__lt=today)
    if not is_system(actor):
        if not actor.has_canlian_perm(Perm.ENROLLMENTS_DECIDE):
            raise PermissionDenied()
        qs = qs.for_user(actor, Perm.ENROLLMENTS_DECIDE)
    ids = list(qs.select_for_update().order_by("pk").values_list("pk", flat=True))
    if not ids:
        return 0
    now = timezone.now()
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    qn = connection.ops.quote_name
    step_meta, enr_meta = EnrollmentStep._meta, Enrollment._meta
    columns = [
        "enrollment_id",
        "kind",
        "from_status",
        "to_status",
        "on",
        "comment",
        "attachment",
        "due_on",
        "actor_id",
        "created_at",
    ]
    select_sql, select_params = qs.order_by().values("pk").query.sql_with_params()
    sql = (
        f"INSERT INTO {qn(step_meta.db_table)} ({', '.join(qn(step_meta.get_field(c.removesuffix('_id')).column) for c in columns)}) "
        f"SELECT e.{qn('id')}, %s, %s, %s, %s, %s, %s, e.{qn(enr_meta.get_field('step_due_on').column)}, %s, %s "
        f"FROM {qn(enr_meta.db_table)} e WHERE e.{qn('id')} IN ({select_sql})"
    )
    params = [
        StepKind.NOTICE_END,
        EnrollmentStatus.NOTICE,
        EnrollmentStatus.ACTIVE,
        today,
        str(_("Public notice ended without objection.")),
        "",
        actor_id,
        now,
        *select_params,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    updated = Enrollment.objects.filter(pk__in=qs.order_by().values("pk")).update(
        status=EnrollmentStatus.ACTIVE, activated_on=today, step_due_on=None, updated_at=now
    )
    audit_record(
        actor=actor,
        event=EVENT_ACTIVATED_DUE,
        object_type=enr_meta.label_lower,
        object_repr=f"{updated} enrollments",
        region_code="",
        new={"count": updated, "today": today, "enrollments": ids[:1000]},
    )
    return updated


@transaction.atomic
def enrollment_reject(
    *, actor: Any, enrollment_id: Any, reason: str, attachment: Any = None, on: dt.date | None = None
) -> Enrollment:
    """Reject an application under review, with a reason: by whoever holds the permission of the
    step it waits for (first check, review, decision, or the notice's end)."""
    enrollment = lock_for(SYSTEM, Enrollment, enrollment_id, related=("program",))
    permission = step_permission(enrollment.status)
    # Scope first (an object out of reach is a 404 whatever its state), then the state.
    authorize(actor, permission or Perm.ENROLLMENTS_VIEW, enrollment.region_code)
    if permission is None:
        raise _invalid(enrollment, StepKind.REJECT.label)
    return _reject(
        enrollment,
        actor=actor,
        kind=STEP_WAITING[enrollment.status],
        reason=reason,
        attachment=attachment,
        on=_today(on),
    )


@transaction.atomic
def enrollment_object(
    *, actor: Any, enrollment_id: Any, comment: str, attachment: Any = None, on: dt.date | None = None
) -> Enrollment:
    """The applicant's objection to a rejection (recorded at the township): the application goes
    back to the step that rejected it, with a new time limit."""
    enrollment = lock_for(
        actor, Enrollment, enrollment_id, permission=Perm.ENROLLMENTS_APPLY, related=("program",)
    )
    if enrollment.status != EnrollmentStatus.REJECTED:
        raise _invalid(enrollment, StepKind.OBJECT.label)
    comment = (comment or "").strip()
    if not comment:
        raise field_error("comment", _("Give the applicant's grounds."))
    on = _today(on)
    rejection = (
        enrollment.steps.filter(to_status=EnrollmentStatus.REJECTED).order_by("-created_at", "-id").first()
    )
    back_to = (
        rejection.from_status
        if rejection and rejection.from_status in IN_REVIEW
        else EnrollmentStatus.APPLIED
    )
    enrollment.status = back_to
    enrollment.rejected_reason = ""
    if back_to == EnrollmentStatus.NOTICE:
        # Rejected at the end of the notice: the decision-maker looks again within the decide time.
        enrollment.step_due_on = _due(enrollment.program, "decide", on)
    else:
        enrollment.step_due_on = _due(enrollment.program, _DAYS_KEY[back_to], on)
    try:
        with transaction.atomic():
            _save(enrollment, "status", "rejected_reason", "step_due_on")
    except IntegrityError as exc:
        raise _open_conflict(enrollment.program, enrollment.person_id) from exc
    _record_due(enrollment, "decide" if back_to == EnrollmentStatus.NOTICE else _DAYS_KEY[back_to], on)
    _step(
        enrollment,
        actor=actor,
        kind=StepKind.OBJECT,
        from_status=EnrollmentStatus.REJECTED,
        on=on,
        comment=comment,
        attachment=attachment,
    )
    audit_record(
        actor=actor,
        event=EVENT_OBJECTED,
        obj=enrollment,
        old={"status": EnrollmentStatus.REJECTED},
        new={"status": back_to, "comment": comment, "on": on},
    )
    return enrollment


# --- stop and resume -------------------------------------------------------------------------------
