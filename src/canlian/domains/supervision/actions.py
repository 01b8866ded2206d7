"""Writes of supervision. Each action is atomic, checks the actor's permission and scope inside its
transaction, records its audit row there and raises typed errors (canlian.platform.errors).
``SYSTEM`` (or ``None``) is the operator at the command line and the daily task.
``plan_create`` and ``plan_mark_done`` are the former names of ``inspection_plan_create`` and
``inspection_plan_mark_done``.

Audit event codes: supervision.inspection_planned, supervision.inspection_recorded,
supervision.notice_issued, supervision.notice_responded, supervision.notice_reinspected,
supervision.notice_closed, supervision.notice_escalated. A scored inspection updates the
institution's rating and an escalation its status, through canlian.core.institutions.actions (which
keep the institution's own history and audit rows).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_record
from canlian.core.institutions.choices import ESCALATION, InstitutionStatus
from canlian.core.institutions.models import Institution
from canlian.domains.supervision.choices import (
    NOTICE_RUNNING,
    NoticeEventKind,
    NoticeStatus,
    PlanKind,
    PlanStatus,
)
from canlian.domains.supervision.models import (
    ChecklistTemplate,
    Inspection,
    InspectionItem,
    InspectionPlan,
    NoticeEvent,
    RectificationNotice,
)
from canlian.platform.access import authorize, is_system, lock_for, require, user_or_none
from canlian.platform.errors import InvalidState, NotFound, RowError, ValidationFailed
from canlian.platform.inputs import as_date, as_int, field_error
from canlian.platform.numbering import NumberingExhausted, allocate_yearly
from canlian.programs.workdays import add_working_days, deadline_record

VIEW = "supervision.view"
INSPECT = "supervision.inspect"
RESPOND = "supervision.respond"

#: Working days a notice may give at most (a quarter).
MAX_WORKING_DAYS = 60
#: Prefix of notice numbers (``DYZG-2026-001``); ``CANLIAN_NOTICE_PREFIX`` in settings overrides it.
DEFAULT_NOTICE_PREFIX = "DYZG"
#: Photos of findings: image files up to 10 MB.
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".heic", ".heif", ".webp")
PHOTO_MAX_BYTES = 10 * 1024 * 1024
#: The checklist used when none is named.
DEFAULT_TEMPLATE = "rehab-institution-2026"


# --- helpers ---------------------------------------------------------------------------------------


def _not_future(day: dt.date, field: str) -> None:
    if day > timezone.localdate():
        raise field_error(field, _("The date cannot be in the future."), day)


def _decimal(value: Any, field: str, row: int | None = None) -> Decimal:
    if value in (None, ""):
        raise field_error(field, _("Enter a score."), row=row)
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise field_error(field, _("Enter a number."), value, row=row) from exc
    if not number.is_finite():
        raise field_error(field, _("Enter a number."), value, row=row)
    return number


def _locked_institution(actor: Any, institution_id: Any) -> Institution:
    """The institution to inspect, locked: seen for supervision, then inspected in its region."""
    require(actor, INSPECT)
    institution = lock_for(actor, Institution, institution_id, view=VIEW)
    authorize(actor, INSPECT, institution.region_code)
    return institution


def _locked_notice(actor: Any, notice_id: Any, permission: str) -> RectificationNotice:
    """The notice, locked, read through the actor's reach for ``permission`` (an institution's staff:
    their own institution only); out of reach is NotFound."""
    require(actor, permission)
    return lock_for(actor, RectificationNotice, notice_id, view=permission)


def _event(
    notice: RectificationNotice, kind: str, on: dt.date, actor: Any, text: str = "", **extra: Any
) -> None:
    NoticeEvent.objects.create(notice=notice, kind=kind, on=on, text=text, actor=user_or_none(actor), **extra)


def _notice_values(n: RectificationNotice) -> dict[str, Any]:
    return {
        "number": n.number,
        "status": n.status,
        "due_on": n.due_on,
        "responded_on": n.responded_on,
        "reinspected_on": n.reinspected_on,
        "reinspection_passed": n.reinspection_passed,
        "closed_on": n.closed_on,
        "escalated_to": n.escalated_to,
        "escalated_on": n.escalated_on,
    }


def notice_prefix() -> str:
    return getattr(settings, "CANLIAN_NOTICE_PREFIX", DEFAULT_NOTICE_PREFIX)


# --- plans -----------------------------------------------------------------------------------------


@transaction.atomic
def inspection_plan_create(
    *,
    actor: Any,
    title: str,
    year: Any,
    region_code: str,
    institution_ids: list[Any],
    kind: str = PlanKind.ROUTINE,
    quarter: Any = None,
    note: str = "",
) -> InspectionPlan:
    """Plan inspections of a year (or quarter) in a region. Every institution must lie in the region."""
    authorize(actor, INSPECT, region_code or "")
    title = (title or "").strip()
    if not title:
        raise field_error("title", _("This field is required."))
    year = as_int(year, "year", low=2000, high=2100)
    quarter = as_int(quarter, "quarter", low=1, high=4, required=False)
    if kind not in PlanKind.values:
        raise field_error("kind", _("Choose the kind of inspection."), kind)
    ids = []
    for raw in institution_ids or []:
        try:
            ids.append(int(raw))
        except (TypeError, ValueError) as exc:
            raise field_error(
                "institutions", _("Not an institution: %(value)s.") % {"value": raw}, raw
            ) from exc
    if not ids:
        raise field_error("institutions", _("Choose at least one institution to inspect."))
    institutions = list(Institution.objects.filter(pk__in=ids))
    found = {i.pk for i in institutions}
    missing = [i for i in ids if i not in found]
    if missing:
        raise field_error(
            "institutions", _("Unknown institution: %(value)s.") % {"value": missing[0]}, missing[0]
        )
    outside = [i for i in institutions if not i.region_code.startswith(region_code)]
    if outside:
        raise field_error(
            "institutions",
            _("%(name)s is not in the plan's region.") % {"name": outside[0].name},
            outside[0].name,
        )
    plan = InspectionPlan.objects.create(
        title=title[:120],
        year=year,
        quarter=quarter,
        region_code=region_code,
        kind=kind,
        note=(note or "").strip(),
        created_by=user_or_none(actor),
    )
    plan.institutions.set(institutions)
    audit_record(
        actor=actor,
        event="supervision.inspection_planned",
        obj=plan,
        new={"year": year, "quarter": quarter, "kind": kind, "institutions": sorted(found)},
    )
    return plan


@transaction.atomic
def inspection_plan_mark_done(*, actor: Any, plan_id: Any) -> InspectionPlan:
    """Mark a plan done (it is also marked done when its last institution has been inspected)."""
    plan = lock_for(actor, InspectionPlan, plan_id, view=VIEW)
    authorize(actor, INSPECT, plan.region_code)
    if plan.status == PlanStatus.DONE:
        raise InvalidState(_("This plan is already done."))
    plan.status = PlanStatus.DONE
    plan.save(update_fields=["status"])
    audit_record(actor=actor, event="supervision.inspection_planned", obj=plan, new={"status": plan.status})
    return plan


# --- inspections -----------------------------------------------------------------------------------


def default_template() -> ChecklistTemplate:
    template = ChecklistTemplate.objects.filter(code=DEFAULT_TEMPLATE).first()
    template = template or ChecklistTemplate.objects.filter(active=True).order_by("code").first()
    if template is None:
        raise InvalidState(_("No checklist is set up."))
    return template


@transaction.atomic
def inspection_record(
    *,
    actor: Any,
    institution_id: Any,
    inspected_on: Any,
    items: list[dict[str, Any]],
    inspectors: str,
    summary: str = "",
    plan_id: Any = None,
    unannounced: bool | None = None,
    template_id: Any = None,
) -> Inspection:
    """Record a scored inspection. ``items`` has one dict per checklist item: ``item`` (the checklist
    item id), ``score`` (0 to its maximum), ``finding`` (text) and ``photo`` (an uploaded file or
    None). Every item of the checklist must be scored once. The total becomes the institution's
    rating, unless the institution has a newer rating already."""
    institution = _locked_institution(actor, institution_id)
    day = as_date(inspected_on, "inspected_on")
    _not_future(day, "inspected_on")
    inspectors = (inspectors or "").strip()
    if not inspectors:
        raise field_error("inspectors", _("Name the inspectors."))
    plan = None
    if plan_id not in (None, ""):
        try:
            plan = lock_for(actor, InspectionPlan, plan_id, view=VIEW)
        except NotFound as exc:
            raise field_error("plan", _("Choose a plan of your region."), plan_id) from exc
        if not plan.institutions.filter(pk=institution.pk).exists():
            raise field_error("plan", _("This institution is not in the plan."), plan.title)
    if template_id not in (None, ""):
        try:
            template = ChecklistTemplate.objects.filter(pk=template_id).first()
        except (TypeError, ValueError):
            template = None
        if template is None:
            raise field_error("template", _("Choose a checklist."), template_id)
    else:
        template = default_template()
    checklist = {i.pk: i for i in template.items.all()}
    errors: list[RowError] = []
    scored: dict[int, dict[str, Any]] = {}
    for index, raw in enumerate(items or [], start=1):
        try:
            item_id = int(raw.get("item"))
        except (TypeError, ValueError):
            errors.append(RowError(row=index, field="item", message=_("Not a checklist item."), value=None))
            continue
        entry = checklist.get(item_id)
        if entry is None:
            errors.append(
                RowError(
                    row=index, field="item", message=_("Not an item of this checklist."), value=str(item_id)
                )
            )
            continue
        if item_id in scored:
            errors.append(
                RowError(row=entry.number, field="score", message=_("This item is scored twice."), value=None)
            )
            continue
        try:
            score = _decimal(raw.get("score"), "score", entry.number)
        except ValidationFailed as exc:
            errors.extend(exc.errors)
            continue
        if score < 0 or score > entry.max_score or score != score.quantize(Decimal("0.1")):
            errors.append(
                RowError(
                    row=entry.number,
                    field="score",
                    message=_("Item %(number)s: enter a score from 0 to %(max)s (one decimal).")
                    % {"number": entry.number, "max": entry.max_score},
                    value=str(score),
                )
            )
            continue
        photo = raw.get("photo") or None
        if photo is not None:
            name = str(getattr(photo, "name", "") or "").lower()
            if not name.endswith(PHOTO_SUFFIXES):
                errors.append(
                    RowError(
                        row=entry.number,
                        field="photo",
                        message=_("Item %(number)s: the photo must be a JPEG, PNG, HEIC or WebP image.")
                        % {"number": entry.number},
                        value=name[-60:],
                    )
                )
                continue
            if (getattr(photo, "size", 0) or 0) > PHOTO_MAX_BYTES:
                errors.append(
                    RowError(
                        row=entry.number,
                        field="photo",
                        message=_("Item %(number)s: the photo is larger than %(mb)s MB.")
                        % {"number": entry.number, "mb": PHOTO_MAX_BYTES // (1024 * 1024)},
                        value=name[-60:],
                    )
                )
                continue
        scored[item_id] = {
            "entry": entry,
            "score": score,
            "finding": (raw.get("finding") or "").strip(),
            "photo": photo,
        }
    for entry in sorted(checklist.values(), key=lambda e: e.number):
        if entry.pk not in scored and not any(e.row == entry.number for e in errors):
            errors.append(
                RowError(
                    row=entry.number,
                    field="score",
                    message=_("Item %(number)s is not scored.") % {"number": entry.number},
                    value=None,
                )
            )
    if errors:
        errors.sort(key=lambda e: e.row or 0)
        raise ValidationFailed(errors=errors, field="items")
    total = sum((s["score"] for s in scored.values()), Decimal("0"))
    if total > 100:
        raise field_error("items", _("The checklist totals more than 100 points."), total)
    inspection = Inspection.objects.create(
        plan=plan,
        institution=institution,
        region_code=institution.region_code,
        template=template,
        inspected_on=day,
        unannounced=(plan.kind == PlanKind.UNANNOUNCED)
        if unannounced is None and plan
        else bool(unannounced),
        score=total,
        inspectors=inspectors[:200],
        summary=(summary or "").strip(),
        recorded_by=user_or_none(actor),
    )
    for s in sorted(scored.values(), key=lambda s: s["entry"].number):
        row = InspectionItem(
            inspection=inspection,
            checklist_item=s["entry"],
            max_score=s["entry"].max_score,
            score=s["score"],
            finding=s["finding"],
        )
        if s["photo"]:
            row.photo = s["photo"]
        row.save()
    if plan is not None and plan.status == PlanStatus.PLANNED:
        inspected = set(plan.inspections.values_list("institution_id", flat=True))
        if set(plan.institutions.values_list("pk", flat=True)) <= inspected:
            plan.status = PlanStatus.DONE
            plan.save(update_fields=["status"])
    audit_record(
        actor=actor,
        event="supervision.inspection_recorded",
        obj=inspection,
        new={"institution": institution.pk, "inspected_on": day, "score": total, "plan": plan and plan.pk},
    )
    if institution.rated_on is None or institution.rated_on <= day:
        from canlian.core.institutions.actions import institution_set_rating

        institution_set_rating(actor=actor, institution_id=institution.pk, score=total, on=day)
    return inspection


# --- notices ---------------------------------------------------------------------------------------


@transaction.atomic
def notice_issue(
    *, actor: Any, inspection_id: Any, problems: str, working_days: Any, issued_on: Any = None
) -> RectificationNotice:
    """Issue a rectification notice from an inspection: the problems found and a deadline
    ``working_days`` working days after the issue date (holidays and make-up days counted)."""
    inspection = lock_for(actor, Inspection, inspection_id, view=VIEW, related=("institution",))
    authorize(actor, INSPECT, inspection.region_code)
    problems = (problems or "").strip()
    if not problems:
        raise field_error("problems", _("List the problems to rectify."))
    days = as_int(working_days, "working_days", low=1, high=MAX_WORKING_DAYS)
    day = as_date(issued_on, "issued_on", required=False) or timezone.localdate()
    if day < inspection.inspected_on:
        raise field_error("issued_on", _("A notice cannot be issued before the inspection."), day)
    _not_future(day, "issued_on")
    due = add_working_days(day, days)

    def next_sequence() -> int:
        return (RectificationNotice.objects.filter(year=day.year).aggregate(m=Max("sequence"))["m"] or 0) + 1

    def create(sequence: int) -> RectificationNotice:
        return RectificationNotice.objects.create(
            institution=inspection.institution,
            inspection=inspection,
            region_code=inspection.region_code,
            number=f"{notice_prefix()}-{day.year}-{sequence:03d}",
            year=day.year,
            sequence=sequence,
            problems=problems,
            issued_on=day,
            working_days=days,
            due_on=due,
            created_by=user_or_none(actor),
        )

    try:
        notice = allocate_yearly(next_sequence=next_sequence, create=create)
    except NumberingExhausted as exc:  # pragma: no cover - five concurrent issues of one number in a row
        raise InvalidState(_("Could not number the notice; try again.")) from exc
    _event(notice, NoticeEventKind.ISSUED, day, actor, problems, due_on=due)
    deadline_record(notice, "due_on", start=day, days=days)
    audit_record(actor=actor, event="supervision.notice_issued", obj=notice, new=_notice_values(notice))
    return notice


def _running(notice: RectificationNotice) -> None:
    if notice.status not in NOTICE_RUNNING:
        raise InvalidState(_("This notice is closed."))


@transaction.atomic
def notice_respond(*, actor: Any, notice_id: Any, response: str, on: Any = None) -> RectificationNotice:
    """The institution answers a notice (what it rectified). Only its own staff may."""
    notice = _locked_notice(actor, notice_id, RESPOND)
    _running(notice)
    text = (response or "").strip()
    if not text:
        raise field_error("response", _("Describe what was rectified."))
    day = as_date(on, "on", required=False) or timezone.localdate()
    if day < notice.issued_on:
        raise field_error("on", _("The response cannot be before the notice."), day)
    _not_future(day, "on")
    before = _notice_values(notice)
    notice.response = text
    notice.responded_on = day
    notice.status = NoticeStatus.RESPONDED
    notice.save(update_fields=["response", "responded_on", "status"])
    _event(notice, NoticeEventKind.RESPONDED, day, actor, text)
    audit_record(
        actor=actor, event="supervision.notice_responded", obj=notice, old=before, new=_notice_values(notice)
    )
    return notice


@transaction.atomic
def notice_reinspect(
    *, actor: Any, notice_id: Any, passed: bool, note: str = "", on: Any = None
) -> RectificationNotice:
    """Record a re-inspection: passed closes the notice; failed leaves it open (and, once past its
    deadline, overdue, so it can be escalated)."""
    notice = _locked_notice(actor, notice_id, INSPECT)
    authorize(actor, INSPECT, notice.region_code)
    _running(notice)
    day = as_date(on, "on", required=False) or timezone.localdate()
    if day < notice.issued_on:
        raise field_error("on", _("The re-inspection cannot be before the notice."), day)
    _not_future(day, "on")
    text = (note or "").strip()
    if not passed and not text:
        raise field_error("note", _("Say what is still not rectified."))
    before = _notice_values(notice)
    notice.reinspected_on = day
    notice.reinspection_passed = bool(passed)
    notice.reinspection_note = text
    fields = ["reinspected_on", "reinspection_passed", "reinspection_note", "status"]
    if passed:
        notice.status = NoticeStatus.CLOSED
        notice.closed_on = day
        fields.append("closed_on")
    elif notice.status == NoticeStatus.RESPONDED:
        notice.status = NoticeStatus.OPEN
    notice.save(update_fields=fields)
    _event(
        notice,
        NoticeEventKind.REINSPECTED_PASSED if passed else NoticeEventKind.REINSPECTED_FAILED,
        day,
        actor,
        text,
    )
    if passed:
        _event(notice, NoticeEventKind.CLOSED, day, actor)
    audit_record(
        actor=actor,
        event="supervision.notice_reinspected",
        obj=notice,
        old=before,
        new=_notice_values(notice),
    )
    return notice


@transaction.atomic
def notice_close(*, actor: Any, notice_id: Any, on: Any = None, note: str = "") -> RectificationNotice:
    """Close a notice without a re-inspection (e.g. rectified on paper, or withdrawn)."""
    notice = _locked_notice(actor, notice_id, INSPECT)
    authorize(actor, INSPECT, notice.region_code)
    _running(notice)
    day = as_date(on, "on", required=False) or timezone.localdate()
    if day < notice.issued_on:
        raise field_error("on", _("The notice cannot be closed before it was issued."), day)
    _not_future(day, "on")
    before = _notice_values(notice)
    notice.status = NoticeStatus.CLOSED
    notice.closed_on = day
    notice.save(update_fields=["status", "closed_on"])
    _event(notice, NoticeEventKind.CLOSED, day, actor, (note or "").strip())
    audit_record(
        actor=actor, event="supervision.notice_closed", obj=notice, old=before, new=_notice_values(notice)
    )
    return notice


def next_escalation(status: str) -> str | None:
    """The next, harsher step of ESCALATION after ``status``; None after removal."""
    order = [str(s) for s in ESCALATION]
    index = order.index(str(status)) if str(status) in order else 0
    return order[index + 1] if index + 1 < len(order) else None


@transaction.atomic
def notice_escalate(*, actor: Any, notice_id: Any, on: Any = None, reason: str = "") -> RectificationNotice:
    """Escalate: the institution moves one step along ESCALATION (active → warned → suspended →
    removed) through ``institution_set_status`` (source ``notice:<id>``, so the history is on the
    institution), and the notice gets a fresh deadline of its working days from ``on``."""
    from canlian.core.institutions.actions import institution_set_status

    notice = _locked_notice(actor, notice_id, INSPECT)
    authorize(actor, INSPECT, notice.region_code)
    _running(notice)
    day = as_date(on, "on", required=False) or timezone.localdate()
    if day < notice.issued_on:
        raise field_error("on", _("The notice cannot be escalated before it was issued."), day)
    institution = Institution.objects.select_for_update().get(pk=notice.institution_id)
    target = next_escalation(institution.status)
    if target is None:
        raise InvalidState(_("The institution has already been removed; it cannot be escalated further."))
    text = (reason or "").strip() or _("Rectification notice %(number)s not rectified by %(due)s.") % {
        "number": notice.number,
        "due": notice.due_on.isoformat(),
    }
    before = _notice_values(notice)
    institution_set_status(
        actor=actor,
        institution_id=institution.pk,
        status=target,
        reason=text[:300],
        on=day,
        source=f"notice:{notice.pk}",
    )
    notice.status = NoticeStatus.ESCALATED
    notice.escalated_to = target
    notice.escalated_on = day
    due_before = notice.due_on
    if target != InstitutionStatus.REMOVED:
        notice.due_on = max(notice.due_on, add_working_days(day, notice.working_days))
    notice.save(update_fields=["status", "escalated_to", "escalated_on", "due_on"])
    if target != InstitutionStatus.REMOVED:
        deadline_record(notice, "due_on", start=day, days=notice.working_days, not_before=due_before)
    _event(notice, NoticeEventKind.ESCALATED, day, actor, text, to_status=target, due_on=notice.due_on)
    audit_record(
        actor=actor, event="supervision.notice_escalated", obj=notice, old=before, new=_notice_values(notice)
    )
    return notice


def escalate_overdue(*, actor: Any, on: dt.date) -> list[RectificationNotice]:
    """Escalate every overdue notice once for its current overdue period. An escalation gives the
    notice a new deadline, so a notice escalated already in this period is no longer overdue and a
    re-run escalates nothing; a notice whose institution is already removed is skipped."""
    qs = RectificationNotice.objects.overdue(on).select_related("institution").order_by("due_on", "pk")
    if not is_system(actor):
        qs = qs.filter(pk__in=RectificationNotice.objects.for_user(actor, INSPECT).values("pk"))
    done = []
    for notice in qs:
        if notice.escalated_on is not None and notice.escalated_on >= notice.due_on:
            continue
        if next_escalation(notice.institution.status) is None:
            continue
        try:
            done.append(notice_escalate(actor=actor, notice_id=notice.pk, on=on))
        except InvalidState:
            # E.g. another overdue notice of the same institution has just escalated it to removal.
            continue
    return done


plan_create = inspection_plan_create
plan_mark_done = inspection_plan_mark_done
