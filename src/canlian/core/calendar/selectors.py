"""Reads of the calendar. The years and days are national reference data (``calendar.view``); the
provisional deadlines belong to the regions of their objects and are read through ``for_user``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Count, Q, QuerySet

from canlian.core.calendar.choices import DayKind
from canlian.core.calendar.models import (
    CalendarDay,
    CalendarYear,
    ProvisionalDeadline,
    ProvisionalDeadlineQuerySet,
)
from canlian.core.permissions import Perm


def calendar_years() -> QuerySet[CalendarYear]:
    """Every known year, newest first, with how many holidays and make-up days it lists."""
    return (
        CalendarYear.objects.select_related("loaded_by")
        .annotate(
            holidays=Count("days", filter=Q(days__kind=DayKind.HOLIDAY)),
            workdays=Count("days", filter=Q(days__kind=DayKind.WORKDAY)),
        )
        .order_by("-year")
    )


def calendar_year(year: int) -> CalendarYear | None:
    return calendar_years().filter(year=year).first()


def calendar_days_of(year: int) -> QuerySet[CalendarDay]:
    return CalendarDay.objects.filter(year_id=year).order_by("date")


def deadlines_visible(*, user: Any, open_only: bool = True) -> QuerySet[ProvisionalDeadline]:
    """Provisional deadlines in the user's region (``calendar.view``), the earliest first."""
    # ``for_user`` is annotated with the base ``RegionScopedQuerySet``, not the model's own queryset.
    qs = cast(ProvisionalDeadlineQuerySet, ProvisionalDeadline.objects.for_user(user, Perm.CALENDAR_VIEW))
    return qs.open() if open_only else qs


@dataclass(frozen=True)
class DeadlineRow:
    """A provisional deadline as the list shows it: what kind of object, which field."""

    deadline: ProvisionalDeadline
    object_type: str
    field: str

    def __getattr__(self, name: str) -> Any:
        return getattr(self.deadline, name)


def describe_deadlines(rows: list[ProvisionalDeadline]) -> list[DeadlineRow]:
    """The model and field names (verbose, translated) of each row."""
    described = []
    for row in rows:
        object_type, field = row.target_type, row.field
        try:
            model = apps.get_model(row.target_type)
            object_type = str(model._meta.verbose_name)
            field = str(model._meta.get_field(row.field).verbose_name)
        except (LookupError, ValueError, FieldDoesNotExist):  # a model renamed since: show the codes
            pass
        described.append(DeadlineRow(deadline=row, object_type=object_type, field=field))
    return described
