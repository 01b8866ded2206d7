"""Applications and their review chain: the writes to ``Enrollment`` and ``EnrollmentStep``.

The chain (国发〔2015〕52号): application at the township → township first check (初审,
``enrollments.first_check``) → county federation certificate check (审核, ``enrollments.review``)
→ county civil-affairs decision (审定, ``enrollments.decide``) → public notice of
``program.notice_days`` working days → active. A rejection (by whoever holds the permission of the
step the application waits for) can be objected to by the applicant: the objection sends the
application back to the step that rejected it. An active enrollment is stopped from a month (and may
be resumed) by the county federation (``enrollments.stop``).

Every action here is atomic, keyword-only with the acting user first (``actor=None`` is the system
or the command line), re-checks the actor's permission and scope inside the transaction (a missing
permission is ``PermissionDenied``, an object outside the scope is ``NotFound``), refuses a
transition from the wrong status with ``InvalidState`` naming the current status, writes one
``EnrollmentStep`` (from/to status, the due date it had) and one audit row (``EVENT_*`` codes), and
sets ``step_due_on`` of the next step from ``program.step_days`` in China's working days
(``canlian.programs.workdays``).

Eligibility does not block an application: the verdict of ``eligibility.explain`` is shown next to
it and the township worker's first check decides.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.accounts.roles import Perm
from canlian.core.audit.actions import audit_record
from canlian.core.registry.choices import CertificateState
from canlian.core.registry.models import HardshipStatus, Person
from canlian.platform.errors import (
    Conflict,
    InvalidState,
    NotFound,
    PermissionDenied,
    RowError,
    ValidationFailed,
)
from canlian.platform.scoping import assert_in_scope
from canlian.programs.choices import (
    IN_REVIEW,
    ApplicantKind,
    EnrollmentStatus,
    ProgramKind,
    StepKind,
    StopReason,
)
from canlian.programs.eligibility import hardship_basis, program_by_code, rule_setting_for
from canlian.programs.models import Enrollment, EnrollmentStep, Program, month_start
from canlian.programs.rules import build_rules
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


def _authorize(actor: Any, permission: str, region_code: str) -> None:
    """Inside the transaction: the actor holds the permission over this region (None: the system)."""
    if actor is None:
        return
    if not actor.has_canlian_perm(permission):
        raise PermissionDenied()
    assert_in_scope(actor, permission, region_code)


def step_permission(status: str) -> str | None:
    """The permission of the step an application in ``status`` waits for (None: not in review)."""
    kind = STEP_WAITING.get(status)
    return REVIEW_STEPS[kind][2] if kind else None


def _fail(field: str, message: Any, value: Any = None) -> ValidationFailed:
    return ValidationFailed(
        errors=[
            RowError(row=None, field=field, message=str(message), value=None if value is None else str(value))
        ],
        field=field,
    )


def _invalid(enrollment: Enrollment, what: Any) -> InvalidState:
    return InvalidState(
        _("This application is %(status)s: %(what)s is not possible now.")
        % {"status": enrollment.get_status_display(), "what": what},
        details={"status": enrollment.status},
    )


def _locked(enrollment_id: Any) -> Enrollment:
    try:
        enrollment = (
            Enrollment.objects.select_for_update()
            .select_related("program")
            .filter(pk=int(enrollment_id))
            .first()
        )
    except (TypeError, ValueError):
        enrollment = None
    if enrollment is None:
        raise NotFound()
    return enrollment


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
        raise _fail("program", _("Choose a program."))
    try:
        return program_by_code(str(code))
    except NotFound as exc:
        raise _fail("program", exc.message, code) from exc


# --- application -----------------------------------------------------------------------------------


@transaction.atomic
def enrollment_apply(
    *,
    actor: Any,
    person_id: int,
    applied_on: dt.date,
    program_code: str | None = None,
    program: Program | str | None = None,
    applicant_kind: str = ApplicantKind.SELF,
    applicant_name: str = "",
    needs_long_term_care: bool = False,
    work_injury_nursing: bool = False,
    diagnosis_confirmed: bool = False,
    bank_name: str = "",
    bank_account: str = "",
    account_holder: str = "",
    care_tier: str = "",
    comment: str = "",
    attachment: Any = None,
) -> Enrollment:
    """Record an application at the township. The application month (first month paid) is the
    month of ``applied_on``; the certificate's grade and category and the hardship basis the
    program's rules ask for are snapshotted. At most one open application or enrollment per
    person and program (the database's partial unique key decides)."""
    prog = _resolve_program(program, program_code)
    person = Person.objects.select_for_update().filter(pk=person_id).first() if person_id else None
    if person is None:
        raise NotFound()
    _authorize(actor, Perm.ENROLLMENTS_APPLY, person.region_code)
    errors: list[RowError] = []
    if not prog.active:
        errors.append(RowError(None, "program", str(_("This program takes no applications."))))
    if applied_on is None or applied_on > timezone.localdate():
        errors.append(
            RowError(
                None, "applied_on", str(_("The application date cannot be in the future.")), str(applied_on)
            )
        )
    if applicant_kind not in ApplicantKind.values:
        errors.append(RowError(None, "applicant_kind", str(_("Unknown applicant.")), applicant_kind))
    applicant_name = (applicant_name or "").strip()
    if applicant_kind == ApplicantKind.SELF and not applicant_name:
        applicant_name = person.name
    if not applicant_name:
        errors.append(
            RowError(None, "applicant_name", str(_("Give the name of who applies on the person's behalf.")))
        )
    account = re.sub(r"[\s-]", "", bank_account or "")
    # Cash programs pay the person's account; settlement programs pay the institution instead.
    if (prog.kind == ProgramKind.MONTHLY_CASH or account) and not _ACCOUNT.match(account):
        errors.append(
            RowError(None, "bank_account", str(_("Give the bank account number (6 to 30 digits).")))
        )
    if errors:
        raise ValidationFailed(errors=errors, field=errors[0].field)

    cert = person.certificates.filter(state=CertificateState.ACTIVE).first()
    setting = rule_setting_for(prog, person.region_code, applied_on)
    kinds: set[str] = set()
    if setting is not None:
        for rule in build_rules(setting.rules):
            kinds |= rule.hardship_kinds()
    held = set(
        HardshipStatus.objects.filter(person=person, valid_from__lte=applied_on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=applied_on))
        .values_list("kind", flat=True)
    )
    enrollment = Enrollment(
        program=prog,
        person=person,
        region_code=person.region_code,
        status=EnrollmentStatus.APPLIED,
        applicant_kind=applicant_kind,
        applicant_name=applicant_name[:50],
        applied_on=applied_on,
        application_month=month_start(applied_on),
        needs_long_term_care=bool(needs_long_term_care),
        work_injury_nursing=bool(work_injury_nursing),
        diagnosis_confirmed=bool(diagnosis_confirmed),
        grade=cert.grade if cert else None,
        category=cert.category if cert else None,
        hardship_basis=hardship_basis(kinds, held),
        care_tier=(care_tier or "").strip()[:12],
        bank_name=(bank_name or "").strip()[:60],
        bank_account=account,
        account_holder=((account_holder or "").strip() or person.name)[:50],
        step_due_on=_due(prog, "first_check", applied_on),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    try:
        with transaction.atomic():
            enrollment.save()
    except IntegrityError as exc:
        raise _open_conflict(prog, person.pk) from exc
    _record_due(enrollment, "first_check", applied_on)
    _step(
        enrollment,
        actor=actor,
        kind=StepKind.APPLY,
        from_status="",
        on=applied_on,
        comment=comment,
        attachment=attachment,
    )
    audit_record(
        actor=actor,
        event=EVENT_APPLIED,
        obj=enrollment,
        new={
            "program": prog.code,
            "person": person.pk,
            "applied_on": applied_on,
            "application_month": enrollment.application_month,
            "applicant_kind": applicant_kind,
            "diagnosis_confirmed": enrollment.diagnosis_confirmed,
            "grade": enrollment.grade,
            "category": enrollment.category,
            "hardship_basis": enrollment.hardship_basis,
            "bank_account": enrollment.masked_account,
        },
    )
    return enrollment


# --- the review chain ------------------------------------------------------------------------------


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
    enrollment = _locked(enrollment_id)
    _authorize(actor, permission, enrollment.region_code)
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
        raise _fail("comment", _("Give the reason for the rejection."))
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
def enrollments_activate_due(*, actor: Any = None, today: dt.date | None = None) -> int:
    """Activate every enrollment whose public notice ended before ``today`` (set-based: one
    INSERT … SELECT of the steps, one UPDATE, one audit row for the batch). With an actor, only
    those in the actor's ``enrollments.decide`` scope. Returns how many were activated."""
    today = _today(today)
    qs = Enrollment.objects.filter(status=EnrollmentStatus.NOTICE, notice_until__lt=today)
    if actor is not None:
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
    enrollment = _locked(enrollment_id)
    permission = step_permission(enrollment.status)
    # Scope first (an object out of reach is a 404 whatever its state), then the state.
    _authorize(actor, permission or Perm.ENROLLMENTS_VIEW, enrollment.region_code)
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
    enrollment = _locked(enrollment_id)
    _authorize(actor, Perm.ENROLLMENTS_APPLY, enrollment.region_code)
    if enrollment.status != EnrollmentStatus.REJECTED:
        raise _invalid(enrollment, StepKind.OBJECT.label)
    comment = (comment or "").strip()
    if not comment:
        raise _fail("comment", _("Give the applicant's grounds."))
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
    enrollment = _locked(enrollment_id)
    _authorize(actor, Perm.ENROLLMENTS_STOP, enrollment.region_code)
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
        from canlian.programs.recoveries import recheck_enrollments

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
    enrollment = _locked(enrollment_id)
    _authorize(actor, Perm.ENROLLMENTS_STOP, enrollment.region_code)
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
