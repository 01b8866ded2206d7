"""The petitions' indicators, by the petition's region.

* **Received** (in period): petitions received at the window in the month.
* **Closed in time** (按期办结率, in period): of the petitions due in the month (their deadline, in
  working days from receipt, falls in it; for the current month, up to today), those closed on or
  before their deadline ÷ those due. A petition still open past its deadline, or closed a day late,
  counts against the month it was due in.
"""

from __future__ import annotations

from typing import Any

from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from canlian.core.permissions import Perm
from canlian.domains.petitions.models import Petition, PetitionStatus
from canlian.platform.indicators import Indicator, Period, Unit, Window

AREA = _("Care of people")
PERMISSION = Perm.PETITIONS_VIEW

COLUMNS = (
    (_("Visitor"), "visitor_display"),
    (_("Region"), "region_code"),
    (_("Petition category"), "get_category_display"),
    (_("Received on"), "received_on"),
    (_("Deadline"), "deadline"),
    (_("Closed on"), "closed_on"),
)
IN_TIME = Q(status=PetitionStatus.CLOSED, closed_on__lte=F("deadline"))


def _received(base: QuerySet, window: Window) -> QuerySet:
    return base.filter(received_on__gte=window.start, received_on__lte=window.end)


def received_leaf(window: Window) -> QuerySet:
    return (
        _received(Petition.objects.all(), window)
        .values(region=F("region_code"))
        .annotate(numerator=Count("id"))
    )


def received_records(user: Any, window: Window, region_code: str) -> QuerySet:
    base = Petition.objects.for_user(user, PERMISSION).filter(region_code__startswith=region_code)
    return _received(base, window).select_related("person").order_by("received_on", "id")


def _due(base: QuerySet, window: Window) -> QuerySet:
    return base.filter(deadline__gte=window.start, deadline__lte=window.end)


def closed_in_time_leaf(window: Window) -> QuerySet:
    return (
        _due(Petition.objects.all(), window)
        .values(region=F("region_code"))
        .annotate(numerator=Count("id", filter=IN_TIME), denominator=Count("id"))
    )


def closed_in_time_records(user: Any, window: Window, region_code: str) -> QuerySet:
    base = Petition.objects.for_user(user, PERMISSION).filter(region_code__startswith=region_code)
    return (
        _due(base, window)
        .annotate(in_time=ExpressionWrapper(IN_TIME, output_field=BooleanField()))
        .select_related("person")
        .order_by("in_time", "deadline", "id")
    )


INDICATORS = [
    Indicator(
        code="petitions.received",
        name=_("Petitions received at the window"),
        area=AREA,
        unit=Unit.COUNT,
        period=Period.IN_PERIOD,
        permission=PERMISSION,
        sources=("petitions",),
        leaf=received_leaf,
        records=received_records,
        record_columns=COLUMNS,
        order=60,
    ),
    Indicator(
        code="petitions.closed_in_time",
        name=_("Petitions closed in time"),
        area=AREA,
        unit=Unit.RATE,
        period=Period.IN_PERIOD,
        permission=PERMISSION,
        sources=("petitions",),
        leaf=closed_in_time_leaf,
        records=closed_in_time_records,
        denominator_label=_("petitions due"),
        record_columns=(*COLUMNS, (_("Closed in time"), "in_time")),
        order=61,
    ),
]
