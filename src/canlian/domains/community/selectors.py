"""Every read of community services: querysets starting from ``for_user`` (region scope, or an
institution's own rows for its staff), and the figures the pages and indicators share."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from canlian.core.institutions.models import Institution
from canlian.core.regions.models import Region
from canlian.domains.community import fees
from canlian.domains.community.models import (
    CareResident,
    CareSubsidyBatch,
    FeeStatement,
    FundingBatch,
    Home,
    HomeAttendance,
    HomeMember,
    InstitutionSubsidyBatch,
    InstitutionSubsidyLine,
    InstitutionSubsidyStandard,
    Project,
    StarAssessment,
    SubsidyApplication,
    WageLine,
    WageSheet,
    Worker,
)
from canlian.platform.access import is_system

VIEW = "community.view"


def _scoped(model: Any, user: Any, action: str = VIEW) -> QuerySet:
    return model.objects.all() if is_system(user) else model.objects.for_user(user, action)


def homes_visible(user: Any, region_code: str = "") -> QuerySet:
    qs = _scoped(Home, user).select_related("institution")
    return qs.filter(region_code__startswith=region_code) if region_code else qs


def active_homes_q(on: dt.date, prefix: str = "") -> Q:
    return (
        Q(**{f"{prefix}opened_on__lte": on})
        & (Q(**{f"{prefix}closed_on__isnull": True}) | Q(**{f"{prefix}closed_on__gte": on}))
        & Q(**{f"{prefix}institution__status__in": ["active", "warned"]})
    )


def members_visible(user: Any, *, home: Home | None = None) -> QuerySet:
    qs = _scoped(HomeMember, user).select_related("person", "home__institution")
    return qs.filter(home=home) if home is not None else qs


def members_on(home: Home, day: dt.date) -> QuerySet:
    return (
        HomeMember.objects.filter(home=home, starts_on__lte=day)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))
        .select_related("person")
        .order_by("person__name", "pk")
    )


def day_care_days(user: Any, *, region_code: str, start: dt.date, end: dt.date) -> int:
    return (
        _scoped(HomeAttendance, user)
        .filter(region_code__startswith=region_code, on__gte=start, on__lte=end)
        .count()
    )


def institutions_for(user: Any, kinds: tuple[str, ...], action: str = VIEW) -> QuerySet:
    qs = Institution.objects.all() if is_system(user) else Institution.objects.for_user(user, action)
    return qs.filter(kind__in=kinds).order_by("region_code", "name")


def residents_visible(
    user: Any, *, institution: Institution | None = None, current: bool | None = None
) -> QuerySet:
    qs = _scoped(CareResident, user).select_related("person", "institution")
    if institution is not None:
        qs = qs.filter(institution=institution)
    if current is True:
        qs = qs.filter(discharged_on__isnull=True)
    return qs


def statements_visible(
    user: Any, *, institution: Institution | None = None, month: dt.date | None = None
) -> QuerySet:
    qs = _scoped(FeeStatement, user).select_related("person", "institution", "resident")
    if institution is not None:
        qs = qs.filter(institution=institution)
    if month is not None:
        qs = qs.filter(month=month)
    return qs


def statements_over_cap(user: Any, *, institution: Institution, month: dt.date) -> list[FeeStatement]:
    """Statements of the month whose fee exceeds what the fee rule now allows (the facts changed since
    they were generated: a status ended, an allowance changed). Empty after regeneration."""
    statements = list(statements_visible(user, institution=institution, month=month).order_by("pk"))
    if not statements:
        return []
    residents = [s.resident for s in statements]
    now = fees.fees_for(residents, month)
    return [s for s, f in zip(statements, now, strict=True) if f is not None and s.fee > f.fee]


def workers_visible(user: Any, *, institution: Institution | None = None) -> QuerySet:
    qs = _scoped(Worker, user).select_related("person", "institution", "project")
    return qs.filter(institution=institution) if institution is not None else qs


def projects_visible(user: Any) -> QuerySet:
    return _scoped(Project, user).prefetch_related("institutions")


def sheets_visible(user: Any) -> QuerySet:
    return _scoped(WageSheet, user).select_related("institution")


def sheet_lines(sheet: WageSheet) -> QuerySet:
    return WageLine.objects.filter(sheet=sheet).select_related("person").order_by("id")


def assessments_visible(user: Any) -> QuerySet:
    return _scoped(StarAssessment, user).select_related("home__institution")


def funding_batches_visible(user: Any) -> QuerySet:
    return _scoped(FundingBatch, user)


def care_batches_visible(user: Any) -> QuerySet:
    return _scoped(CareSubsidyBatch, user).select_related("institution")


def subsidy_batches_visible(user: Any) -> QuerySet:
    return _scoped(InstitutionSubsidyBatch, user)


def subsidy_lines_visible(
    user: Any, *, institution: Institution | None = None, year: int | None = None
) -> QuerySet:
    """Institution subsidy lines in scope (a region's, or an institution's own for its staff)."""
    qs = _scoped(InstitutionSubsidyLine, user).select_related("institution", "batch")
    if institution is not None:
        qs = qs.filter(institution=institution)
    if year is not None:
        qs = qs.filter(year=year)
    return qs


def subsidy_applications_visible(
    user: Any, *, institution: Institution | None = None, year: int | None = None
) -> QuerySet:
    qs = _scoped(SubsidyApplication, user).select_related("institution")
    if institution is not None:
        qs = qs.filter(institution=institution)
    if year is not None:
        qs = qs.filter(year=year)
    return qs


def subsidy_standards_visible(user: Any) -> QuerySet:
    return _scoped(InstitutionSubsidyStandard, user)


# --- township coverage -------------------------------------------------------------------------------


@dataclass
class TownshipRow:
    code: str
    name: str
    county: str
    homes: int


def townships(region_code: str, on: dt.date) -> QuerySet:
    """The townships (level 4) under ``region_code`` in force on ``on``."""
    return (
        Region.objects.filter(level=4, code__startswith=region_code)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
    )


def township_coverage(user: Any, *, region_code: str, on: dt.date) -> list[TownshipRow]:
    """Every township of the region with the number of active homes in it (two queries)."""
    counts = dict(
        homes_visible(user, region_code)
        .filter(active_homes_q(on))
        .values_list("region_code")
        .annotate(n=Count("id"))
        .order_by()
    )
    per_township: dict[str, int] = {}
    for code, n in counts.items():
        per_township[code[:9]] = per_township.get(code[:9], 0) + n
    rows = townships(region_code, on).select_related("parent").order_by("code")
    return [
        TownshipRow(
            code=t.code,
            name=t.name,
            county=t.parent.name if t.parent else "",
            homes=per_township.get(t.code, 0),
        )
        for t in rows
    ]


def coverage_rate(rows: list[TownshipRow]) -> tuple[int, int]:
    return sum(1 for r in rows if r.homes), len(rows)
