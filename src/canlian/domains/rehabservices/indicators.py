"""The indicators of rehabilitation services (registered from ``RehabServicesConfig.ready``).

* **People surveyed** (cumulative): needs surveys of the year taken by the month's end.
* **Precise rehabilitation service rate** (精准康复服务率, cumulative): of the people whose survey of
  the year names at least one need, those *served* — every need of the survey has a service
  delivered by the month's end — ÷ those with needs. Two needs and one service is not served.
* **Assistive-device fitting rate** (辅具适配率, cumulative): of the people with an assistive-device
  need in the year's survey, those with a device delivered in the year by the month's end.
* **Devices delivered** (in period): fittings delivered in the month.
* **Home modifications accepted** (in period): projects jointly accepted in the month (the plan's
  "1,000 home modifications"); **money paid to contractors** (in period): lines of batches paid in
  the month.
* **Family-doctor signing rate** and **medical-insurance enrolment rate** (snapshot): certified people
  (a certificate in force at the month's end) found on the year's list ÷ certified people.
* **Free health checks, cataract operations, medication aid** (cumulative): distinct people whose
  service was recorded in the year by the month's end.
* **Service points** (snapshot): community rehabilitation rooms, home-rehabilitation points and device
  service stations active or warned on the day.
All by the row's ``region_code`` (the person's residence when written; the institution's region).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from canlian.core.institutions.choices import InstitutionKind, InstitutionStatus
from canlian.core.institutions.indicators import status_on
from canlian.core.institutions.models import Institution
from canlian.core.permissions import Perm
from canlian.core.registry.models import Certificate, Person, certificate_in_force_q
from canlian.domains.rehabservices.choices import (
    BatchStatus,
    FittingStatus,
    HealthListKind,
    HealthProgram,
    HealthStatus,
    NeedKind,
)
from canlian.domains.rehabservices.models import (
    ContractorPayment,
    DeviceFitting,
    HealthApplication,
    HealthSigning,
    ModificationProject,
    Need,
    NeedsSurvey,
    ServiceRecord,
)
from canlian.platform.indicators import Indicator, Period, Unit, Window

AREA = _("Rehabilitation services")
PERMISSION = Perm.SERVICES_VIEW
SOURCES = ("services",)
PERSON_COLUMNS = (
    (_("Full name"), "person.name"),
    (_("ID number"), "person.masked_id"),
    (_("Region"), "region_code"),
)


# --- the needs survey ---------------------------------------------------------------------------------


def unmet_need_q(end: Any) -> Q:
    """A survey (outer row) with a need that has no service delivered by ``end``."""
    unmet = Need.objects.filter(survey_id=OuterRef("pk")).exclude(
        Exists(ServiceRecord.objects.filter(need_id=OuterRef("pk"), delivered_on__lte=end))
    )
    return Q(Exists(unmet))


def with_needs_q() -> Q:
    return Q(no_needs=False) & Q(Exists(Need.objects.filter(survey_id=OuterRef("pk"))))


def _surveys(window: Window) -> QuerySet:
    return NeedsSurvey.objects.filter(year=window.year, surveyed_on__lte=window.end)


def surveyed_leaf(window: Window) -> QuerySet:
    return _surveys(window).values(region=F("region_code")).annotate(numerator=Count("pk"))


def surveyed_records(user: Any, window: Window, region_code: str) -> QuerySet:
    return (
        NeedsSurvey.objects.for_user(user, PERMISSION)
        .filter(year=window.year, surveyed_on__lte=window.end, region_code__startswith=region_code)
        .select_related("person")
        .order_by("region_code", "id")
    )


def precise_rate_leaf(window: Window) -> QuerySet:
    return (
        _surveys(window)
        .filter(with_needs_q())
        .values(region=F("region_code"))
        .annotate(numerator=Count("pk", filter=~unmet_need_q(window.end)), denominator=Count("pk"))
    )


def precise_rate_records(user: Any, window: Window, region_code: str) -> QuerySet:
    from django.db.models import BooleanField, ExpressionWrapper

    served = ExpressionWrapper(~unmet_need_q(window.end), output_field=BooleanField())
    return (
        surveyed_records(user, window, region_code)
        .filter(with_needs_q())
        .annotate(served=served)
        .order_by("served", "region_code", "id")
    )


def _fitted_q(window: Window) -> Q:
    fitted = DeviceFitting.objects.filter(
        person_id=OuterRef("person_id"),
        status=FittingStatus.DELIVERED,
        fitted_on__gte=window.year_start,
        fitted_on__lte=window.end,
    )
    return Q(Exists(fitted))


def _device_need_q() -> Q:
    return Q(Exists(Need.objects.filter(survey_id=OuterRef("pk"), kind=NeedKind.DEVICE)))


def fitting_rate_leaf(window: Window) -> QuerySet:
    return (
        _surveys(window)
        .filter(_device_need_q())
        .values(region=F("region_code"))
        .annotate(numerator=Count("pk", filter=_fitted_q(window)), denominator=Count("pk"))
    )


def fitting_rate_records(user: Any, window: Window, region_code: str) -> QuerySet:
    from django.db.models import BooleanField, ExpressionWrapper

    return (
        surveyed_records(user, window, region_code)
        .filter(_device_need_q())
        .annotate(fitted=ExpressionWrapper(_fitted_q(window), output_field=BooleanField()))
        .order_by("fitted", "region_code", "id")
    )


def devices_leaf(window: Window) -> QuerySet:
    return (
        DeviceFitting.objects.filter(
            status=FittingStatus.DELIVERED, fitted_on__gte=window.start, fitted_on__lte=window.end
        )
        .values(region=F("region_code"))
        .annotate(numerator=Count("pk"))
    )


def devices_records(user: Any, window: Window, region_code: str) -> QuerySet:
    return (
        DeviceFitting.objects.for_user(user, PERMISSION)
        .filter(
            status=FittingStatus.DELIVERED,
            fitted_on__gte=window.start,
            fitted_on__lte=window.end,
            region_code__startswith=region_code,
        )
        .select_related("person", "device_type")
        .order_by("region_code", "id")
    )


# --- home modification --------------------------------------------------------------------------------


def accepted_leaf(window: Window) -> QuerySet:
    return (
        ModificationProject.objects.filter(accepted_on__gte=window.start, accepted_on__lte=window.end)
        .values(region=F("region_code"))
        .annotate(numerator=Count("pk"))
    )


def accepted_records(user: Any, window: Window, region_code: str) -> QuerySet:
    return (
        ModificationProject.objects.for_user(user, PERMISSION)
        .filter(
            accepted_on__gte=window.start, accepted_on__lte=window.end, region_code__startswith=region_code
        )
        .select_related("person")
        .order_by("region_code", "id")
    )


def _paid_lines(window: Window) -> QuerySet:
    return ContractorPayment.objects.filter(
        batch__status=BatchStatus.PAID, batch__paid_on__gte=window.start, batch__paid_on__lte=window.end
    )


def paid_leaf(window: Window) -> QuerySet:
    return _paid_lines(window).values(region=F("region_code")).annotate(numerator=Sum("amount"))


def paid_records(user: Any, window: Window, region_code: str) -> QuerySet:
    lines = _paid_lines(window).filter(region_code__startswith=region_code).values("project_id")
    return (
        ModificationProject.objects.for_user(user, PERMISSION)
        .filter(pk__in=lines)
        .select_related("person")
        .order_by("region_code", "id")
    )


# --- health ------------------------------------------------------------------------------------------------


def _certified(end: Any) -> Q:
    return Q(
        Exists(
            Certificate.objects.filter(certificate_in_force_q(end), person_id=OuterRef("pk"), state="active")
        )
    )


def _signed_q(kind: str, window: Window) -> Q:
    return Q(Exists(HealthSigning.objects.filter(person_id=OuterRef("pk"), kind=kind, year=window.year)))


def _signing_leaf(kind: str):  # type: ignore[no-untyped-def]
    def leaf(window: Window) -> QuerySet:
        return (
            Person.objects.filter(_certified(window.end), life_status="living")
            .values(region=F("region_code"))
            .annotate(numerator=Count("pk", filter=_signed_q(kind, window)), denominator=Count("pk"))
        )

    return leaf


def _signing_records(kind: str):  # type: ignore[no-untyped-def]
    def records(user: Any, window: Window, region_code: str) -> QuerySet:
        from django.db.models import BooleanField, ExpressionWrapper

        return (
            Person.objects.for_user(user, PERMISSION)
            .filter(_certified(window.end), life_status="living", region_code__startswith=region_code)
            .annotate(signed=ExpressionWrapper(_signed_q(kind, window), output_field=BooleanField()))
            .order_by("signed", "region_code", "id")
        )

    return records


def _served_apps(program: str, window: Window) -> QuerySet:
    return HealthApplication.objects.filter(
        program=program,
        status__in=(HealthStatus.SERVED, HealthStatus.PAID),
        served_on__gte=window.year_start,
        served_on__lte=window.end,
    )


def _health_leaf(program: str):  # type: ignore[no-untyped-def]
    def leaf(window: Window) -> QuerySet:
        return (
            _served_apps(program, window)
            .values(region=F("region_code"))
            .annotate(numerator=Count("person_id", distinct=True))
        )

    return leaf


def _health_records(program: str):  # type: ignore[no-untyped-def]
    def records(user: Any, window: Window, region_code: str) -> QuerySet:
        ids = _served_apps(program, window).values("pk")
        return (
            HealthApplication.objects.for_user(user, PERMISSION)
            .filter(pk__in=ids, region_code__startswith=region_code)
            .select_related("person")
            .order_by("region_code", "id")
        )

    return records


# --- service points --------------------------------------------------------------------------------------

OPEN = (InstitutionStatus.ACTIVE, InstitutionStatus.WARNED)


def _points(base: QuerySet, kind: str, window: Window) -> QuerySet:
    return base.filter(kind=kind).annotate(status_then=status_on(window.end)).filter(status_then__in=OPEN)


def _points_leaf(kind: str):  # type: ignore[no-untyped-def]
    def leaf(window: Window) -> QuerySet:
        return (
            _points(Institution.objects.all(), kind, window)
            .values(region=F("region_code"))
            .annotate(numerator=Count("id"))
        )

    return leaf


def _points_records(kind: str):  # type: ignore[no-untyped-def]
    def records(user: Any, window: Window, region_code: str) -> QuerySet:
        base = Institution.objects.for_user(user, PERMISSION).filter(region_code__startswith=region_code)
        return _points(base, kind, window).order_by("region_code", "name", "id")

    return records


POINT_COLUMNS = (
    (_("Institution"), "name"),
    (_("Region"), "region_code"),
    (_("Status"), "get_status_display"),
)
APP_COLUMNS = (*PERSON_COLUMNS, (_("Served on"), "served_on"), (_("Hospital"), "hospital"))
PEOPLE_COLUMNS = ((_("Full name"), "name"), (_("ID number"), "masked_id"), (_("Region"), "region_code"))

INDICATORS = [
    Indicator(
        code="services.surveyed",
        name=_("People surveyed for rehabilitation needs"),
        area=AREA,
        unit=Unit.PEOPLE,
        period=Period.CUMULATIVE,
        permission=PERMISSION,
        sources=SOURCES,
        leaf=surveyed_leaf,
        records=surveyed_records,
        record_columns=PERSON_COLUMNS,
        order=10,
    ),
    Indicator(
        code="services.precise_rate",
        name=_("Precise rehabilitation service rate"),
        area=AREA,
        unit=Unit.RATE,
        period=Period.CUMULATIVE,
        permission=PERMISSION,
        sources=SOURCES,
        leaf=precise_rate_leaf,
        records=precise_rate_records,
        denominator_label=_("people with needs"),
        record_columns=(*PERSON_COLUMNS, (_("Served"), "served")),
        order=20,
    ),
    Indicator(
        code="services.fitting_rate",
        name=_("Assistive-device fitting rate"),
        area=AREA,
        unit=Unit.RATE,
        period=Period.CUMULATIVE,
        permission=PERMISSION,
        sources=SOURCES,
        leaf=fitting_rate_leaf,
        records=fitting_rate_records,
        denominator_label=_("people needing a device"),
        record_columns=(*PERSON_COLUMNS, (_("Fitted"), "fitted")),
        order=30,
    ),
    Indicator(
        code="services.devices",
        name=_("Assistive devices delivered"),
        area=AREA,
        unit=Unit.COUNT,
        period=Period.IN_PERIOD,
        permission=PERMISSION,
        sources=SOURCES,
        leaf=devices_leaf,
        records=devices_records,
        record_columns=(*PERSON_COLUMNS, (_("Device"), "device_type.name"), (_("Delivered on"), "fitted_on")),
        order=40,
    ),
    Indicator(
        code="services.modifications",
        name=_("Home modifications accepted"),
        area=AREA,
        unit=Unit.COUNT,
        period=Period.IN_PERIOD,
        permission=PERMISSION,
        sources=SOURCES,
        leaf=accepted_leaf,
        records=accepted_records,
        record_columns=(*PERSON_COLUMNS, (_("Number"), "number"), (_("Accepted on"), "accepted_on")),
        order=50,
    ),
    Indicator(
        code="services.modification_amount",
        name=_("Home modification paid to contractors"),
        area=AREA,
        unit=Unit.AMOUNT,
        period=Period.IN_PERIOD,
        permission=PERMISSION,
        sources=SOURCES,
        leaf=paid_leaf,
        records=paid_records,
        record_columns=(*PERSON_COLUMNS, (_("Number"), "number"), (_("Amount"), "payable")),
        order=60,
    ),
    Indicator(
        code="services.family_doctor_rate",
        name=_("Family-doctor signing rate"),
        area=AREA,
        unit=Unit.RATE,
        period=Period.SNAPSHOT,
        permission=PERMISSION,
        sources=(*SOURCES, "registry"),
        leaf=_signing_leaf(HealthListKind.FAMILY_DOCTOR),
        records=_signing_records(HealthListKind.FAMILY_DOCTOR),
        denominator_label=_("certified people"),
        record_columns=(*PEOPLE_COLUMNS, (_("Signed"), "signed")),
        order=70,
    ),
    Indicator(
        code="services.insurance_rate",
        name=_("Medical-insurance enrolment rate"),
        area=AREA,
        unit=Unit.RATE,
        period=Period.SNAPSHOT,
        permission=PERMISSION,
        sources=(*SOURCES, "registry"),
        leaf=_signing_leaf(HealthListKind.INSURANCE),
        records=_signing_records(HealthListKind.INSURANCE),
        denominator_label=_("certified people"),
        record_columns=(*PEOPLE_COLUMNS, (_("Enrolled"), "signed")),
        order=75,
    ),
    Indicator(
        code="services.health_checks",
        name=_("Free health checks"),
        area=AREA,
        unit=Unit.PEOPLE,
        period=Period.CUMULATIVE,
        permission=PERMISSION,
        sources=SOURCES,
        leaf=_health_leaf(HealthProgram.CHECK),
        records=_health_records(HealthProgram.CHECK),
        record_columns=APP_COLUMNS,
        order=80,
    ),
    Indicator(
        code="services.cataract",
        name=_("Cataract operations for poor patients"),
        area=AREA,
        unit=Unit.PEOPLE,
        period=Period.CUMULATIVE,
        permission=PERMISSION,
        sources=SOURCES,
        leaf=_health_leaf(HealthProgram.CATARACT),
        records=_health_records(HealthProgram.CATARACT),
        record_columns=APP_COLUMNS,
        order=85,
    ),
    Indicator(
        code="services.mental_aid",
        name=_("Medication aid for people with mental illness"),
        area=AREA,
        unit=Unit.PEOPLE,
        period=Period.CUMULATIVE,
        permission=PERMISSION,
        sources=SOURCES,
        leaf=_health_leaf(HealthProgram.MENTAL),
        records=_health_records(HealthProgram.MENTAL),
        record_columns=APP_COLUMNS,
        order=90,
    ),
    Indicator(
        code="services.rehab_rooms",
        name=_("Community rehabilitation rooms"),
        area=AREA,
        unit=Unit.COUNT,
        period=Period.SNAPSHOT,
        permission=PERMISSION,
        sources=("institutions",),
        leaf=_points_leaf(InstitutionKind.REHAB_ROOM),
        records=_points_records(InstitutionKind.REHAB_ROOM),
        record_columns=POINT_COLUMNS,
        order=100,
    ),
    Indicator(
        code="services.home_points",
        name=_("Home-rehabilitation points"),
        area=AREA,
        unit=Unit.COUNT,
        period=Period.SNAPSHOT,
        permission=PERMISSION,
        sources=("institutions",),
        leaf=_points_leaf(InstitutionKind.HOME_REHAB_POINT),
        records=_points_records(InstitutionKind.HOME_REHAB_POINT),
        record_columns=POINT_COLUMNS,
        order=105,
    ),
    Indicator(
        code="services.device_stations",
        name=_("Assistive-device service stations"),
        area=AREA,
        unit=Unit.COUNT,
        period=Period.SNAPSHOT,
        permission=PERMISSION,
        sources=("institutions",),
        leaf=_points_leaf(InstitutionKind.DEVICE_STATION),
        records=_points_records(InstitutionKind.DEVICE_STATION),
        record_columns=POINT_COLUMNS,
        order=110,
    ),
]
