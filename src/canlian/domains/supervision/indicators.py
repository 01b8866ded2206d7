"""The supervision indicators, on the definitions of ``reporting/rehab_figures.py``: rectification
notices (整改通知书) issued in the month, and of those the ones rectified (closed) — "下达整改通知书N份、
已整改X份" — by the notice's region (the institution's). A notice closed later raises the figure of
the month it was issued in (the summaries of the year are recomputed)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, QuerySet
from django.utils.translation import gettext_lazy as _

from canlian.core.permissions import Perm
from canlian.domains.supervision.choices import NoticeStatus
from canlian.domains.supervision.models import RectificationNotice
from canlian.platform.indicators import Indicator, Period, Unit, Window

AREA = _("Children's rehabilitation")
PERMISSION = Perm.SUPERVISION_VIEW

COLUMNS = (
    (_("Number"), "number"),
    (_("Institution"), "institution.name"),
    (_("Region"), "region_code"),
    (_("Issued on"), "issued_on"),
    (_("Due on"), "due_on"),
    (_("Status"), "get_status_display"),
)


def _issued(base: QuerySet, window: Window, closed: bool) -> QuerySet:
    rows = base.filter(issued_on__gte=window.start, issued_on__lte=window.end)
    return rows.filter(status=NoticeStatus.CLOSED) if closed else rows


def notices_leaf(closed: bool):
    def leaf(window: Window) -> QuerySet:
        return (
            _issued(RectificationNotice.objects.all(), window, closed)
            .values(region=F("region_code"))
            .annotate(numerator=Count("id"))
        )

    return leaf


def notices_records(closed: bool):
    def records(user: Any, window: Window, region_code: str) -> QuerySet:
        base = RectificationNotice.objects.for_user(user, PERMISSION).filter(
            region_code__startswith=region_code
        )
        return _issued(base, window, closed).select_related("institution").order_by("issued_on", "id")

    return records


INDICATORS = [
    Indicator(
        code="supervision.notices_issued",
        name=_("Rectification notices issued"),
        area=AREA,
        unit=Unit.COUNT,
        period=Period.IN_PERIOD,
        permission=PERMISSION,
        sources=("supervision",),
        leaf=notices_leaf(False),
        records=notices_records(False),
        record_columns=COLUMNS,
        order=50,
    ),
    Indicator(
        code="supervision.notices_closed",
        name=_("Rectification notices rectified"),
        area=AREA,
        unit=Unit.COUNT,
        period=Period.IN_PERIOD,
        permission=PERMISSION,
        sources=("supervision",),
        leaf=notices_leaf(True),
        records=notices_records(True),
        record_columns=COLUMNS,
        order=51,
    ),
]
