"""Reads of children's rehabilitation. Every list goes through ``for_user``: federation users reach
rows by the child's region, an institution's staff reach their own institution's rows only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import ExtractMonth
from django.utils import timezone

from canlian.core.institutions.choices import InstitutionKind
from canlian.core.institutions.models import Institution
from canlian.core.registry.models import HardshipStatus
from canlian.domains.rehab.attendance_rules import holidays_among, plan_window_problem
from canlian.domains.rehab.choices import PROGRAM_CODE
from canlian.domains.rehab.models import Attendance, DeviceProvision, RehabPlan, SurgeryReferral
from canlian.domains.rehab.presets import PRIORITY_HARDSHIP
from canlian.platform.access import scope_roots
from canlian.platform.errors import NotFound
from canlian.platform.scoping import Scope
from canlian.programs.models import Enrollment

VIEW = "rehab.view"
ATTENDANCE = "rehab.attendance"


def plans_visible(
    *,
    user: Any,
    year: int | None = None,
    institution_id: Any = None,
    category: str = "",
    status: str = "",
    person_id: Any = None,
    q: str = "",
) -> QuerySet[RehabPlan]:
    qs = RehabPlan.objects.for_user(user, VIEW).select_related("person", "institution", "therapist")
    if year:
        qs = qs.filter(year=year)
    if institution_id:
        qs = qs.filter(institution_id=institution_id)
    if category:
        qs = qs.filter(category=category)
    if status:
        qs = qs.filter(status=status)
    if person_id:
        qs = qs.filter(person_id=person_id)
    if q:
        qs = qs.filter(Q(person__name__contains=q) | Q(person__id_number=q.upper()))
    return qs


def plan_institutions(*, user: Any, year: int | None = None) -> QuerySet[Institution]:
    """Institutions of the plans the user sees (the filter of the plan and training-days lists)."""
    plans = RehabPlan.objects.for_user(user, VIEW)
    if year:
        plans = plans.filter(year=year)
    return Institution.objects.filter(pk__in=plans.order_by().values("institution_id")).order_by("name")


def devices_visible(*, user: Any, person_id: Any = None) -> QuerySet[DeviceProvision]:
    qs = DeviceProvision.objects.for_user(user, VIEW).select_related("person", "kind", "institution")
    if person_id:
        qs = qs.filter(person_id=person_id)
    return qs


def surgeries_visible(*, user: Any, person_id: Any = None, status: str = "") -> QuerySet[SurgeryReferral]:
    qs = SurgeryReferral.objects.for_user(user, VIEW).select_related("person")
    if person_id:
        qs = qs.filter(person_id=person_id)
    if status:
        qs = qs.filter(status=status)
    return qs


def attendances_visible(
    *, user: Any, plan_id: Any = None, start: dt.date | None = None, end: dt.date | None = None
) -> QuerySet[Attendance]:
    qs = Attendance.objects.for_user(user, VIEW)
    if plan_id:
        qs = qs.filter(plan_id=plan_id)
    if start:
        qs = qs.filter(on__gte=start)
    if end:
        qs = qs.filter(on__lte=end)
    return qs.order_by("plan_id", "on")


def applications_visible(
    *, user: Any, status: str = "", q: str = "", region: str = ""
) -> QuerySet[Enrollment]:
    """Child-rehab applications and enrollments in the user's region (``rehab.view``): hardship
    families first (priority), then the newest."""
    today = timezone.localdate()
    hardship = HardshipStatus.objects.filter(
        person_id=OuterRef("person_id"), kind__in=PRIORITY_HARDSHIP, valid_from__lte=today
    ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
    planned = RehabPlan.objects.filter(enrollment_id=OuterRef("pk"), year=today.year)
    qs = (
        Enrollment.objects.for_user(user, VIEW)
        .filter(program__code=PROGRAM_CODE)
        .select_related("person")
        .annotate(priority=Exists(hardship), planned=Exists(planned))
    )
    if status:
        qs = qs.filter(status=status)
    if region:
        qs = qs.filter(region_code__startswith=region)
    if q:
        qs = qs.filter(Q(person__name__contains=q) | Q(person__id_number=q.upper()))
    return qs.order_by("-priority", "-applied_on", "-id")


def institutions_for_choice(*, user: Any) -> QuerySet[Institution]:
    """Designated rehabilitation institutions a plan may name: those in the user's region, those of
    the regions above it (a city's centre), and the user's own institution."""
    above = Scope.of(scope_roots(user, VIEW)).q_with_ancestors("region_code")
    seen = Institution.objects.for_user(user, VIEW).values("pk")
    return Institution.objects.filter(kind=InstitutionKind.REHAB).designated().filter(above | Q(pk__in=seen))


def attendance_institutions(*, user: Any) -> QuerySet[Institution]:
    """Institutions whose attendance the user may record: their own, or those in their region."""
    return Institution.objects.for_user(user, ATTENDANCE).filter(kind=InstitutionKind.REHAB)


def attendance_institution_get(*, user: Any, institution_id: Any) -> Institution:
    """The institution of the tablet page, if the user may record there (else NotFound)."""
    try:
        return attendance_institutions(user=user).get(pk=int(institution_id))
    except (Institution.DoesNotExist, TypeError, ValueError) as exc:
        raise NotFound() from exc


@dataclass
class TabletRow:
    plan: RehabPlan
    signed: bool
    #: Why the day cannot be signed in for this child (outside the enrollment's paid window), or "".
    outside: str = ""

    @property
    def category(self) -> str:
        return str(self.plan.get_category_display())


def tablet_rows(*, institution: Institution, day: dt.date) -> list[TabletRow]:
    """The institution's plans running on ``day``, whether each child signed in and whether the day
    lies in the child's paid window: two queries."""
    plans = list(
        RehabPlan.objects.filter(institution=institution, starts_on__lte=day, ends_on__gte=day)
        .select_related("person", "enrollment")
        .only(
            "id",
            "category",
            "starts_on",
            "ends_on",
            "status",
            "person__name",
            "person__birth_date",
            "enrollment__applied_on",
            "enrollment__stopped_from",
        )
        .order_by("person__name", "id")
    )
    signed = set(Attendance.objects.filter(institution=institution, on=day).values_list("plan_id", flat=True))
    return [
        TabletRow(plan=p, signed=p.pk in signed, outside=plan_window_problem(p, day) or "") for p in plans
    ]


def tablet_holiday(*, day: dt.date) -> str | None:
    """The public holiday's name on ``day`` ("" when unnamed), or None on any other day."""
    found = holidays_among([day])
    return found[day] if day in found else None


def year_plans(*, user: Any, plan: RehabPlan) -> list[RehabPlan]:
    """The child's plans of the plan's year that the user may see, in order (a transfer's chain)."""
    return list(
        RehabPlan.objects.for_user(user, VIEW)
        .filter(person_id=plan.person_id, year=plan.year)
        .select_related("institution")
        .order_by("starts_on", "id")
    )


def holiday_days(*, plan: RehabPlan) -> list[dt.date]:
    """The confirmed sign-ins of a plan on public holidays."""
    return list(
        Attendance.objects.filter(plan=plan, on_holiday=True).order_by("on").values_list("on", flat=True)
    )


def month_summary(*, plan: RehabPlan) -> list[tuple[int, int]]:
    """(month, training days) of a plan's year, months without days included."""
    counts = dict(
        Attendance.objects.filter(plan=plan)
        .order_by()
        .annotate(month=ExtractMonth("on"))
        .values("month")
        .annotate(n=Count("id"))
        .values_list("month", "n")
    )
    return [(m, counts.get(m, 0)) for m in range(1, 13)]


@dataclass
class TrainingDaysRow:
    plan: RehabPlan
    months: list[int] = field(default_factory=lambda: [0] * 12)
    #: Sign-ins on public holidays (confirmed), flagged in the list and the export.
    holidays: list[dt.date] = field(default_factory=list)
    #: The child's days in the year at all the plans listed (several after a transfer).
    child_total: int = 0
    plans_of_child: int = 1

    @property
    def total(self) -> int:
        return sum(self.months)


def training_days(
    *,
    user: Any,
    year: int,
    institution_id: Any = None,
    category: str = "",
    region: str = "",
    person_id: Any = None,
) -> list[TrainingDaysRow]:
    """Training days per child (plan) and month of ``year``: one query for the plans, one grouped
    query for the days, one for the sign-ins on public holidays (flagged). A child who changed
    institution has a row per plan; ``child_total`` adds the child's rows up."""
    plans = plans_visible(
        user=user, year=year, institution_id=institution_id, category=category, person_id=person_id
    )
    if region:
        plans = plans.filter(region_code__startswith=region)
    rows = {p.pk: TrainingDaysRow(plan=p) for p in plans.order_by("institution__name", "person__name", "id")}
    if not rows:
        return []
    counts = (
        Attendance.objects.filter(plan_id__in=plans.order_by().values("pk"), on__year=year)
        .order_by()
        .annotate(month=ExtractMonth("on"))
        .values("plan_id", "month")
        .annotate(n=Count("id"))
        .values_list("plan_id", "month", "n")
    )
    for plan_id, month, n in counts:
        rows[plan_id].months[month - 1] = n
    for plan_id, day in (
        Attendance.objects.filter(plan_id__in=plans.order_by().values("pk"), on__year=year, on_holiday=True)
        .order_by("plan_id", "on")
        .values_list("plan_id", "on")
    ):
        rows[plan_id].holidays.append(day)
    per_child: dict[int, list[TrainingDaysRow]] = {}
    for row in rows.values():
        per_child.setdefault(row.plan.person_id, []).append(row)
    for child_rows in per_child.values():
        total = sum(r.total for r in child_rows)
        for row in child_rows:
            row.child_total, row.plans_of_child = total, len(child_rows)
    return list(rows.values())
