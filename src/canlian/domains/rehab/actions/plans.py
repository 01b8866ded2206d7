"""Writes of rehabilitation plans: the guardian's choice of institution as a child's plan for a
year, its changes, its early end and a change of institution mid-year (``rehab_plan_transfer``).

One training category per child per year, but a child may change institution mid-year: at most one
open plan per child and year, all of the year's plans of one category, their dates never overlapping.

Audit event codes: rehab.plan_created, rehab.plan_updated, rehab.plan_ended, rehab.plan_transferred.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_record
from canlian.core.institutions.choices import ServiceCategory
from canlian.core.registry.choices import LifeStatus
from canlian.core.registry.models import Person
from canlian.domains.rehab.actions._common import (
    MANAGE,
    VIEW,
    _attendance_span,
    _count,
    _institution,
    _locked_plan,
    _pk,
    _therapist,
    designated_for,
)
from canlian.domains.rehab.choices import PROGRAM_CODE, PlanEndReason, PlanStatus, TrainingMode
from canlian.domains.rehab.events import RehabEvent
from canlian.domains.rehab.models import RehabPlan
from canlian.platform.access import authorize, lock_for, user_or_none
from canlian.platform.errors import Conflict, InvalidState
from canlian.platform.inputs import as_date, field_error
from canlian.programs.choices import EnrollmentStatus
from canlian.programs.models import Enrollment


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


def _check_dates(year: int, starts_on: dt.date, ends_on: dt.date) -> None:
    if starts_on.year != year:
        raise field_error("starts_on", _("The plan must start in %(year)s.") % {"year": year}, starts_on)
    if ends_on.year != year:
        raise field_error("ends_on", _("The plan must end in %(year)s.") % {"year": year}, ends_on)
    if ends_on < starts_on:
        raise field_error("ends_on", _("The end cannot be before the start."), ends_on)


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


def _living_child(enrollment: Enrollment) -> Person:
    """The enrollment's child, locked: a plan needs an active enrollment and a living child."""
    if enrollment.status != EnrollmentStatus.ACTIVE:
        raise field_error(
            "enrollment",
            _("The application is %(status)s; a plan needs an active enrollment.")
            % {"status": enrollment.get_status_display()},
            enrollment.pk,
        )
    person = Person.objects.select_for_update().get(pk=enrollment.person_id)
    if person.life_status != LifeStatus.LIVING:
        raise InvalidState(_("Only a living child can have a plan."))
    return person


@transaction.atomic
def rehab_plan_create(
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
    institution mid-year is ``rehab_plan_transfer``."""
    enrollment = lock_for(actor, Enrollment.objects.select_related("program"), enrollment_id, view=VIEW)
    authorize(actor, MANAGE, enrollment.region_code)
    if enrollment.program.code != PROGRAM_CODE:
        raise field_error(
            "enrollment", _("This is not a children's rehabilitation application."), enrollment.pk
        )
    person = _living_child(enrollment)
    year_n = _count(year, "year", 2100)
    if year_n < 2000:
        raise field_error("year", _("Enter a year."), year)
    if category not in ServiceCategory.values:
        raise field_error("category", _("Choose a training category."), category)
    if mode not in TrainingMode.values:
        raise field_error("mode", _("Choose a training mode."), mode)
    start = as_date(starts_on, "starts_on")
    end = as_date(ends_on, "ends_on")
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
        created_by=user_or_none(actor),
    )
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError as exc:
        raise _one_per_year(person, year_n) from exc
    audit_record(actor=actor, event="rehab.plan_created", obj=plan, new=_plan_values(plan))
    return plan


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
def rehab_plan_update(*, actor: Any, plan_id: Any, **fields: Any) -> RehabPlan:
    """Change a plan's dates, planned days and hours, goals, therapist or guardian. The institution,
    year and category are the guardian's choice: end the plan instead. Dates may not leave recorded
    attendance outside the plan."""
    unknown = sorted(set(fields) - set(UPDATABLE))
    if unknown:
        raise field_error(unknown[0], _("This field cannot be changed."))
    plan = _locked_plan(plan_id, actor, MANAGE)
    if plan.status != PlanStatus.ACTIVE:
        raise InvalidState(_("This plan has ended."))
    before = _plan_values(plan)
    if "mode" in fields:
        if fields["mode"] not in TrainingMode.values:
            raise field_error("mode", _("Choose a training mode."), fields["mode"])
        plan.mode = fields["mode"]
    start = as_date(fields["starts_on"], "starts_on") if "starts_on" in fields else plan.starts_on
    end = as_date(fields["ends_on"], "ends_on") if "ends_on" in fields else plan.ends_on
    assert start is not None and end is not None
    _check_dates(plan.year, start, end)
    first, last = _attendance_span(plan)
    if first is not None and first < start:
        raise field_error("starts_on", _("Attendance is recorded from %(day)s.") % {"day": first}, start)
    if last is not None and last > end:
        raise field_error("ends_on", _("Attendance is recorded until %(day)s.") % {"day": last}, end)
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
def rehab_plan_end(
    *,
    actor: Any,
    plan_id: Any,
    ended_on: Any = None,
    reason: str = "",
    end_reason: str = PlanEndReason.STOPPED,
) -> RehabPlan:
    """End a plan early (the child left training, …): ``ended_on`` becomes its last day;
    ``end_reason`` is stopped or other (a change of institution is ``rehab_plan_transfer``)."""
    plan = _locked_plan(plan_id, actor, MANAGE)
    if plan.status != PlanStatus.ACTIVE:
        raise InvalidState(_("This plan has already ended."))
    if end_reason not in (PlanEndReason.STOPPED, PlanEndReason.OTHER):
        raise field_error("end_reason", _("Choose why the plan ends."), end_reason)
    end = as_date(ended_on, "ended_on", required=False) or min(timezone.localdate(), plan.ends_on)
    if end < plan.starts_on or end > plan.ends_on:
        raise field_error(
            "ended_on",
            _("The plan runs from %(start)s to %(end)s.") % {"start": plan.starts_on, "end": plan.ends_on},
            end,
        )
    _first, last = _attendance_span(plan)
    if last is not None and last > end:
        raise field_error("ended_on", _("Attendance is recorded until %(day)s.") % {"day": last}, end)
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
def rehab_plan_transfer(
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
    (default: the old plan's end). The new plan gets every check of ``rehab_plan_create``: an active
    enrollment, a living child, a designated institution open for new children that serves the
    category and holds an agreement valid on ``on``, a certified therapist of that institution.
    Attendance already recorded at the old institution on or after ``on`` refuses the transfer.
    Mode, planned days, hours and goals are copied unless given. Returns the new plan."""
    old = _locked_plan(plan_id, actor, MANAGE)
    if old.status != PlanStatus.ACTIVE:
        raise InvalidState(_("This plan has already ended."))
    day = as_date(on, "on")
    assert day is not None
    if day <= old.starts_on or day > old.ends_on:
        raise field_error(
            "on",
            _(
                "The transfer must start after the plan's first day %(start)s and not after its last day %(end)s."
            )
            % {"start": old.starts_on, "end": old.ends_on},
            day,
        )
    note = (reason or "").strip()
    if not note:
        raise field_error("reason", _("Give the reason for the transfer."))
    institution = _institution(to_institution_id)
    if institution.pk == old.institution_id:
        raise field_error(
            "institution",
            _("The child already trains at %(name)s.") % {"name": institution.name},
            institution.pk,
        )
    enrollment = Enrollment.objects.select_for_update().get(pk=old.enrollment_id)
    person = _living_child(enrollment)
    new_mode = old.mode if mode in (None, "") else mode
    if new_mode not in TrainingMode.values:
        raise field_error("mode", _("Choose a training mode."), mode)
    end = as_date(ends_on, "ends_on", required=False) or old.ends_on
    _check_dates(old.year, day, end)
    designated_for(institution, old.category, day)
    therapist = _therapist(therapist_id, institution, day)
    _first, last = _attendance_span(old)
    if last is not None and last >= day:
        raise field_error(
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
        created_by=user_or_none(actor),
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
        event=RehabEvent.REHAB_PLAN_TRANSFERRED,
        obj=plan,
        new={
            **_plan_values(plan),
            "from_institution": old.institution_id,
            "on": day,
            "reason": note[:200],
        },
    )
    return plan
