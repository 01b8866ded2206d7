"""Reads of applications and enrollments. Every selector starts from ``for_user`` (the one scoping
path) and returns a QuerySet the caller may narrow; the name/ID search is the registry's."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from canlian.core.permissions import Perm
from canlian.core.registry.selectors import PersonFilters, persons_search
from canlian.programs.choices import IN_REVIEW, OPEN_STATUSES
from canlian.programs.models import Enrollment, EnrollmentStep

#: Pseudo-statuses a list may filter by besides the EnrollmentStatus values.
STATUS_GROUPS = {"in_review": IN_REVIEW, "open": OPEN_STATUSES}


@dataclass
class EnrollmentFilters:
    """The enrollment list's filters, as the page and the API share them."""

    program: str = ""  # program code
    status: str = ""  # an EnrollmentStatus value, "in_review" or "open"
    region: str = ""  # region code prefix
    q: str = ""  # name, pinyin, ID number or certificate number (the registry's search)


def enrollments_visible(*, user: Any, action: str = "view") -> QuerySet[Enrollment]:
    return Enrollment.objects.for_user(user, action)


def enrollments_for_user(
    *, user: Any, filters: EnrollmentFilters | None = None, action: str = "view"
) -> QuerySet[Enrollment]:
    """Applications and enrollments in the user's scope, newest first (keyset on -id)."""
    f = filters or EnrollmentFilters()
    qs = enrollments_visible(user=user, action=action)
    if f.program:
        qs = qs.filter(program__code=f.program)
    if f.status:
        group = STATUS_GROUPS.get(f.status)
        qs = qs.filter(status__in=group) if group else qs.filter(status=f.status)
    if f.region:
        qs = qs.filter(region_code__startswith=f.region)
    if f.q.strip():
        people = persons_search(user=user, filters=PersonFilters(q=f.q), action=Perm.PERSONS_VIEW)
        qs = qs.filter(person__in=people.values("pk"))
    return qs.select_related("program", "person").order_by("-id")


def overdue_steps(user: Any, today: dt.date | None = None, *, program: str = "") -> QuerySet[Enrollment]:
    """Applications under review whose current step is past its time limit, most overdue first."""
    today = today or timezone.localdate()
    qs = enrollments_visible(user=user).filter(status__in=IN_REVIEW, step_due_on__lt=today)
    if program:
        qs = qs.filter(program__code=program)
    return qs.select_related("program", "person").order_by("step_due_on", "id")


def enrollment_for_page(*, user: Any, pk: Any) -> Enrollment:
    """One enrollment in scope (missing and out of scope are the same 404)."""
    return Enrollment.objects.select_related("program", "person").get_for_user(user, "view", pk=pk)


def enrollment_history(*, enrollment: Enrollment) -> QuerySet[EnrollmentStep]:
    """The steps of an enrollment, oldest first, with who took them."""
    return enrollment.steps.select_related("actor").order_by("created_at", "id")


def enrollments_of_person(*, user: Any, person: Any) -> QuerySet[Enrollment]:
    return enrollments_visible(user=user).filter(person=person).select_related("program").order_by("-id")


def may(user: Any, permission: str, enrollment: Enrollment) -> bool:
    """Whether the user holds ``permission`` over this enrollment's region."""
    return bool(
        user.has_canlian_perm(permission) and user.scope_for(permission).contains(enrollment.region_code)
    )
