"""Reads of supervision, all through the scoped querysets (an institution's staff: their own
institution's inspections and notices only; plans: federation users only)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from canlian.core.institutions.models import Institution
from canlian.domains.supervision.choices import NOTICE_RUNNING, NoticeStatus, rating_band
from canlian.domains.supervision.models import (
    ChecklistTemplate,
    Inspection,
    InspectionItem,
    InspectionPlan,
    RectificationNotice,
)
from canlian.platform.access import is_system

VIEW = "supervision.view"

#: Notice list states: open (running), overdue, closed, all.
NOTICE_STATES = ("open", "overdue", "closed", "all")


def plans_visible(*, user: Any, year: int | None = None, status: str = "") -> QuerySet[InspectionPlan]:
    qs = InspectionPlan.objects.for_user(user, VIEW)
    if year:
        qs = qs.filter(year=year)
    if status:
        qs = qs.filter(status=status)
    return qs


def plan_get(*, user: Any, plan_id: Any) -> InspectionPlan:
    return InspectionPlan.objects.get_for_user(user, VIEW, pk=plan_id)


def inspections_visible(
    *, user: Any, institution_id: Any = None, plan_id: Any = None, year: int | None = None
) -> QuerySet[Inspection]:
    qs = Inspection.objects.for_user(user, VIEW).select_related("institution", "plan")
    if institution_id not in (None, ""):
        qs = qs.filter(institution_id=institution_id)
    if plan_id not in (None, ""):
        qs = qs.filter(plan_id=plan_id)
    if year:
        qs = qs.filter(inspected_on__year=year)
    return qs


def inspection_get(*, user: Any, inspection_id: Any) -> Inspection:
    return Inspection.objects.select_related("institution", "plan", "template").get_for_user(
        user, VIEW, pk=inspection_id
    )


def inspection_item_get(*, user: Any, inspection_item_id: Any) -> InspectionItem:
    from canlian.platform.errors import NotFound

    try:
        return InspectionItem.objects.get(
            pk=inspection_item_id, inspection__in=Inspection.objects.for_user(user, VIEW).values("pk")
        )
    except (InspectionItem.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc


def notices_visible(
    *,
    user: Any,
    state: str = "all",
    on: dt.date | None = None,
    institution_id: Any = None,
    year: int | None = None,
) -> QuerySet[RectificationNotice]:
    qs = RectificationNotice.objects.for_user(user, VIEW).select_related("institution")
    if state == "open":
        qs = qs.running()
    elif state == "overdue":
        qs = qs.overdue(on or timezone.localdate())
    elif state == "closed":
        qs = qs.filter(status=NoticeStatus.CLOSED)
    if institution_id not in (None, ""):
        qs = qs.filter(institution_id=institution_id)
    if year:
        qs = qs.filter(year=year)
    return qs


def notices_overdue(*, user: Any, on: dt.date) -> QuerySet[RectificationNotice]:
    """Notices past their deadline and not closed, that ``user`` may see (SYSTEM or None: all, for
    commands)."""
    qs = (
        RectificationNotice.objects.all()
        if is_system(user)
        else RectificationNotice.objects.for_user(user, VIEW)
    )
    return qs.overdue(on).select_related("institution").order_by("due_on", "pk")


def notice_get(*, user: Any, notice_id: Any) -> RectificationNotice:
    return RectificationNotice.objects.select_related("institution", "inspection").get_for_user(
        user, VIEW, pk=notice_id
    )


def institutions_by_rating(*, user: Any) -> list[Institution]:
    """Institutions the user may see for supervision, best rated first (unrated last), each with
    ``band`` and ``open_notices`` (running notices)."""
    rows = list(
        Institution.objects.for_user(user, VIEW)
        .annotate(open_notices=Count("notices", filter=Q(notices__status__in=NOTICE_RUNNING)))
        .order_by("-rating_score", "name", "pk")
    )
    rows.sort(key=lambda i: (i.rating_score is None, -(i.rating_score or 0), i.name, i.pk))
    for row in rows:
        row.band = rating_band(row.rating_score)
    return rows


def templates() -> QuerySet[ChecklistTemplate]:
    return ChecklistTemplate.objects.filter(active=True).prefetch_related("items")
