"""The indicators of data comparison, by the township of the person concerned (the finding's
region): findings made in the month, findings resolved in the month within their deadline, findings
open now, and the money recovered in the month on recovery items that findings raised."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from canlian.core.permissions import Perm
from canlian.domains.matching.choices import FindingStatus, MonitoringStatus
from canlian.domains.matching.models import Finding, MonitoringCase
from canlian.platform.indicators import Indicator, Period, Unit, Window
from canlian.programs.choices import RecoveryStatus

AREA = _("Data comparison")
PERMISSION = Perm.MATCHING_VIEW

COLUMNS = (
    (_("Rule"), "rule.name"),
    (_("Person"), "person"),
    (_("Region"), "region_code"),
    (_("Found on"), "found_on"),
    (_("Due on"), "due_on"),
    (_("Status"), "get_status_display"),
    (_("Amount to recover"), "amount"),
)


def _found(rows: QuerySet, window: Window) -> QuerySet:
    return rows.filter(found_on__gte=window.start, found_on__lte=window.end)


def _in_time(rows: QuerySet, window: Window) -> QuerySet:
    return rows.filter(
        status=FindingStatus.RESOLVED,
        resolved_on__gte=window.start,
        resolved_on__lte=window.end,
    ).filter(resolved_on__lte=F("due_on"))


def _open(rows: QuerySet, window: Window) -> QuerySet:
    return rows.filter(status=FindingStatus.OPEN, found_on__lte=window.end)


def _recovered(rows: QuerySet, window: Window) -> QuerySet:
    return rows.filter(
        recovery__status=RecoveryStatus.RECOVERED,
        recovery__resolved_on__gte=window.start,
        recovery__resolved_on__lte=window.end,
    )


def _count_leaf(select):  # type: ignore[no-untyped-def]
    def leaf(window: Window) -> QuerySet:
        return (
            select(Finding.objects.all(), window)
            .values(region=F("region_code"))
            .annotate(numerator=Count("id"))
        )

    return leaf


def _money_leaf(window: Window) -> QuerySet:
    return (
        _recovered(Finding.objects.all(), window)
        .values(region=F("region_code"))
        .annotate(numerator=Sum("recovery__amount"))
    )


def _records(select):  # type: ignore[no-untyped-def]
    def records(user: Any, window: Window, region_code: str) -> QuerySet:
        rows = Finding.objects.for_user(user, PERMISSION).filter(region_code__startswith=region_code)
        return select(rows, window).select_related("rule", "person").order_by("found_on", "id")

    return records


MONITORING_COLUMNS = (
    (_("Person"), "person"),
    (_("Region"), "region_code"),
    (_("Monitored type"), "get_monitored_type_display"),
    (_("Monitored since"), "started_on"),
    (_("Next visit due"), "next_visit_due"),
)


def _monitored(rows: QuerySet, window: Window) -> QuerySet:
    return rows.filter(status=MonitoringStatus.MONITORED, started_on__lte=window.end)


def _visit_overdue(rows: QuerySet, window: Window) -> QuerySet:
    return _monitored(rows, window).filter(next_visit_due__lt=window.end)


def _case_leaf(select):  # type: ignore[no-untyped-def]
    def leaf(window: Window) -> QuerySet:
        return (
            select(MonitoringCase.objects.all(), window)
            .values(region=F("region_code"))
            .annotate(numerator=Count("id"))
        )

    return leaf


def _case_records(select):  # type: ignore[no-untyped-def]
    def records(user: Any, window: Window, region_code: str) -> QuerySet:
        rows = MonitoringCase.objects.for_user(user, PERMISSION).filter(region_code__startswith=region_code)
        return select(rows, window).select_related("person").order_by("started_on", "id")

    return records


INDICATORS = [
    Indicator(
        code="matching.findings_found",
        name=_("Comparison findings made"),
        area=AREA,
        unit=Unit.COUNT,
        period=Period.IN_PERIOD,
        permission=PERMISSION,
        sources=("matching",),
        leaf=_count_leaf(_found),
        records=_records(_found),
        record_columns=COLUMNS,
        order=10,
    ),
    Indicator(
        code="matching.findings_resolved_in_time",
        name=_("Comparison findings resolved in time"),
        area=AREA,
        unit=Unit.COUNT,
        period=Period.IN_PERIOD,
        permission=PERMISSION,
        sources=("matching",),
        leaf=_count_leaf(_in_time),
        records=_records(_in_time),
        record_columns=COLUMNS,
        order=11,
    ),
    Indicator(
        code="matching.findings_open",
        name=_("Comparison findings open"),
        area=AREA,
        unit=Unit.COUNT,
        period=Period.SNAPSHOT,
        permission=PERMISSION,
        sources=("matching",),
        leaf=_count_leaf(_open),
        records=_records(_open),
        record_columns=COLUMNS,
        lower_is_better=True,
        history=False,
        order=12,
    ),
    Indicator(
        code="matching.money_recovered",
        name=_("Money recovered after comparison"),
        area=AREA,
        unit=Unit.AMOUNT,
        period=Period.IN_PERIOD,
        permission=PERMISSION,
        sources=("matching", "payments"),
        leaf=_money_leaf,
        records=_records(_recovered),
        record_columns=COLUMNS,
        order=13,
    ),
    Indicator(
        code="matching.monitored_households",
        name=_("Households monitored against a return to poverty"),
        area=AREA,
        unit=Unit.COUNT,
        period=Period.SNAPSHOT,
        permission=PERMISSION,
        sources=("matching",),
        leaf=_case_leaf(_monitored),
        records=_case_records(_monitored),
        record_columns=MONITORING_COLUMNS,
        history=False,
        order=20,
    ),
    Indicator(
        code="matching.monitoring_visits_overdue",
        name=_("Monitored households with a visit overdue"),
        area=AREA,
        unit=Unit.COUNT,
        period=Period.SNAPSHOT,
        permission=PERMISSION,
        sources=("matching",),
        leaf=_case_leaf(_visit_overdue),
        records=_case_records(_visit_overdue),
        record_columns=MONITORING_COLUMNS,
        lower_is_better=True,
        history=False,
        order=21,
    ),
]
