"""The institutions' indicator (staff trained) and the status an institution had on a day, which the
rehabilitation indicators count designated institutions by.

* **Staff trained** (cumulative): distinct staff members of the region's institutions (the
  institution's ``region_code``) with a passed result in a training course ending between 1 January
  and the month's end (``reporting/rehab_figures.py``: "培训康复人员N名").
* **Status on a day** (``status_on``): the status set by the latest status change dated on or before
  the day; before the first change, that change's former status (blank for a registration: the
  institution did not exist yet); an institution without any history row, its current status.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import CharField, Count, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from canlian.core.institutions.models import InstitutionStatusChange, StaffMember, TrainingResult
from canlian.core.permissions import Perm
from canlian.platform.indicators import Indicator, Period, Unit, Window


def status_on(day: dt.date, institution_ref: str = "pk") -> Coalesce:
    """An expression over institutions: the status the institution had on ``day``."""
    changes = InstitutionStatusChange.objects.filter(institution_id=OuterRef(institution_ref))
    latest = changes.filter(on__lte=day).order_by("-on", "-id").values("to_status")[:1]
    first_after = changes.filter(on__gt=day).order_by("on", "id").values("from_status")[:1]
    return Coalesce(
        Subquery(latest), Subquery(first_after), F("status"), output_field=CharField(max_length=12)
    )


def _trained(window: Window) -> QuerySet:
    """Ids of staff with a passed result in a course ending in the window."""
    return TrainingResult.objects.filter(
        passed=True, course__ends_on__gte=window.start, course__ends_on__lte=window.end
    ).values("staff_id")


def staff_trained_leaf(window: Window) -> QuerySet:
    return (
        StaffMember.objects.filter(pk__in=_trained(window))
        .values(region=F("institution__region_code"))
        .annotate(numerator=Count("id"))
    )


def staff_trained_records(user: Any, window: Window, region_code: str) -> QuerySet:
    return (
        StaffMember.objects.for_user(user, Perm.INSTITUTIONS_VIEW)
        .filter(pk__in=_trained(window), institution__region_code__startswith=region_code)
        .select_related("institution")
        .order_by("institution__region_code", "institution_id", "name", "id")
    )


INDICATORS = [
    Indicator(
        code="institutions.staff_trained",
        name=_("Institution staff trained"),
        area=_("Children's rehabilitation"),
        unit=Unit.PEOPLE,
        period=Period.CUMULATIVE,
        permission=Perm.INSTITUTIONS_VIEW,
        sources=("institutions",),
        leaf=staff_trained_leaf,
        records=staff_trained_records,
        record_columns=(
            (_("Full name"), "name"),
            (_("Post"), "get_post_display"),
            (_("Institution"), "institution.name"),
            (_("Region"), "institution.region_code"),
        ),
        order=60,
    ),
]
