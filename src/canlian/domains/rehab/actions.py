"""Writes of children's rehabilitation (plans, devices, surgery referrals, attendance). Each action
is atomic, checks the actor's permission and scope inside its transaction, records its audit row there
and raises typed errors (canlian.platform.errors). ``actor=None`` is the operator at the command line.

Scope: plans, devices and surgery referrals are managed (``rehab.manage``) by the federation of the
child's residence; attendance (``rehab.attendance``) is recorded by the institution's own staff, or by
a federation user whose region holds the child (a page) or the institution (an upload).

Audit event codes: rehab.plan_created, rehab.plan_updated, rehab.plan_ended, rehab.plan_transferred,
rehab.device_provided, rehab.surgery_referred, rehab.surgery_updated, rehab.attendance_recorded,
rehab.attendance_removed, rehab.attendance_imported.

Plans: one training category per child per year, but a child may change institution mid-year
(``plan_transfer``): at most one open plan per child and year, all of the year's plans of one
category, their dates never overlapping. Attendance counts only inside the plan's dates and the
enrollment's paid window, and a public holiday needs a confirmation (``attendance_rules``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_record
from canlian.core.audit.events import EventType
from canlian.core.institutions.choices import InstitutionKind, ServiceCategory
from canlian.core.institutions.models import Institution, ServiceAgreement, StaffMember
from canlian.core.institutions.rules import require_certified, require_open_for_new_people
from canlian.core.registry.choices import LifeStatus
from canlian.core.registry.models import Person
from canlian.domains.rehab.attendance_rules import (
    HOLIDAY_UNCONFIRMED,
    holiday_message,
    holidays_among,
    plan_window_problem,
)
from canlian.domains.rehab.choices import (
    PROGRAM_CODE,
    AttendanceSource,
    DeviceStatus,
    PlanEndReason,
    PlanStatus,
    SurgeryStatus,
    TrainingMode,
)
from canlian.domains.rehab.models import (
    Attendance,
    DeviceKind,
    DeviceProvision,
    RehabPlan,
    SurgeryReferral,
)
from canlian.platform.errors import (
    Conflict,
    InvalidState,
    NotFound,
    PermissionDenied,
    RowError,
    ValidationFailed,
)
from canlian.platform.scoping import assert_in_institution_scope, assert_in_scope, scope_of
from canlian.programs.choices import EnrollmentStatus
from canlian.programs.models import Enrollment, add_months

VIEW = "rehab.view"
MANAGE = "rehab.manage"
ATTENDANCE = "rehab.attendance"

#: Rows per INSERT of a bulk attendance write.
BATCH_SIZE = 2000


# --- helpers ---------------------------------------------------------------------------------------


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _check(actor: Any, permission: str, region_code: str) -> None:
    if actor is None:
        return
    if not actor.has_canlian_perm(permission):
        raise PermissionDenied()
    assert_in_scope(actor, permission, region_code)


def _check_institution(actor: Any, permission: str, region_code: str, institution_id: int) -> None:
    if actor is None:
        return
    if not actor.has_canlian_perm(permission):
        raise PermissionDenied()
    assert_in_institution_scope(actor, permission, region_code, institution_id)


def _fail(field: str, message: Any, value: Any = None) -> ValidationFailed:
    return ValidationFailed(
        errors=[
            RowError(row=None, field=field, message=str(message), value=None if value is None else str(value))
        ],
        field=field,
    )


def _date(value: Any, field: str, *, required: bool = True) -> dt.date | None:
    if value in (None, ""):
        if required:
            raise _fail(field, _("This field is required."))
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError as exc:
        raise _fail(field, _("Enter a date as YYYY-MM-DD."), value) from exc


def _count(value: Any, field: str, high: int = 9999) -> int:
    if value in (None, ""):
        return 0
    try:
        n = int(value)
    except (TypeError, ValueError) as exc:
        raise _fail(field, _("Enter a whole number."), value) from exc
    if n < 0 or n > high:
        raise _fail(field, _("Enter a number from 0 to %(high)s.") % {"high": high}, value)
    return n


def _amount(value: Any, field: str) -> Decimal:
    if value in (None, ""):
        return Decimal("0")
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError) as exc:
        raise _fail(field, _("Enter an amount in yuan."), value) from exc
    if amount < 0 or amount >= Decimal("100000000"):
        raise _fail(field, _("Enter an amount from 0 to 99,999,999.99."), value)
    return amount


def _pk(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _person(person_id: Any, actor: Any, permission: str) -> Person:
    pk = _pk(person_id)
    person = Person.objects.select_for_update().filter(pk=pk).first() if pk is not None else None
    if person is None:
        raise NotFound()
    if actor is not None and not scope_of(actor, VIEW).contains(person.region_code):
        raise NotFound()
    _check(actor, permission, person.region_code)
    return person


def _institution(institution_id: Any, *, field: str = "institution") -> Institution:
    pk = _pk(institution_id)
    institution = Institution.objects.filter(pk=pk).first() if pk is not None else None
    if institution is None:
        raise _fail(field, _("Choose an institution."), institution_id)
    return institution


def _plan_values(plan: RehabPlan) -> dict[str, Any]:
    return {
        "enrollment": plan.enrollment_id,
        "person": plan.person_id,
        "institution": plan.institution_id,
        "year": plan.year,
        "category": plan.category,
        "mode": plan.mode,
        "starts_on": plan.starts_on,
        "ends_on": plan.ends_on,
        "planned_days": plan.planned_days,
        "hours": plan.hours,
        "therapist": plan.therapist_id,
        "status": plan.status,
        "ended_on": plan.ended_on,
        "end_reason": plan.end_reason,
        "transferred_from": plan.transferred_from_id,
    }


def _therapist(therapist_id: Any, institution: Institution, on: dt.date) -> StaffMember | None:
    """The therapist in charge: staff of the plan's institution holding a valid certificate on ``on``
    ("no certificate, no duty"). None when not given."""
    if therapist_id in (None, ""):
        return None
    pk = _pk(therapist_id)
    staff = StaffMember.objects.filter(pk=pk).first() if pk is not None else None
    if staff is None or staff.institution_id != institution.pk:
        raise _fail(
            "therapist",
            _("The therapist must be a staff member of %(institution)s.") % {"institution": institution.name},
            therapist_id,
        )
    require_certified(staff, on, field="therapist")
    return staff


def _check_dates(year: int, starts_on: dt.date, ends_on: dt.date) -> None:
    if starts_on.year != year:
        raise _fail("starts_on", _("The plan must start in %(year)s.") % {"year": year}, starts_on)
    if ends_on.year != year:
        raise _fail("ends_on", _("The plan must end in %(year)s.") % {"year": year}, ends_on)
    if ends_on < starts_on:
        raise _fail("ends_on", _("The end cannot be before the start."), ends_on)


def designated_for(institution: Institution, category: str, on: dt.date) -> None:
    """The checks of the guardian's choice: a designated rehabilitation institution that takes new
    children (active or warned), serves the category and holds a service agreement valid on ``on``."""
    if institution.kind != InstitutionKind.REHAB:
        raise _fail(
            "institution",
            _("%(name)s is not a designated rehabilitation institution.") % {"name": institution.name},
            institution.pk,
        )
    require_open_for_new_people(institution, field="institution")
    if not institution.serves(category):
        raise _fail(
            "category",
            _("%(name)s does not serve %(category)s training.")
            % {"name": institution.name, "category": ServiceCategory(category).label},
            category,
        )
    if not ServiceAgreement.objects.filter(
        institution=institution, valid_from__lte=on, valid_until__gte=on
    ).exists():
        raise _fail(
            "institution",
            _("%(name)s has no service agreement valid on %(day)s.") % {"name": institution.name, "day": on},
            institution.pk,
        )


# --- plans -----------------------------------------------------------------------------------------


def _one_per_year(person: Person, year: int) -> Conflict:
    return Conflict(
        _(
            "%(name)s already has an open rehabilitation plan for %(year)s: one training category per "
            "child per year. End the plan, or transfer it to another institution."
        )
        % {"name": person.name, "year": year},
        field="year",
    )


def _check_year_plans(
    person: Person,
    year: int,
    category: str,
    start: dt.date,
    end: dt.date,
    *,
    exclude_pk: int | None = None,
) -> None:
    """The rules over a child's plans of a year: no other open plan, the same training category,
    dates that do not overlap (so that a day is never counted at two institutions)."""
    others = list(
        RehabPlan.objects.filter(person=person, year=year)
        .exclude(pk=exclude_pk)
        .select_related("institution")
        .order_by("starts_on", "id")
    )
    if any(other.ended_on is None for other in others):
        raise _one_per_year(person, year)
    for other in others:
        if other.category != category:
            raise Conflict(
                _(
                    "%(name)s's plans for %(year)s are for %(category)s training: one training category "
                    "per child per year."
                )
                % {"name": person.name, "year": year, "category": other.get_category_display()},
                field="category",
            )
        if other.starts_on <= end and other.ends_on >= start:
            raise Conflict(
                _("The plan would overlap the plan at %(institution)s (%(start)s to %(end)s).")
                % {"institution": other.institution.name, "start": other.starts_on, "end": other.ends_on},
                field="starts_on",
            )


@transaction.atomic
def plan_create(
    *,
    actor: Any,
    enrollment_id: Any,
    institution_id: Any,
    year: Any,
    category: Any,
    mode: Any,
    starts_on: Any,
    ends_on: Any,
    planned_days: Any = 0,
    hours: Any = 0,
    goals: str = "",
    therapist_id: Any = None,
    guardian_name: str = "",
    guardian_phone: str = "",
) -> RehabPlan:
    """Record the guardian's choice of institution as the child's plan for ``year``, from an active
    child-rehab enrollment. One training category per child per year: no other open plan that year,
    the same category as the year's earlier (ended) plans, no overlap with them. A change of
    institution mid-year is ``plan_transfer``."""
    pk = _pk(enrollment_id)
    enrollment = (
        Enrollment.objects.select_related("program").select_for_update(of=("self",)).filter(pk=pk).first()
        if pk is not None
        else None
    )
    if enrollment is None or (
        actor is not None and not scope_of(actor, VIEW).contains(enrollment.region_code)
    ):
        raise NotFound()
    _check(actor, MANAGE, enrollment.region_code)
    if enrollment.program.code != PROGRAM_CODE:
        raise _fail("enrollment", _("This is not a children's rehabilitation application."), enrollment.pk)
    if enrollment.status != EnrollmentStatus.ACTIVE:
        raise _fail(
            "enrollment",
            _("The application is %(status)s; a plan needs an active enrollment.")
            % {"status": enrollment.get_status_display()},
            enrollment.pk,
        )
    person = Person.objects.select_for_update().get(pk=enrollment.person_id)
    if person.life_status != LifeStatus.LIVING:
        raise InvalidState(_("Only a living child can have a plan."))
    year_n = _count(year, "year", 2100)
    if year_n < 2000:
        raise _fail("year", _("Enter a year."), year)
    if category not in ServiceCategory.values:
        raise _fail("category", _("Choose a training category."), category)
    if mode not in TrainingMode.values:
        raise _fail("mode", _("Choose a training mode."), mode)
    start = _date(starts_on, "starts_on")
    end = _date(ends_on, "ends_on")
    assert start is not None and end is not None
    _check_dates(year_n, start, end)
    institution = _institution(institution_id)
    designated_for(institution, category, start)
    therapist = _therapist(therapist_id, institution, start)
    _check_year_plans(person, year_n, category, start, end)
    plan = RehabPlan(
        enrollment=enrollment,
        person=person,
        region_code=person.region_code,
        institution=institution,
        year=year_n,
        category=category,
        mode=mode,
        starts_on=start,
        ends_on=end,
        planned_days=_count(planned_days, "planned_days", 366),
        hours=_count(hours, "hours"),
        goals=(goals or "").strip(),
        therapist=therapist,
        guardian_name=(guardian_name or "").strip()[:50],
        guardian_phone=(guardian_phone or "").strip()[:20],
        created_by=_user(actor),
    )
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError as exc:
        raise _one_per_year(person, year_n) from exc
    audit_record(actor=actor, event="rehab.plan_created", obj=plan, new=_plan_values(plan))
    return plan


def _locked_plan(plan_id: Any, actor: Any, permission: str) -> RehabPlan:
    pk = _pk(plan_id)
    plan = (
        RehabPlan.objects.select_for_update(of=("self",))
        .select_related("institution", "person", "enrollment")
        .filter(pk=pk)
        .first()
        if pk is not None
        else None
    )
    if plan is None:
        raise NotFound()
    if actor is not None and not RehabPlan.objects.for_user(actor, VIEW).filter(pk=plan.pk).exists():
        raise NotFound()
    if permission == ATTENDANCE:
        _check_institution(actor, permission, plan.region_code, plan.institution_id)
    else:
        _check(actor, permission, plan.region_code)
    return plan


def _attendance_span(plan: RehabPlan) -> tuple[dt.date | None, dt.date | None]:
    span = Attendance.objects.filter(plan=plan).aggregate(first=Min("on"), last=Max("on"))
    return span["first"], span["last"]


UPDATABLE = (
    "mode",
    "starts_on",
    "ends_on",
    "planned_days",
    "hours",
    "goals",
    "therapist_id",
    "guardian_name",
    "guardian_phone",
)


@transaction.atomic
def plan_update(*, actor: Any, plan_id: Any, **fields: Any) -> RehabPlan:
    """Change a plan's dates, planned days and hours, goals, therapist or guardian. The institution,
    year and category are the guardian's choice: end the plan instead. Dates may not leave recorded
    attendance outside the plan."""
    unknown = sorted(set(fields) - set(UPDATABLE))
    if unknown:
        raise _fail(unknown[0], _("This field cannot be changed."))
    plan = _locked_plan(plan_id, actor, MANAGE)
    if plan.status != PlanStatus.ACTIVE:
        raise InvalidState(_("This plan has ended."))
    before = _plan_values(plan)
    if "mode" in fields:
        if fields["mode"] not in TrainingMode.values:
            raise _fail("mode", _("Choose a training mode."), fields["mode"])
        plan.mode = fields["mode"]
    start = _date(fields["starts_on"], "starts_on") if "starts_on" in fields else plan.starts_on
    end = _date(fields["ends_on"], "ends_on") if "ends_on" in fields else plan.ends_on
    assert start is not None and end is not None
    _check_dates(plan.year, start, end)
    first, last = _attendance_span(plan)
    if first is not None and first < start:
        raise _fail("starts_on", _("Attendance is recorded from %(day)s.") % {"day": first}, start)
    if last is not None and last > end:
        raise _fail("ends_on", _("Attendance is recorded until %(day)s.") % {"day": last}, end)
    if (start, end) != (plan.starts_on, plan.ends_on):
        _check_year_plans(plan.person, plan.year, plan.category, start, end, exclude_pk=plan.pk)
    plan.starts_on, plan.ends_on = start, end
    if "planned_days" in fields:
        plan.planned_days = _count(fields["planned_days"], "planned_days", 366)
    if "hours" in fields:
        plan.hours = _count(fields["hours"], "hours")
    if "goals" in fields:
        plan.goals = (fields["goals"] or "").strip()
    if "guardian_name" in fields:
        plan.guardian_name = (fields["guardian_name"] or "").strip()[:50]
    if "guardian_phone" in fields:
        plan.guardian_phone = (fields["guardian_phone"] or "").strip()[:20]
    if "therapist_id" in fields and _pk(fields["therapist_id"]) != plan.therapist_id:
        today = timezone.localdate()
        on = max(plan.starts_on, min(today, plan.ends_on))
        plan.therapist = _therapist(fields["therapist_id"], plan.institution, on)
    plan.updated_at = timezone.now()
    plan.save()
    after = _plan_values(plan)
    changed = {k: v for k, v in after.items() if before[k] != v}
    if changed:
        audit_record(
            actor=actor,
            event="rehab.plan_updated",
            obj=plan,
            old={k: before[k] for k in changed},
            new=changed,
        )
    return plan


@transaction.atomic
def plan_end(
    *,
    actor: Any,
    plan_id: Any,
    ended_on: Any = None,
    reason: str = "",
    end_reason: str = PlanEndReason.STOPPED,
) -> RehabPlan:
    """End a plan early (the child left training, …): ``ended_on`` becomes its last day;
    ``end_reason`` is stopped or other (a change of institution is ``plan_transfer``)."""
    plan = _locked_plan(plan_id, actor, MANAGE)
    if plan.status != PlanStatus.ACTIVE:
        raise InvalidState(_("This plan has already ended."))
    if end_reason not in (PlanEndReason.STOPPED, PlanEndReason.OTHER):
        raise _fail("end_reason", _("Choose why the plan ends."), end_reason)
    end = _date(ended_on, "ended_on", required=False) or min(timezone.localdate(), plan.ends_on)
    if end < plan.starts_on or end > plan.ends_on:
        raise _fail(
            "ended_on",
            _("The plan runs from %(start)s to %(end)s.") % {"start": plan.starts_on, "end": plan.ends_on},
            end,
        )
    _first, last = _attendance_span(plan)
    if last is not None and last > end:
        raise _fail("ended_on", _("Attendance is recorded until %(day)s.") % {"day": last}, end)
    before = _plan_values(plan)
    _close(plan, end, end_reason, reason)
    audit_record(
        actor=actor,
        event="rehab.plan_ended",
        obj=plan,
        old={"ends_on": before["ends_on"], "status": before["status"]},
        new={
            "ends_on": plan.ends_on,
            "status": plan.status,
            "end_reason": plan.end_reason,
            "reason": plan.end_note,
        },
    )
    return plan


def _close(plan: RehabPlan, last_day: dt.date, end_reason: str, note: str) -> None:
    plan.ends_on = last_day
    plan.ended_on = last_day
    plan.status = PlanStatus.ENDED
    plan.end_reason = end_reason
    plan.end_note = (note or "").strip()[:200]
    plan.updated_at = timezone.now()
    plan.save(update_fields=["ends_on", "ended_on", "status", "end_reason", "end_note", "updated_at"])


@transaction.atomic
def plan_transfer(
    *,
    actor: Any,
    plan_id: Any,
    to_institution_id: Any,
    on: Any,
    reason: str,
    therapist_id: Any = None,
    mode: Any = None,
    ends_on: Any = None,
    planned_days: Any = None,
    hours: Any = None,
    goals: str | None = None,
) -> RehabPlan:
    """The child changes institution mid-year, in the same training category: the plan ends on the
    day before ``on`` (end reason "transfer", ``reason`` kept as its note) and a new plan at
    ``to_institution_id`` starts on ``on`` (``transferred_from`` the old one), up to ``ends_on``
    (default: the old plan's end). The new plan gets every check of ``plan_create``: an active
    enrollment, a living child, a designated institution open for new children that serves the
    category and holds an agreement valid on ``on``, a certified therapist of that institution.
    Attendance already recorded at the old institution on or after ``on`` refuses the transfer.
    Mode, planned days, hours and goals are copied unless given. Returns the new plan."""
    old = _locked_plan(plan_id, actor, MANAGE)
    if old.status != PlanStatus.ACTIVE:
        raise InvalidState(_("This plan has already ended."))
    day = _date(on, "on")
    assert day is not None
    if day <= old.starts_on or day > old.ends_on:
        raise _fail(
            "on",
            _(
                "The transfer must start after the plan's first day %(start)s and not after its last day %(end)s."
            )
            % {"start": old.starts_on, "end": old.ends_on},
            day,
        )
    note = (reason or "").strip()
    if not note:
        raise _fail("reason", _("Give the reason for the transfer."))
    institution = _institution(to_institution_id)
    if institution.pk == old.institution_id:
        raise _fail(
            "institution",
            _("The child already trains at %(name)s.") % {"name": institution.name},
            institution.pk,
        )
    enrollment = Enrollment.objects.select_for_update().get(pk=old.enrollment_id)
    if enrollment.status != EnrollmentStatus.ACTIVE:
        raise _fail(
            "enrollment",
            _("The application is %(status)s; a plan needs an active enrollment.")
            % {"status": enrollment.get_status_display()},
            enrollment.pk,
        )
    person = Person.objects.select_for_update().get(pk=old.person_id)
    if person.life_status != LifeStatus.LIVING:
        raise InvalidState(_("Only a living child can have a plan."))
    new_mode = old.mode if mode in (None, "") else mode
    if new_mode not in TrainingMode.values:
        raise _fail("mode", _("Choose a training mode."), mode)
    end = _date(ends_on, "ends_on", required=False) or old.ends_on
    _check_dates(old.year, day, end)
    designated_for(institution, old.category, day)
    therapist = _therapist(therapist_id, institution, day)
    _first, last = _attendance_span(old)
    if last is not None and last >= day:
        raise _fail(
            "on",
            _(
                "Attendance at %(institution)s is recorded until %(day)s: the transfer can start on "
                "%(next)s at the earliest."
            )
            % {"institution": old.institution.name, "day": last, "next": last + dt.timedelta(days=1)},
            day,
        )
    before = _plan_values(old)
    _close(old, day - dt.timedelta(days=1), PlanEndReason.TRANSFER, note)
    _check_year_plans(person, old.year, old.category, day, end)
    plan = RehabPlan(
        enrollment=enrollment,
        person=person,
        region_code=person.region_code,
        institution=institution,
        year=old.year,
        category=old.category,
        mode=new_mode,
        starts_on=day,
        ends_on=end,
        planned_days=old.planned_days
        if planned_days in (None, "")
        else _count(planned_days, "planned_days", 366),
        hours=old.hours if hours in (None, "") else _count(hours, "hours"),
        goals=old.goals if goals is None else goals.strip(),
        therapist=therapist,
        guardian_name=old.guardian_name,
        guardian_phone=old.guardian_phone,
        transferred_from=old,
        created_by=_user(actor),
    )
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError as exc:
        raise _one_per_year(person, old.year) from exc
    audit_record(
        actor=actor,
        event="rehab.plan_ended",
        obj=old,
        old={"ends_on": before["ends_on"], "status": before["status"]},
        new={
            "ends_on": old.ends_on,
            "status": old.status,
            "end_reason": old.end_reason,
            "reason": old.end_note,
            "transferred_to": plan.pk,
        },
    )
    audit_record(
        actor=actor,
        event=EventType.REHAB_PLAN_TRANSFERRED,
        obj=plan,
        new={
            **_plan_values(plan),
            "from_institution": old.institution_id,
            "on": day,
            "reason": note[:200],
        },
    )
    return plan


# --- devices and surgery ---------------------------------------------------------------------------


def next_device_date(provided_on: dt.date, months: int) -> dt.date:
    """The first day another device of the kind may be provided."""
    first = add_months(provided_on.replace(day=1), months)
    last_day = (add_months(first, 1) - dt.timedelta(days=1)).day
    return first.replace(day=min(provided_on.day, last_day))


@transaction.atomic
def device_provide(
    *,
    actor: Any,
    person_id: Any,
    kind_id: Any,
    provided_on: Any,
    institution_id: Any = None,
    amount: Any = 0,
    note: str = "",
) -> DeviceProvision:
    """Record an assistive device given to a child. Another device of the same kind only after the
    kind's replacement interval (the message names the first possible date)."""
    person = _person(person_id, actor, MANAGE)
    pk = _pk(kind_id)
    kind = DeviceKind.objects.filter(pk=pk, active=True).first() if pk is not None else None
    if kind is None:
        raise _fail("kind", _("Choose a device."), kind_id)
    day = _date(provided_on, "provided_on")
    assert day is not None
    if day > timezone.localdate():
        raise _fail("provided_on", _("The date cannot be in the future."), day)
    institution = (
        _institution(institution_id, field="institution") if institution_id not in (None, "") else None
    )
    last = (
        DeviceProvision.objects.filter(person=person, kind=kind, status=DeviceStatus.PROVIDED)
        .order_by("-provided_on")
        .first()
    )
    if last is not None:
        possible = next_device_date(last.provided_on, kind.replacement_months)
        if day < possible:
            raise _fail(
                "provided_on",
                _(
                    "A %(kind)s was provided on %(last)s; another is possible from %(next)s "
                    "(every %(months)s months)."
                )
                % {
                    "kind": kind.name,
                    "last": last.provided_on,
                    "next": possible,
                    "months": kind.replacement_months,
                },
                day,
            )
    device = DeviceProvision.objects.create(
        person=person,
        region_code=person.region_code,
        kind=kind,
        provided_on=day,
        institution=institution,
        amount=_amount(amount, "amount"),
        note=(note or "").strip()[:200],
        created_by=_user(actor),
    )
    audit_record(
        actor=actor,
        event="rehab.device_provided",
        obj=device,
        new={
            "person": person.pk,
            "kind": kind.code,
            "provided_on": day,
            "institution": device.institution_id,
            "amount": device.amount,
        },
    )
    return device


@transaction.atomic
def surgery_refer(
    *,
    actor: Any,
    person_id: Any,
    operation: str,
    hospital: str,
    referred_on: Any,
    amount: Any = 0,
    note: str = "",
) -> SurgeryReferral:
    person = _person(person_id, actor, MANAGE)
    errors = []
    operation = (operation or "").strip()
    hospital = (hospital or "").strip()
    if not operation:
        errors.append(RowError(None, "operation", str(_("This field is required."))))
    if not hospital:
        errors.append(RowError(None, "hospital", str(_("This field is required."))))
    if errors:
        raise ValidationFailed(errors=errors, field=errors[0].field)
    day = _date(referred_on, "referred_on")
    assert day is not None
    if day > timezone.localdate():
        raise _fail("referred_on", _("The date cannot be in the future."), day)
    referral = SurgeryReferral.objects.create(
        person=person,
        region_code=person.region_code,
        operation=operation[:100],
        hospital=hospital[:100],
        referred_on=day,
        amount=_amount(amount, "amount"),
        note=(note or "").strip()[:200],
        created_by=_user(actor),
    )
    audit_record(
        actor=actor,
        event="rehab.surgery_referred",
        obj=referral,
        new={
            "person": person.pk,
            "operation": referral.operation,
            "hospital": referral.hospital,
            "referred_on": day,
        },
    )
    return referral


@transaction.atomic
def surgery_update(
    *,
    actor: Any,
    surgery_id: Any,
    status: str,
    operated_on: Any = None,
    amount: Any = None,
    note: str | None = None,
) -> SurgeryReferral:
    """Close a referral: operated (with the date and the amount paid) or cancelled."""
    pk = _pk(surgery_id)
    referral = SurgeryReferral.objects.select_for_update().filter(pk=pk).first() if pk is not None else None
    if referral is None or (actor is not None and not scope_of(actor, VIEW).contains(referral.region_code)):
        raise NotFound()
    _check(actor, MANAGE, referral.region_code)
    if referral.status != SurgeryStatus.REFERRED:
        raise InvalidState(
            _("This referral is already %(status)s.") % {"status": referral.get_status_display()}
        )
    if status not in (SurgeryStatus.DONE, SurgeryStatus.CANCELLED):
        raise _fail("status", _("Choose operated or cancelled."), status)
    before = {"status": referral.status, "operated_on": referral.operated_on, "amount": referral.amount}
    if status == SurgeryStatus.DONE:
        day = _date(operated_on, "operated_on")
        assert day is not None
        if day < referral.referred_on:
            raise _fail("operated_on", _("The operation cannot be before the referral."), day)
        if day > timezone.localdate():
            raise _fail("operated_on", _("The date cannot be in the future."), day)
        referral.operated_on = day
    if amount is not None:
        referral.amount = _amount(amount, "amount")
    if note is not None:
        referral.note = note.strip()[:200]
    referral.status = status
    referral.save()
    audit_record(
        actor=actor,
        event="rehab.surgery_updated",
        obj=referral,
        old=before,
        new={"status": referral.status, "operated_on": referral.operated_on, "amount": referral.amount},
    )
    return referral


# --- attendance ------------------------------------------------------------------------------------


def _day_error(plan: RehabPlan, day: dt.date, today: dt.date, *, window: bool = True) -> str | None:
    """Why ``day`` cannot be recorded on ``plan``: in the future, outside the plan's dates or (with
    ``window``) outside the enrollment's paid window. The plan's enrollment must be loaded."""
    if day > today:
        return str(_("%(day)s is in the future.") % {"day": day})
    if day < plan.starts_on or day > plan.ends_on:
        return str(
            _("%(day)s is outside the plan (%(start)s to %(end)s).")
            % {"day": day, "start": plan.starts_on, "end": plan.ends_on}
        )
    return plan_window_problem(plan, day) if window else None


def _refuse(errors: list[RowError], unconfirmed: list[RowError]) -> ValidationFailed:
    """Every row refused, in row order; the code ``holiday_unconfirmed`` when unconfirmed public
    holidays are the only problem (the tablet page then asks for the confirmation)."""
    rows = sorted(errors + unconfirmed, key=lambda e: e.row or 0)
    code = HOLIDAY_UNCONFIRMED if not errors else None
    return ValidationFailed(errors=rows, field=rows[0].field, code=code)


@transaction.atomic
def attendance_record(
    *,
    actor: Any,
    plan_id: Any,
    days: Iterable[Any],
    source: str = AttendanceSource.PAGE,
    confirm_holiday: bool = False,
) -> int:
    """Record the days a child trained under a plan. Idempotent: days already recorded are skipped.
    Days in the future, outside the plan's dates or outside the enrollment's paid window are refused
    (nothing written); a new day on a public holiday needs ``confirm_holiday`` and is stored flagged
    (``on_holiday``). Returns the number of rows added."""
    plan = _locked_plan(plan_id, actor, ATTENDANCE)
    if source not in AttendanceSource.values:
        raise _fail("source", _("Unknown source."), source)
    today = timezone.localdate()
    wanted: dict[dt.date, int] = {}
    errors: list[RowError] = []
    for i, raw in enumerate(days, start=1):
        try:
            day = _date(raw, "days")
        except ValidationFailed:
            errors.append(RowError(i, "days", str(_("Enter a date as YYYY-MM-DD.")), str(raw)))
            continue
        assert day is not None
        problem = _day_error(plan, day, today)
        if problem:
            errors.append(RowError(i, "days", problem, str(day)))
            continue
        wanted.setdefault(day, i)
    existing = (
        set(Attendance.objects.filter(plan=plan, on__in=list(wanted)).values_list("on", flat=True))
        if wanted
        else set()
    )
    new = sorted(set(wanted) - existing)
    # A new sign-in on a public holiday needs the confirmation (a day already recorded is skipped).
    holidays = holidays_among(new)
    unconfirmed = (
        []
        if confirm_holiday
        else [RowError(wanted[d], "days", holiday_message(d, name), str(d)) for d, name in holidays.items()]
    )
    if errors or unconfirmed:
        raise _refuse(errors, unconfirmed)
    if new:
        user = _user(actor)
        now = timezone.now()
        Attendance.objects.bulk_create(
            [
                Attendance(
                    plan=plan,
                    institution_id=plan.institution_id,
                    region_code=plan.region_code,
                    on=day,
                    source=source,
                    on_holiday=day in holidays,
                    recorded_by=user,
                    recorded_at=now,
                )
                for day in new
            ],
            batch_size=BATCH_SIZE,
            ignore_conflicts=True,
        )
        values: dict[str, Any] = {"days": [str(d) for d in new], "source": source}
        if holidays:
            values["holidays_confirmed"] = [str(d) for d in new if d in holidays]
        audit_record(actor=actor, event="rehab.attendance_recorded", obj=plan, new=values)
    return len(new)


@transaction.atomic
def attendance_remove(*, actor: Any, plan_id: Any, day: Any) -> bool:
    """Take back a sign-in recorded by mistake (the tablet page's toggle). Returns whether a row was
    removed. Days already in a settlement batch cannot be removed."""
    plan = _locked_plan(plan_id, actor, ATTENDANCE)
    on = _date(day, "on")
    assert on is not None
    problem = _day_error(plan, on, timezone.localdate(), window=False)
    if problem:
        raise _fail("on", problem, on)
    from canlian.domains.rehab.models import SettlementLine

    if SettlementLine.objects.filter(
        plan=plan, batch__period_start__lte=on, batch__period_end__gte=on
    ).exists():
        raise InvalidState(_("%(day)s is already in a settlement batch.") % {"day": on})
    deleted, _rows = Attendance.objects.filter(plan=plan, on=on).delete()
    if deleted:
        audit_record(actor=actor, event=EventType.REHAB_ATTENDANCE_REMOVED, obj=plan, old={"day": str(on)})
    return bool(deleted)


def institution_for_attendance(actor: Any, institution_id: Any) -> Institution:
    pk = _pk(institution_id)
    institution = Institution.objects.filter(pk=pk).first() if pk is not None else None
    if institution is None:
        raise NotFound()
    if actor is not None:
        reach = scope_of(actor, VIEW).contains(
            institution.region_code
        ) or institution.pk in actor.institutions_for(VIEW)
        if not reach:
            raise NotFound()
    _check_institution(actor, ATTENDANCE, institution.region_code, institution.pk)
    return institution


def _plan_on(plans: list[RehabPlan], day: dt.date) -> RehabPlan:
    """Of a child's plans of a year at one institution (a child may come back after a transfer), the
    one running on ``day``; else the last one started before it (or the first), for the message."""
    for plan in plans:
        if plan.starts_on <= day <= plan.ends_on:
            return plan
    started = [p for p in plans if p.starts_on <= day]
    return started[-1] if started else plans[0]


_PLAN_FIELDS = (
    "id",
    "person_id",
    "year",
    "starts_on",
    "ends_on",
    "region_code",
    "enrollment__applied_on",
    "enrollment__stopped_from",
)


def attendance_validate(
    institution: Institution,
    items: list[tuple[int | None, str, Any, dt.date]],
    *,
    id_field: str,
    date_field: str,
    names: dict[int | None, tuple[str, str]] | None = None,
    confirm_holiday: bool = False,
) -> tuple[list[tuple[int, dt.date]], list[RowError], list[RowError]]:
    """Resolve ``(row, key kind, key, day)`` items (key kind "plan", "person" or "id_number") to
    (plan id, day) pairs at ``institution`` with a handful of set queries. Returns the pairs, the
    errors (a RowError naming its field for each bad row: unknown child or plan, a day in the future,
    outside the plan or outside the enrollment's paid window) and, without ``confirm_holiday``, a
    RowError for each row on a public holiday (those days are left out of the pairs). ``names`` maps
    a row to (column, name given) to check the child's name."""
    errors: list[RowError] = []
    today = timezone.localdate()
    plan_ids = {k for _r, kind, k, _d in items if kind == "plan"}
    person_ids = {k for _r, kind, k, _d in items if kind == "person"}
    id_numbers = {k for _r, kind, k, _d in items if kind == "id_number"}
    years = {d.year for _r, _k, _v, d in items}
    by_number = dict(Person.objects.filter(id_number__in=id_numbers).values_list("id_number", "id"))
    person_ids |= set(by_number.values())
    plans = list(
        RehabPlan.objects.filter(institution=institution)
        .filter(pk__in=plan_ids)
        .select_related("enrollment")
        .only(*_PLAN_FIELDS)
    ) + list(
        RehabPlan.objects.filter(institution=institution, person_id__in=person_ids, year__in=years)
        .exclude(pk__in=plan_ids)
        .select_related("enrollment")
        .only(*_PLAN_FIELDS)
        .order_by("starts_on", "id")
    )
    by_plan = {p.pk: p for p in plans}
    by_person_year: dict[tuple[int, int], list[RehabPlan]] = {}
    for p in sorted(plans, key=lambda p: (p.starts_on, p.pk)):
        by_person_year.setdefault((p.person_id, p.year), []).append(p)
    person_names = dict(Person.objects.filter(pk__in=person_ids).values_list("id", "name")) if names else {}
    pairs: list[tuple[int, dt.date]] = []
    pair_rows: list[int | None] = []
    for row, kind, key, day in items:
        if kind == "plan":
            plan = by_plan.get(key)
            if plan is None:
                errors.append(
                    RowError(row, id_field, str(_("No plan of this institution has this number.")), str(key))
                )
                continue
        else:
            person_id = by_number.get(key) if kind == "id_number" else key
            if person_id is None:
                errors.append(RowError(row, id_field, str(_("Unknown child.")), str(key)))
                continue
            candidates = by_person_year.get((person_id, day.year))
            if not candidates:
                errors.append(
                    RowError(
                        row,
                        id_field,
                        str(_("The child has no plan at this institution in %(year)s.") % {"year": day.year}),
                        str(key),
                    )
                )
                continue
            plan = _plan_on(candidates, day)
            if names and row in names:
                column, given = names[row]
                if given and given != person_names.get(person_id):
                    errors.append(
                        RowError(row, column, str(_("The name does not match the ID number.")), given)
                    )
                    continue
        problem = _day_error(plan, day, today)
        if problem:
            errors.append(RowError(row, date_field, problem, str(day)))
            continue
        pairs.append((plan.pk, day))
        pair_rows.append(row)
    unconfirmed: list[RowError] = []
    if not confirm_holiday:
        holidays = holidays_among({d for _p, d in pairs})
        if holidays:
            # A new sign-in on a public holiday needs the confirmation; a day already recorded is
            # skipped as usual (one query, on the holidays only).
            recorded = set(
                Attendance.objects.filter(
                    plan_id__in={p for p, _d in pairs}, on__in=list(holidays)
                ).values_list("plan_id", "on")
            )
            for (plan_id, day), row in zip(pairs, pair_rows, strict=True):
                if day in holidays and (plan_id, day) not in recorded:
                    unconfirmed.append(
                        RowError(row, date_field, holiday_message(day, holidays[day]), str(day))
                    )
            pairs = [(p, d) for p, d in pairs if d not in holidays or (p, d) in recorded]
    return pairs, errors, unconfirmed


def attendance_insert(
    *,
    actor: Any,
    institution: Institution,
    pairs: list[tuple[int, dt.date]],
    source: str,
    holidays: Iterable[dt.date] | None = None,
) -> int:
    """Insert (plan, day) pairs set-based, skipping days already recorded; returns rows added. The
    caller has validated the pairs (public holidays confirmed) and holds a transaction. The days on
    public holidays (``holidays``; looked up when not given) are stored flagged ``on_holiday``."""
    unique = sorted(set(pairs))
    if not unique:
        return 0
    first = min(d for _p, d in unique)
    last = max(d for _p, d in unique)
    flagged = set(holidays_among({d for _p, d in unique}) if holidays is None else holidays)
    plan_ids = sorted({p for p, _d in unique})
    in_range = Attendance.objects.filter(institution=institution, on__gte=first, on__lte=last)
    before = in_range.count()
    regions = dict(RehabPlan.objects.filter(pk__in=plan_ids).values_list("id", "region_code"))
    user = _user(actor)
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    table = ops.quote_name(Attendance._meta.db_table)
    columns = ", ".join(
        ops.quote_name(Attendance._meta.get_field(name).column)
        for name in (
            "plan",
            "institution",
            "region_code",
            "on",
            "source",
            "on_holiday",
            "recorded_by",
            "recorded_at",
        )
    )
    conflict = ", ".join(ops.quote_name(Attendance._meta.get_field(name).column) for name in ("plan", "on"))
    # One statement executed over batches of rows; constant table and column names, every value a
    # parameter. ON CONFLICT (PostgreSQL, SQLite ≥ 3.24) skips the days already recorded.
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
        f"ON CONFLICT ({conflict}) DO NOTHING"
    )
    user_id = user.pk if user is not None else None
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement per batch: the rows as arrays.
            values = (
                "SELECT p, %s, r, d, %s, h, %s, %s "
                "FROM unnest(%s::integer[], %s::varchar[], %s::date[], %s::boolean[]) AS t(p, r, d, h)"
            )
            sql_pg = f"INSERT INTO {table} ({columns}) {values} ON CONFLICT ({conflict}) DO NOTHING"
            for start in range(0, len(unique), BATCH_SIZE * 10):
                chunk = unique[start : start + BATCH_SIZE * 10]
                cursor.execute(
                    sql_pg,
                    [
                        institution.pk,
                        source,
                        user_id,
                        now,
                        [p for p, _d in chunk],
                        [regions[p] for p, _d in chunk],
                        [d for _p, d in chunk],
                        [d in flagged for _p, d in chunk],
                    ],
                )
            return in_range.count() - before
        for start in range(0, len(unique), BATCH_SIZE):
            cursor.executemany(
                sql,
                [
                    (
                        plan_id,
                        institution.pk,
                        regions[plan_id],
                        ops.adapt_datefield_value(day),
                        source,
                        day in flagged,
                        user_id,
                        now,
                    )
                    for plan_id, day in unique[start : start + BATCH_SIZE]
                ],
            )
    return in_range.count() - before


@transaction.atomic
def attendance_bulk(
    *,
    actor: Any,
    institution_id: Any,
    rows: Iterable[dict[str, Any]],
    source: str = AttendanceSource.API,
    confirm_holiday: bool = False,
) -> int:
    """Record many child-days at one institution at once. Each row is a dict with ``on`` (a date)
    and one of ``plan_id``, ``person_id`` or ``id_number``; optional ``row`` (its number, for
    messages). All or nothing: if any row is bad (see ``attendance_validate``; a public holiday
    without ``confirm_holiday``), ValidationFailed lists every bad row with its field and nothing is
    written. Days already recorded are skipped. Returns the number of rows added."""
    institution = institution_for_attendance(actor, institution_id)
    if source not in AttendanceSource.values:
        raise _fail("source", _("Unknown source."), source)
    items: list[tuple[int | None, str, Any, dt.date]] = []
    errors: list[RowError] = []
    for i, data in enumerate(rows, start=1):
        row = data.get("row", i)
        try:
            day = _date(data.get("on"), "on")
        except ValidationFailed as exc:
            errors.append(RowError(row, "on", exc.errors[0].message, str(data.get("on"))))
            continue
        assert day is not None
        if data.get("plan_id") not in (None, ""):
            pk = _pk(data["plan_id"])
            if pk is None:
                errors.append(RowError(row, "plan_id", str(_("Enter a whole number.")), str(data["plan_id"])))
                continue
            items.append((row, "plan", pk, day))
        elif data.get("person_id") not in (None, ""):
            pk = _pk(data["person_id"])
            if pk is None:
                errors.append(
                    RowError(row, "person_id", str(_("Enter a whole number.")), str(data["person_id"]))
                )
                continue
            items.append((row, "person", pk, day))
        elif (data.get("id_number") or "").strip():
            items.append((row, "id_number", str(data["id_number"]).strip().upper(), day))
        else:
            errors.append(RowError(row, "plan_id", str(_("Give the plan, the child or the ID number."))))
    pairs, more, unconfirmed = attendance_validate(
        institution, items, id_field="plan_id", date_field="on", confirm_holiday=confirm_holiday
    )
    if errors or more or unconfirmed:
        raise _refuse(errors + more, unconfirmed)
    added = attendance_insert(actor=actor, institution=institution, pairs=pairs, source=source)
    audit_record(
        actor=actor,
        event="rehab.attendance_recorded",
        obj=institution,
        new={"rows": len(pairs), "added": added, "source": source, "holidays_confirmed": confirm_holiday},
    )
    return added
