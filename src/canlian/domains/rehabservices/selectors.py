"""Reads of rehabilitation services: every function starts from the model's ``for_user``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
)
from django.utils import timezone

from canlian.core.permissions import Perm
from canlian.core.registry.models import Person
from canlian.domains.rehabservices.choices import FittingStatus, ModStatus
from canlian.domains.rehabservices.indicators import unmet_need_q, with_needs_q
from canlian.domains.rehabservices.models import (
    ContractorBatch,
    DeviceFitting,
    DeviceStandard,
    DeviceType,
    HealthApplication,
    HealthListUpload,
    HealthSigning,
    ModificationProject,
    Need,
    NeedsSurvey,
    ServiceRecord,
)
from canlian.platform.indicators import targets_of

VIEW = Perm.SERVICES_VIEW
#: The indicator whose yearly target is the households planned in the quarterly report.
PLAN_INDICATOR = "services.modifications"


def served_expression(end: dt.date) -> ExpressionWrapper:
    return ExpressionWrapper(with_needs_q() & ~unmet_need_q(end), output_field=BooleanField())


def surveys_for(
    user: Any, *, year: int | None = None, region: str = "", state: str = "", person_id: int | None = None
) -> QuerySet:
    """Surveys with ``served`` (every need has a service by today) and ``need_count``; ``state`` is
    "served", "unmet" (a need without a service) or "none" (no need)."""
    today = timezone.localdate()
    qs = (
        NeedsSurvey.objects.for_user(user, VIEW)
        .select_related("person")
        .annotate(served=served_expression(today))
    )
    if year:
        qs = qs.filter(year=year)
    if region:
        qs = qs.filter(region_code__startswith=region)
    if person_id:
        qs = qs.filter(person_id=person_id)
    if state == "served":
        qs = qs.filter(with_needs_q() & ~unmet_need_q(today))
    elif state == "unmet":
        qs = qs.filter(with_needs_q() & unmet_need_q(today))
    elif state == "none":
        qs = qs.filter(no_needs=True)
    return qs.prefetch_related(
        Prefetch("needs", queryset=Need.objects.annotate(n_services=Count("services")).order_by("kind"))
    )


def unmet_needs_for(user: Any, *, year: int, region: str = "") -> QuerySet:
    """The needs of the year without any service: the township worker's to-do."""
    qs = (
        Need.objects.for_user(user, VIEW)
        .filter(year=year)
        .exclude(Exists(ServiceRecord.objects.filter(need_id=OuterRef("pk"))))
        .select_related("person", "survey", "device_type")
    )
    if region:
        qs = qs.filter(region_code__startswith=region)
    return qs.order_by("region_code", "survey__surveyed_on", "id")


def services_for(user: Any, *, need_ids: list[int] | None = None, person_id: int | None = None) -> QuerySet:
    qs = ServiceRecord.objects.for_user(user, VIEW).select_related("institution")
    if need_ids is not None:
        qs = qs.filter(need_id__in=need_ids)
    if person_id:
        qs = qs.filter(person_id=person_id)
    return qs


def device_catalogue() -> list[DeviceType]:
    """The catalogue with its standards (reference data: the same for everyone)."""
    return list(
        DeviceType.objects.prefetch_related(
            Prefetch("standards", queryset=DeviceStandard.objects.order_by("region_code", "-valid_from"))
        )
    )


def fittings_for(
    user: Any,
    *,
    status: str = "",
    due_within: int | None = None,
    person_id: int | None = None,
    region: str = "",
) -> QuerySet:
    qs = DeviceFitting.objects.for_user(user, VIEW).select_related("person", "device_type", "station")
    if status in FittingStatus.values:
        qs = qs.filter(status=status)
    if due_within is not None:
        qs = qs.due_for_replacement(timezone.localdate(), due_within)
    if person_id:
        qs = qs.filter(person_id=person_id)
    if region:
        qs = qs.filter(region_code__startswith=region)
    return qs


def projects_for(
    user: Any,
    *,
    status: str = "",
    year: int | None = None,
    overdue: bool = False,
    person_id: int | None = None,
    region: str = "",
) -> QuerySet:
    qs = ModificationProject.objects.for_user(user, VIEW).select_related("person", "responsible")
    if status in ModStatus.values:
        qs = qs.filter(status=status)
    if year:
        qs = qs.filter(year=year)
    if overdue:
        qs = qs.overdue(timezone.localdate())
    if person_id:
        qs = qs.filter(person_id=person_id)
    if region:
        qs = qs.filter(region_code__startswith=region)
    return qs


def overdue_projects(user: Any, on: dt.date | None = None) -> QuerySet:
    """Projects whose current step is past its deadline (for the home page's to-do)."""
    return ModificationProject.objects.for_user(user, VIEW).overdue(on or timezone.localdate())


def batches_for(user: Any, *, status: str = "") -> QuerySet:
    qs = ContractorBatch.objects.for_user(user, VIEW).select_related("generated_by", "approved_by")
    if status:
        qs = qs.filter(status=status)
    return qs


def health_applications_for(
    user: Any, *, program: str = "", status: str = "", year: int | None = None, person_id: int | None = None
) -> QuerySet:
    qs = HealthApplication.objects.for_user(user, VIEW).select_related("person")
    if program:
        qs = qs.filter(program=program)
    if status:
        qs = qs.filter(status=status)
    if year:
        qs = qs.filter(year=year)
    if person_id:
        qs = qs.filter(person_id=person_id)
    return qs


def health_uploads_for(user: Any) -> QuerySet:
    return HealthListUpload.objects.for_user(user, VIEW)


def signings_for(user: Any, *, person_id: int) -> QuerySet:
    return HealthSigning.objects.for_user(user, VIEW).filter(person_id=person_id).order_by("-year", "kind")


def coverage_for(user: Any, *, year: int, kind: str, region: str = "") -> dict[str, int]:
    """Certified living people of the user's scope, and how many are on the year's list (one query)."""
    from canlian.domains.rehabservices.indicators import _certified

    end = min(dt.date(year, 12, 31), timezone.localdate())
    people = Person.objects.for_user(user, VIEW).filter(_certified(end), life_status="living")
    if region:
        people = people.filter(region_code__startswith=region)
    signed = Q(Exists(HealthSigning.objects.filter(person_id=OuterRef("pk"), kind=kind, year=year)))
    row = people.aggregate(total=Count("pk"), signed=Count("pk", filter=signed))
    return {"total": row["total"], "signed": row["signed"], "unsigned": row["total"] - row["signed"]}


def unsigned_people(user: Any, *, year: int, kind: str, region: str = "") -> QuerySet:
    from canlian.domains.rehabservices.indicators import _certified

    end = min(dt.date(year, 12, 31), timezone.localdate())
    qs = (
        Person.objects.for_user(user, VIEW)
        .filter(_certified(end), life_status="living")
        .exclude(Exists(HealthSigning.objects.filter(person_id=OuterRef("pk"), kind=kind, year=year)))
    )
    if region:
        qs = qs.filter(region_code__startswith=region)
    return qs.order_by("region_code", "id")


# --- the quarterly progress report (季报) ------------------------------------------------------------


@dataclass
class ReportRow:
    region_code: str
    name: str
    planned: Decimal | None = None
    applied: int = 0
    assessed: int = 0
    under_way: int = 0
    accepted: int = 0
    paid: int = 0
    money: Decimal = field(default_factory=lambda: Decimal("0.00"))

    @property
    def progress(self) -> Decimal | None:
        if not self.planned:
            return None
        return (Decimal(self.accepted) / self.planned * 100).quantize(Decimal("0.1"))


@dataclass
class QuarterlyReport:
    region_code: str
    region_name: str
    year: int
    quarter: int
    end: dt.date
    total: ReportRow
    rows: list[ReportRow]


def quarter_end(year: int, quarter: int) -> dt.date:
    month = quarter * 3
    return dt.date(year, 12, 31) if month == 12 else dt.date(year, month + 1, 1) - dt.timedelta(days=1)


def _targets(codes: list[str], year: int) -> dict[str, Decimal]:
    """The steering targets of ``PLAN_INDICATOR`` (households planned), read through the indicator
    registry's target reader (the domain does not import ``reporting``)."""
    return targets_of(PLAN_INDICATOR, year, codes)


def quarterly_report(user: Any, *, region_code: str, year: int, quarter: int) -> QuarterlyReport:
    """Households planned (the year's target), applied, assessed, under way (assessed, not yet
    accepted), accepted, paid and money paid, by the quarter's end, for the region and each region
    one level below; from the projects' dates, so a past quarter reads the same later."""
    from canlian.core.regions.models import Region

    end = quarter_end(year, quarter)
    children = (
        list(Region.objects.filter(parent__code=region_code).order_by("code").values_list("code", "name"))
        if region_code
        else list(Region.objects.filter(level=1).order_by("code").values_list("code", "name"))
    )
    names = dict(Region.objects.filter(code=region_code).values_list("code", "name"))
    qs = ModificationProject.objects.for_user(user, VIEW).filter(year=year, applied_on__lte=end)
    if region_code:
        qs = qs.filter(region_code__startswith=region_code)
    grouped = (
        qs.order_by()
        .values("region_code")
        .annotate(
            applied=Count("pk"),
            assessed=Count("pk", filter=Q(assessed_on__lte=end)),
            under_way=Count(
                "pk", filter=Q(assessed_on__lte=end) & (Q(accepted_on__isnull=True) | Q(accepted_on__gt=end))
            ),
            accepted=Count("pk", filter=Q(accepted_on__lte=end)),
            paid=Count("pk", filter=Q(paid_on__lte=end)),
            money=Sum("payable", filter=Q(paid_on__lte=end)),
        )
    )
    targets = _targets([region_code] + [c for c, _n in children], year)
    total = ReportRow(
        region_code=region_code, name=names.get(region_code, region_code), planned=targets.get(region_code)
    )
    rows = {c: ReportRow(region_code=c, name=n, planned=targets.get(c)) for c, n in children}
    for g in grouped:
        part = next((r for c, r in rows.items() if g["region_code"].startswith(c)), None)
        for row in (total, part):
            if row is None:
                continue
            row.applied += g["applied"]
            row.assessed += g["assessed"]
            row.under_way += g["under_way"]
            row.accepted += g["accepted"]
            row.paid += g["paid"]
            row.money += g["money"] or Decimal("0.00")
    return QuarterlyReport(
        region_code=region_code,
        region_name=total.name,
        year=year,
        quarter=quarter,
        end=end,
        total=total,
        rows=list(rows.values()),
    )
