"""Writes of children's rehabilitation (plans, devices, surgery referrals, attendance). Each action
is atomic, checks the actor's permission and scope inside its transaction, records its audit row there
and raises typed errors (canlian.platform.errors). ``actor=None`` is the operator at the command line.

Scope: plans, devices and surgery referrals are managed (``rehab.manage``) by the federation of the
child's residence; attendance (``rehab.attendance``) is recorded by the institution's own staff, or by
a federation user whose region holds the child (a page) or the institution (an upload).

Audit event codes: rehab.plan_created, rehab.plan_updated, rehab.plan_ended, rehab.device_provided,
rehab.surgery_referred, rehab.surgery_updated, rehab.attendance_recorded, rehab.attendance_removed,
rehab.attendance_imported.
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
from canlian.domains.rehab.choices import (
    PROGRAM_CODE,
    AttendanceSource,
    DeviceStatus,
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
            "%(name)s already has a rehabilitation plan for %(year)s: one training category per child per year."
        )
        % {"name": person.name, "year": year},
        field="year",
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
    child-rehab enrollment. One plan (one training category) per child per year."""
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
    if RehabPlan.objects.filter(person=person, year=year_n).exists():
        raise _one_per_year(person, year_n)
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
        .select_related("institution", "person")
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
def plan_end(*, actor: Any, plan_id: Any, ended_on: Any = None, reason: str = "") -> RehabPlan:
    """End a plan early (the child moved, left training): ``ended_on`` becomes its last day."""
    plan = _locked_plan(plan_id, actor, MANAGE)
    if plan.status != PlanStatus.ACTIVE:
        raise InvalidState(_("This plan has already ended."))
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
    plan.ends_on = end
    plan.status = PlanStatus.ENDED
    plan.updated_at = timezone.now()
    plan.save(update_fields=["ends_on", "status", "updated_at"])
    audit_record(
        actor=actor,
        event="rehab.plan_ended",
        obj=plan,
        old={"ends_on": before["ends_on"], "status": before["status"]},
        new={"ends_on": plan.ends_on, "status": plan.status, "reason": (reason or "")[:200]},
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


def _day_error(plan: RehabPlan, day: dt.date, today: dt.date) -> str | None:
    if day > today:
        return str(_("%(day)s is in the future.") % {"day": day})
    if day < plan.starts_on or day > plan.ends_on:
        return str(
            _("%(day)s is outside the plan (%(start)s to %(end)s).")
            % {"day": day, "start": plan.starts_on, "end": plan.ends_on}
        )
    return None


@transaction.atomic
def attendance_record(
    *, actor: Any, plan_id: Any, days: Iterable[Any], source: str = AttendanceSource.PAGE
) -> int:
    """Record the days a child trained under a plan. Idempotent: days already recorded are skipped.
    Days in the future or outside the plan's dates are refused (nothing written). Returns the number
    of rows added."""
    plan = _locked_plan(plan_id, actor, ATTENDANCE)
    if source not in AttendanceSource.values:
        raise _fail("source", _("Unknown source."), source)
    today = timezone.localdate()
    wanted: set[dt.date] = set()
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
        wanted.add(day)
    if errors:
        raise ValidationFailed(errors=errors, field="days")
    if not wanted:
        return 0
    existing = set(Attendance.objects.filter(plan=plan, on__in=wanted).values_list("on", flat=True))
    new = sorted(wanted - existing)
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
                    recorded_by=user,
                    recorded_at=now,
                )
                for day in new
            ],
            batch_size=BATCH_SIZE,
            ignore_conflicts=True,
        )
        audit_record(
            actor=actor,
            event="rehab.attendance_recorded",
            obj=plan,
            new={"days": [str(d) for d in new], "source": source},
        )
    return len(new)


@transaction.atomic
def attendance_remove(*, actor: Any, plan_id: Any, day: Any) -> bool:
    """Take back a sign-in recorded by mistake (the tablet page's toggle). Returns whether a row was
    removed. Days already in a settlement batch cannot be removed."""
    plan = _locked_plan(plan_id, actor, ATTENDANCE)
    on = _date(day, "on")
    assert on is not None
    problem = _day_error(plan, on, timezone.localdate())
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


def attendance_validate(
    institution: Institution,
    items: list[tuple[int | None, str, Any, dt.date]],
    *,
    id_field: str,
    date_field: str,
    names: dict[int | None, tuple[str, str]] | None = None,
) -> tuple[list[tuple[int, dt.date]], list[RowError]]:
    """Resolve ``(row, key kind, key, day)`` items (key kind "plan", "person" or "id_number") to
    (plan id, day) pairs at ``institution`` with a handful of set queries; every bad row gets a
    RowError naming its field. ``names`` maps a row to (column, name given) to check the child's name."""
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
        .only("id", "person_id", "year", "starts_on", "ends_on", "region_code")
    ) + list(
        RehabPlan.objects.filter(institution=institution, person_id__in=person_ids, year__in=years)
        .exclude(pk__in=plan_ids)
        .only("id", "person_id", "year", "starts_on", "ends_on", "region_code")
    )
    by_plan = {p.pk: p for p in plans}
    by_person_year = {(p.person_id, p.year): p for p in plans}
    person_names = dict(Person.objects.filter(pk__in=person_ids).values_list("id", "name")) if names else {}
    pairs: list[tuple[int, dt.date]] = []
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
            plan = by_person_year.get((person_id, day.year))
            if plan is None:
                errors.append(
                    RowError(
                        row,
                        id_field,
                        str(_("The child has no plan at this institution in %(year)s.") % {"year": day.year}),
                        str(key),
                    )
                )
                continue
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
    return pairs, errors


def attendance_insert(
    *, actor: Any, institution: Institution, pairs: list[tuple[int, dt.date]], source: str
) -> int:
    """Insert (plan, day) pairs set-based, skipping days already recorded; returns rows added. The
    caller has validated the pairs and holds a transaction."""
    unique = sorted(set(pairs))
    if not unique:
        return 0
    first = min(d for _p, d in unique)
    last = max(d for _p, d in unique)
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
        for name in ("plan", "institution", "region_code", "on", "source", "recorded_by", "recorded_at")
    )
    conflict = ", ".join(ops.quote_name(Attendance._meta.get_field(name).column) for name in ("plan", "on"))
    # One statement executed over batches of rows; constant table and column names, every value a
    # parameter. ON CONFLICT (PostgreSQL, SQLite ≥ 3.24) skips the days already recorded.
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s) "
        f"ON CONFLICT ({conflict}) DO NOTHING"
    )
    user_id = user.pk if user is not None else None
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement per batch: the rows as two arrays.
            values = "SELECT p, %s, r, d, %s, %s, %s FROM unnest(%s::integer[], %s::varchar[], %s::date[]) AS t(p, r, d)"
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
                        user_id,
                        now,
                    )
                    for plan_id, day in unique[start : start + BATCH_SIZE]
                ],
            )
    return in_range.count() - before


@transaction.atomic
def attendance_bulk(
    *, actor: Any, institution_id: Any, rows: Iterable[dict[str, Any]], source: str = AttendanceSource.API
) -> int:
    """Record many child-days at one institution at once. Each row is a dict with ``on`` (a date)
    and one of ``plan_id``, ``person_id`` or ``id_number``; optional ``row`` (its number, for
    messages). All or nothing: if any row is bad, ValidationFailed lists every bad row with its field
    and nothing is written. Days already recorded are skipped. Returns the number of rows added."""
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
    pairs, more = attendance_validate(institution, items, id_field="plan_id", date_field="on")
    errors += more
    if errors:
        errors.sort(key=lambda e: e.row or 0)
        raise ValidationFailed(errors=errors, field=errors[0].field)
    added = attendance_insert(actor=actor, institution=institution, pairs=pairs, source=source)
    audit_record(
        actor=actor,
        event="rehab.attendance_recorded",
        obj=institution,
        new={"rows": len(pairs), "added": added, "source": source},
    )
    return added
