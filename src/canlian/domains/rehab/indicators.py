"""The children's rehabilitation indicators, on the definitions of ``reporting/rehab_figures.py``.

* **Children served** (cumulative): distinct children with a training day, an assistive device
  provided or a surgery operated between 1 January and the month's end, by the child's residence.
* **Service rate** (康复服务率, cumulative): of the children with needs — a child-rehab application
  approved (in public notice) or active, applied by the month's end and not stopped before
  1 January — those served (as above) ÷ those with needs, by the child's residence.
* **Money** (in period): settlement lines of batches approved or paid, in the month their period
  ends (a batch whose period began in an earlier year counts in no month: the figures page counts a
  batch only when its whole period lies inside the range asked), plus devices provided and surgeries
  operated in the month, in yuan, by each row's region (the child's residence when written).
* **Designated institutions** (snapshot): rehabilitation institutions whose status on the day was
  active or warned (``core/institutions/indicators.status_on``), by the institution's region.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from canlian.core.institutions.choices import InstitutionKind, InstitutionStatus
from canlian.core.institutions.indicators import status_on
from canlian.core.institutions.models import Institution
from canlian.core.permissions import Perm
from canlian.core.registry.models import Person
from canlian.domains.rehab.choices import PROGRAM_CODE, BatchStatus, SurgeryStatus
from canlian.domains.rehab.models import Attendance, DeviceProvision, SettlementLine, SurgeryReferral
from canlian.platform.indicators import Indicator, Period, Unit, Window
from canlian.programs.choices import EnrollmentStatus
from canlian.programs.models import Enrollment

AREA = _("Children's rehabilitation")
PERMISSION = Perm.REHAB_VIEW
#: Settlement batches whose lines count as money spent (as on the figures page).
COUNTED_BATCHES = (BatchStatus.APPROVED, BatchStatus.PAID)
#: Application statuses that establish a need (approved in public notice, or active).
NEED_STATUSES = (EnrollmentStatus.NOTICE, EnrollmentStatus.ACTIVE)
#: Institutions that may take children.
DESIGNATED = (InstitutionStatus.ACTIVE, InstitutionStatus.WARNED)
MONEY = DecimalField(max_digits=14, decimal_places=2)

PERSON_COLUMNS = (
    (_("Full name"), "name"),
    (_("ID number"), "masked_id"),
    (_("Region"), "region_code"),
)


# --- children served and the service rate ------------------------------------------------------------


def _service_rows(window: Window, region: str = "") -> tuple[QuerySet, QuerySet, QuerySet]:
    """Training days, devices provided and surgeries operated in the window (in ``region``)."""
    first, last = window.start, window.end
    rows = (
        Attendance.objects.filter(on__gte=first, on__lte=last),
        DeviceProvision.objects.filter(provided_on__gte=first, provided_on__lte=last),
        SurgeryReferral.objects.filter(
            status=SurgeryStatus.DONE, operated_on__gte=first, operated_on__lte=last
        ),
    )
    if region:
        rows = tuple(qs.filter(region_code__startswith=region) for qs in rows)
    return rows  # type: ignore[return-value]


def _served_q(window: Window) -> Q:
    """People served in the window: one OR of three semi-joins."""
    attendance, devices, surgery = _service_rows(window)
    return (
        Q(Exists(attendance.filter(plan__person_id=OuterRef("pk"))))
        | Q(Exists(devices.filter(person_id=OuterRef("pk"))))
        | Q(Exists(surgery.filter(person_id=OuterRef("pk"))))
    )


def children_leaf(window: Window) -> QuerySet:
    return (
        Person.objects.filter(_served_q(window))
        .values(region=F("region_code"))
        .annotate(numerator=Count("pk"))
    )


def children_records(user: Any, window: Window, region_code: str) -> QuerySet:
    return (
        Person.objects.for_user(user, PERMISSION)
        .filter(_served_q(window), region_code__startswith=region_code)
        .order_by("region_code", "id")
    )


def _needs_q(window: Window) -> Q:
    needs = Enrollment.objects.filter(program__code=PROGRAM_CODE, applied_on__lte=window.end).filter(
        Q(status__in=NEED_STATUSES) | Q(status=EnrollmentStatus.STOPPED, stopped_from__gt=window.start)
    )
    return Q(Exists(needs.filter(person_id=OuterRef("pk"))))


def service_rate_leaf(window: Window) -> QuerySet:
    return (
        Person.objects.filter(_needs_q(window))
        .values(region=F("region_code"))
        .annotate(numerator=Count("pk", filter=_served_q(window)), denominator=Count("pk"))
    )


def service_rate_records(user: Any, window: Window, region_code: str) -> QuerySet:
    served = ExpressionWrapper(_served_q(window), output_field=BooleanField())
    return (
        Person.objects.for_user(user, PERMISSION)
        .filter(_needs_q(window), region_code__startswith=region_code)
        .annotate(served=served)
        .order_by("served", "region_code", "id")
    )


# --- money -----------------------------------------------------------------------------------------------


def _money_rows(window: Window, region: str = "") -> tuple[QuerySet, QuerySet, QuerySet]:
    settled = SettlementLine.objects.filter(
        batch__status__in=COUNTED_BATCHES,
        batch__period_end__gte=window.start,
        batch__period_end__lte=window.end,
        batch__period_start__gte=window.year_start,
    )
    _att, devices, surgery = _service_rows(window)
    if region:
        settled = settled.filter(region_code__startswith=region)
        devices = devices.filter(region_code__startswith=region)
        surgery = surgery.filter(region_code__startswith=region)
    return settled, devices, surgery


def money_leaf(window: Window) -> QuerySet:
    parts = [
        qs.order_by().values(region=F("region_code")).annotate(numerator=Sum("amount"))
        for qs in _money_rows(window)
    ]
    return parts[0].union(*parts[1:], all=True)


def _amount_of(rows: QuerySet) -> Coalesce:
    total = rows.filter(person_id=OuterRef("pk")).order_by().values("person_id").annotate(s=Sum("amount"))
    return Coalesce(Subquery(total.values("s")), Value(Decimal("0.00")), output_field=MONEY)


def money_records(user: Any, window: Window, region_code: str) -> QuerySet:
    """The children behind the money, with their settlement, device and surgery yuan in the region."""
    settled, devices, surgery = _money_rows(window, region_code)
    people = Person.objects.for_user(user, PERMISSION).filter(
        Q(Exists(settled.filter(person_id=OuterRef("pk"))))
        | Q(Exists(devices.filter(person_id=OuterRef("pk"))))
        | Q(Exists(surgery.filter(person_id=OuterRef("pk"))))
    )
    return (
        people.annotate(settled=_amount_of(settled), devices=_amount_of(devices), surgery=_amount_of(surgery))
        .annotate(amount=ExpressionWrapper(F("settled") + F("devices") + F("surgery"), output_field=MONEY))
        .order_by("region_code", "id")
    )


# --- designated institutions ------------------------------------------------------------------------------


def _designated(base: QuerySet, window: Window) -> QuerySet:
    return (
        base.filter(kind=InstitutionKind.REHAB)
        .annotate(status_then=status_on(window.end))
        .filter(status_then__in=DESIGNATED)
    )


def institutions_leaf(window: Window) -> QuerySet:
    return (
        _designated(Institution.objects.all(), window)
        .values(region=F("region_code"))
        .annotate(numerator=Count("id"))
    )


def institutions_records(user: Any, window: Window, region_code: str) -> QuerySet:
    base = Institution.objects.for_user(user, PERMISSION).filter(region_code__startswith=region_code)
    return _designated(base, window).order_by("region_code", "name", "id")


INDICATORS = [
    Indicator(
        code="rehab.children",
        name=_("Children served by rehabilitation assistance"),
        area=AREA,
        unit=Unit.PEOPLE,
        period=Period.CUMULATIVE,
        permission=PERMISSION,
        sources=("rehab",),
        leaf=children_leaf,
        records=children_records,
        record_columns=PERSON_COLUMNS,
        order=10,
    ),
    Indicator(
        code="rehab.service_rate",
        name=_("Rehabilitation service rate"),
        area=AREA,
        unit=Unit.RATE,
        period=Period.CUMULATIVE,
        permission=PERMISSION,
        sources=("rehab", "enrollments"),
        leaf=service_rate_leaf,
        records=service_rate_records,
        denominator_label=_("children with needs"),
        record_columns=(*PERSON_COLUMNS, (_("Served"), "served")),
        order=20,
    ),
    Indicator(
        code="rehab.amount",
        name=_("Rehabilitation assistance spent"),
        area=AREA,
        unit=Unit.AMOUNT,
        period=Period.IN_PERIOD,
        permission=PERMISSION,
        sources=("rehab", "settlements"),
        leaf=money_leaf,
        records=money_records,
        record_columns=(
            *PERSON_COLUMNS,
            (_("Settlements"), "settled"),
            (_("Assistive devices"), "devices"),
            (_("Surgery"), "surgery"),
            (_("Amount"), "amount"),
        ),
        order=30,
    ),
    Indicator(
        code="rehab.institutions",
        name=_("Designated rehabilitation institutions"),
        area=AREA,
        unit=Unit.COUNT,
        period=Period.SNAPSHOT,
        permission=PERMISSION,
        sources=("institutions",),
        leaf=institutions_leaf,
        records=institutions_records,
        record_columns=(
            (_("Institution"), "name"),
            (_("Region"), "region_code"),
            (_("Status"), "get_status_display"),
        ),
        order=40,
    ),
]
