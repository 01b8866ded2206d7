"""The indicators of community services for the dashboard (``platform.indicators``): homes built this
year, township coverage (townships with an active home ÷ townships), members, people in day care and
day-care days, services per function (rehabilitation sessions, training hours, activity
participants), residents in care by mode, care subsidy paid, assisted workers, wages paid and the
person-months paid (average monthly wage = wages ÷ person-months), projects in the library.

Leaves read every region (the summaries are scoped when read); ``records`` start from ``for_user``."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, DecimalField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from canlian.core.institutions.models import Institution
from canlian.core.permissions import Perm
from canlian.core.regions.models import Region
from canlian.domains.community.choices import CareMode, ProjectStatus, WageLineStatus
from canlian.domains.community.models import (
    CareResident,
    CareSubsidyLine,
    Home,
    HomeAttendance,
    HomeMember,
    InstitutionSubsidyLine,
    Project,
    ServiceRecord,
    WageLine,
    Worker,
)
from canlian.platform.indicators import Indicator, Period, Unit, Window

AREA = _("Community services")
PERMISSION = Perm.COMMUNITY_VIEW
SOURCES = ("community",)
ACTIVE_STATUSES = ("active", "warned")


# --- homes -----------------------------------------------------------------------------------------


def _homes_opened(window: Window) -> Any:
    return Q(opened_on__gte=window.start, opened_on__lte=window.end)


def homes_built_leaf(window: Window) -> QuerySet:
    return (
        Home.objects.filter(_homes_opened(window))
        .values(region=F("region_code"))
        .annotate(numerator=Count("id"))
    )


def homes_built_records(user: Any, window: Window, region_code: str) -> QuerySet:
    return (
        Home.objects.for_user(user, PERMISSION)
        .filter(_homes_opened(window), region_code__startswith=region_code)
        .select_related("institution")
        .order_by("opened_on", "id")
    )


def coverage_leaf(window: Window) -> tuple[str, tuple[Any, ...]]:
    """One row per township in force at the month's end: 1 over 1 when an active home lies in it, 0
    over 1 otherwise (a county with no home yet counts as 0 %, as on the township coverage page)."""
    home, inst, region = Home._meta.db_table, Institution._meta.db_table, Region._meta.db_table
    day = window.end
    sql = f"""SELECT r.code AS region,
                CASE WHEN EXISTS (
                  SELECT 1 FROM {home} h JOIN {inst} i ON i.id = h.institution_id
                  WHERE substr(h.region_code, 1, 9) = r.code AND h.opened_on <= %s
                    AND (h.closed_on IS NULL OR h.closed_on >= %s) AND i.status IN (%s, %s)
                ) THEN 1 ELSE 0 END AS numerator,
                1 AS denominator
              FROM {region} r
              WHERE r.level = 4 AND (r.valid_from IS NULL OR r.valid_from <= %s)
                AND (r.valid_to IS NULL OR r.valid_to >= %s)"""
    return sql, (day, day, *ACTIVE_STATUSES, day, day)


def coverage_records(user: Any, window: Window, region_code: str) -> QuerySet:
    """The active homes of the townships covered."""
    day = window.end
    return (
        Home.objects.for_user(user, PERMISSION)
        .filter(
            region_code__startswith=region_code, opened_on__lte=day, institution__status__in=ACTIVE_STATUSES
        )
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gte=day))
        .select_related("institution")
        .order_by("region_code", "id")
    )


def _members_on(qs: QuerySet, window: Window) -> QuerySet:
    return qs.filter(starts_on__lte=window.end).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=window.end))


def members_leaf(window: Window) -> QuerySet:
    return (
        _members_on(HomeMember.objects.all(), window)
        .values(region=F("region_code"))
        .annotate(numerator=Count("person_id", distinct=True))
    )


def members_records(user: Any, window: Window, region_code: str) -> QuerySet:
    return (
        _members_on(HomeMember.objects.for_user(user, PERMISSION), window)
        .filter(region_code__startswith=region_code)
        .select_related("person", "home__institution")
        .order_by("home", "id")
    )


def _days(qs: QuerySet, window: Window) -> QuerySet:
    return qs.filter(on__gte=window.start, on__lte=window.end)


def day_care_days_leaf(window: Window) -> QuerySet:
    return (
        _days(HomeAttendance.objects.all(), window)
        .values(region=F("region_code"))
        .annotate(numerator=Count("id"))
    )


def day_care_people_leaf(window: Window) -> QuerySet:
    return (
        _days(HomeAttendance.objects.all(), window)
        .values(region=F("region_code"))
        .annotate(numerator=Count("member__person_id", distinct=True))
    )


def day_care_records(user: Any, window: Window, region_code: str) -> QuerySet:
    """The members with day-care days in the window."""
    ids = (
        _days(HomeAttendance.objects.for_user(user, PERMISSION), window)
        .filter(region_code__startswith=region_code)
        .values("member_id")
    )
    return (
        HomeMember.objects.for_user(user, PERMISSION)
        .filter(pk__in=ids)
        .select_related("person", "home__institution")
        .order_by("home", "id")
    )


def service_leaf(functions: tuple[str, ...], measure: str):
    def leaf(window: Window) -> QuerySet:
        return (
            _days(ServiceRecord.objects.filter(function__code__in=functions), window)
            .values(region=F("region_code"))
            .annotate(numerator=Coalesce(Sum(measure), Value(0), output_field=DecimalField()))
        )

    return leaf


def service_records(functions: tuple[str, ...]):
    def records(user: Any, window: Window, region_code: str) -> QuerySet:
        return (
            _days(ServiceRecord.objects.for_user(user, PERMISSION), window)
            .filter(function__code__in=functions, region_code__startswith=region_code)
            .select_related("home__institution", "function")
            .order_by("on", "id")
        )

    return records


# --- care ------------------------------------------------------------------------------------------


def _residents_on(qs: QuerySet, window: Window, mode: str | None) -> QuerySet:
    qs = qs.filter(admitted_on__lte=window.end).filter(
        Q(discharged_on__isnull=True) | Q(discharged_on__gte=window.end)
    )
    return qs.filter(mode=mode) if mode else qs


def residents_leaf(mode: str | None):
    def leaf(window: Window) -> QuerySet:
        return (
            _residents_on(CareResident.objects.all(), window, mode)
            .values(region=F("region_code"))
            .annotate(numerator=Count("person_id", distinct=True))
        )

    return leaf


def residents_records(mode: str | None):
    def records(user: Any, window: Window, region_code: str) -> QuerySet:
        return (
            _residents_on(CareResident.objects.for_user(user, PERMISSION), window, mode)
            .filter(region_code__startswith=region_code)
            .select_related("person", "institution")
            .order_by("institution", "id")
        )

    return records


def _subsidy_paid(qs: QuerySet, window: Window) -> QuerySet:
    return qs.filter(batch__status="paid", batch__paid_on__gte=window.start, batch__paid_on__lte=window.end)


def care_subsidy_leaf(window: Window) -> QuerySet:
    return (
        _subsidy_paid(CareSubsidyLine.objects.all(), window)
        .values(region=F("region_code"))
        .annotate(numerator=Sum("amount"))
    )


def care_subsidy_records(user: Any, window: Window, region_code: str) -> QuerySet:
    return (
        _subsidy_paid(CareSubsidyLine.objects.for_user(user, PERMISSION), window)
        .filter(region_code__startswith=region_code)
        .select_related("person", "institution")
        .order_by("institution", "id")
    )


def _institution_subsidy_paid(qs: QuerySet, window: Window) -> QuerySet:
    return qs.filter(batch__status="paid", batch__paid_on__gte=window.start, batch__paid_on__lte=window.end)


def institution_subsidies_leaf(window: Window) -> QuerySet:
    """Institution subsidies (construction, rent, equipment, social insurance) paid, by paid date."""
    return (
        _institution_subsidy_paid(InstitutionSubsidyLine.objects.all(), window)
        .values(region=F("region_code"))
        .annotate(numerator=Sum("amount"))
    )


def institution_subsidies_records(user: Any, window: Window, region_code: str) -> QuerySet:
    return (
        _institution_subsidy_paid(InstitutionSubsidyLine.objects.for_user(user, PERMISSION), window)
        .filter(region_code__startswith=region_code)
        .select_related("institution", "batch")
        .order_by("institution", "kind", "id")
    )


# --- assisted employment -----------------------------------------------------------------------------


def _workers_on(qs: QuerySet, window: Window) -> QuerySet:
    day = window.end
    return (
        qs.filter(agreement_from__lte=day)
        .filter(Q(agreement_to__isnull=True) | Q(agreement_to__gte=day))
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=day))
    )


def workers_leaf(window: Window) -> QuerySet:
    return (
        _workers_on(Worker.objects.all(), window)
        .values(region=F("region_code"))
        .annotate(numerator=Count("person_id", distinct=True))
    )


def workers_records(user: Any, window: Window, region_code: str) -> QuerySet:
    return (
        _workers_on(Worker.objects.for_user(user, PERMISSION), window)
        .filter(region_code__startswith=region_code)
        .select_related("person", "institution")
        .order_by("institution", "id")
    )


def _wages(qs: QuerySet, window: Window) -> QuerySet:
    return qs.filter(status=WageLineStatus.PAID, sheet__month__gte=window.start, sheet__month__lte=window.end)


def wages_leaf(measure: str):
    def leaf(window: Window) -> QuerySet:
        aggregate = Sum("amount") if measure == "amount" else Count("id")
        return (
            _wages(WageLine.objects.all(), window)
            .values(region=F("region_code"))
            .annotate(numerator=aggregate)
        )

    return leaf


def wages_records(user: Any, window: Window, region_code: str) -> QuerySet:
    return (
        _wages(WageLine.objects.for_user(user, PERMISSION), window)
        .filter(region_code__startswith=region_code)
        .select_related("person", "institution", "sheet")
        .order_by("sheet", "id")
    )


def projects_leaf(window: Window) -> QuerySet:
    return (
        Project.objects.filter(status=ProjectStatus.ACTIVE)
        .values(region=F("region_code"))
        .annotate(numerator=Count("id"))
    )


def projects_records(user: Any, window: Window, region_code: str) -> QuerySet:
    return (
        Project.objects.for_user(user, PERMISSION)
        .filter(status=ProjectStatus.ACTIVE, region_code__startswith=region_code)
        .order_by("name", "id")
    )


HOME_COLUMNS = ((_("Home"), "institution.name"), (_("Region"), "region_code"), (_("Opened on"), "opened_on"))
PERSON_COLUMNS = (
    (_("Name"), "person.name"),
    (_("ID number"), "person.masked_id"),
    (_("Region"), "region_code"),
)
SERVICE_COLUMNS = (
    (_("Home"), "home.institution.name"),
    (_("Date"), "on"),
    (_("What"), "title"),
    (_("Quantity"), "quantity"),
    (_("Participants"), "participants"),
)


def _ind(
    code: str,
    name: Any,
    unit: Unit,
    period: Period,
    leaf: Any,
    records: Any,
    columns: Any,
    order: int,
    **kw: Any,
) -> Indicator:
    return Indicator(
        code=code,
        name=name,
        area=AREA,
        unit=unit,
        period=period,
        permission=PERMISSION,
        sources=SOURCES,
        leaf=leaf,
        records=records,
        record_columns=columns,
        order=order,
        **kw,
    )


INDICATORS = [
    _ind(
        "community.homes_built",
        _("Homes built"),
        Unit.COUNT,
        Period.IN_PERIOD,
        homes_built_leaf,
        homes_built_records,
        HOME_COLUMNS,
        10,
    ),
    _ind(
        "community.township_coverage",
        _("Townships with a home"),
        Unit.RATE,
        Period.SNAPSHOT,
        coverage_leaf,
        coverage_records,
        HOME_COLUMNS,
        11,
        denominator_label=_("townships"),
    ),
    _ind(
        "community.members",
        _("Home members"),
        Unit.PEOPLE,
        Period.SNAPSHOT,
        members_leaf,
        members_records,
        PERSON_COLUMNS,
        12,
    ),
    _ind(
        "community.day_care_people",
        _("People in day care"),
        Unit.PEOPLE,
        Period.CUMULATIVE,
        day_care_people_leaf,
        day_care_records,
        PERSON_COLUMNS,
        13,
    ),
    _ind(
        "community.day_care_days",
        _("Day-care days"),
        Unit.TIMES,
        Period.IN_PERIOD,
        day_care_days_leaf,
        day_care_records,
        PERSON_COLUMNS,
        14,
    ),
    _ind(
        "community.rehab_sessions",
        _("Community rehabilitation sessions"),
        Unit.TIMES,
        Period.IN_PERIOD,
        service_leaf(("rehab",), "quantity"),
        service_records(("rehab",)),
        SERVICE_COLUMNS,
        15,
    ),
    _ind(
        "community.training_hours",
        _("Skills training hours"),
        Unit.COUNT,
        Period.IN_PERIOD,
        service_leaf(("training",), "quantity"),
        service_records(("training",)),
        SERVICE_COLUMNS,
        16,
    ),
    _ind(
        "community.activity_participants",
        _("Participants in activities"),
        Unit.TIMES,
        Period.IN_PERIOD,
        service_leaf(("culture", "volunteer", "mutual_help"), "participants"),
        service_records(("culture", "volunteer", "mutual_help")),
        SERVICE_COLUMNS,
        17,
    ),
    _ind(
        "community.residents",
        _("People in care (托养)"),
        Unit.PEOPLE,
        Period.SNAPSHOT,
        residents_leaf(None),
        residents_records(None),
        PERSON_COLUMNS,
        20,
    ),
    *[
        _ind(
            f"community.residents_{mode.value}",
            label,
            Unit.PEOPLE,
            Period.SNAPSHOT,
            residents_leaf(mode.value),
            residents_records(mode.value),
            PERSON_COLUMNS,
            21 + i,
        )
        for i, (mode, label) in enumerate(
            (
                (CareMode.RESIDENTIAL, _("People in residential care")),
                (CareMode.DAY, _("People in day care centres (托养)")),
                (CareMode.HOME, _("People in home care")),
            )
        )
    ],
    _ind(
        "community.care_subsidy",
        _("Care subsidy paid"),
        Unit.AMOUNT,
        Period.IN_PERIOD,
        care_subsidy_leaf,
        care_subsidy_records,
        PERSON_COLUMNS,
        25,
    ),
    _ind(
        "community.institution_subsidies",
        _("Institution subsidies paid"),
        Unit.AMOUNT,
        Period.IN_PERIOD,
        institution_subsidies_leaf,
        institution_subsidies_records,
        (
            (_("Institution"), "institution.name"),
            (_("Region"), "region_code"),
            (_("Subsidy"), "get_kind_display"),
            (_("Basis"), "basis"),
            (_("Amount"), "amount"),
        ),
        26,
    ),
    _ind(
        "community.workers",
        _("People in assisted employment"),
        Unit.PEOPLE,
        Period.SNAPSHOT,
        workers_leaf,
        workers_records,
        PERSON_COLUMNS,
        30,
    ),
    _ind(
        "community.wages_paid",
        _("Assisted-employment wages paid"),
        Unit.AMOUNT,
        Period.IN_PERIOD,
        wages_leaf("amount"),
        wages_records,
        PERSON_COLUMNS,
        31,
    ),
    _ind(
        "community.wage_months",
        _("Monthly wages paid (person-months)"),
        Unit.TIMES,
        Period.IN_PERIOD,
        wages_leaf("count"),
        wages_records,
        PERSON_COLUMNS,
        32,
    ),
    _ind(
        "community.projects",
        _("Projects in the library"),
        Unit.COUNT,
        Period.SNAPSHOT,
        projects_leaf,
        projects_records,
        ((_("Project"), "name"), (_("Product"), "product"), (_("Partner"), "partner_name")),
        33,
        history=False,
    ),
]
