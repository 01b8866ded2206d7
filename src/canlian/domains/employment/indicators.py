"""The employment and social-security indicators.

* **Pension premiums paid for people** (cumulative): distinct people with a counted line (cycle
  approved or later, not failed) of the pension-premium program from 1 January to the month's end;
  by the line's region.
* **Employment fund assessed** (in period): the fund due of the declarations reviewed in the month;
  by the employer's region.
* **Employment rate** (snapshot at the month's end): of the living working-age (16–59) people with
  a certificate in force and valid, not recorded as unable to work, those whose status in force is
  an employed kind (unrecorded people count as able and not employed); by residence.
* **People trained in the year** (cumulative): distinct people with a training ending (or, still
  open, starting) from 1 January to the month's end; by residence.
* **New employment in the year** (cumulative): distinct people with an employed status starting
  from 1 January to the month's end right after a not-employed or unable status, or as their first
  record (``selectors.new_employment``); by residence.
* **Sites** (snapshot): 爱心屋 kiosks and employment bases opened by the month's end; **people
  employed at sites** (snapshot): their workers employed on the month's end; by the site's region.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Case, Count, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from canlian.core.permissions import Perm
from canlian.core.registry.models import Person
from canlian.domains.employment.models import Declaration, EmploymentStatus, Site, SiteWorker, TrainingRecord
from canlian.domains.employment.presets import PENSION
from canlian.platform.indicators import Indicator, Period, Unit, Window
from canlian.programs.models import PaymentLine

AREA = _("Education and employment")
COUNTED_CYCLES = ("approved", "exported", "closed")


def _premium_lines(base: QuerySet, window: Window) -> QuerySet:
    return base.filter(
        program__code=PENSION,
        cycle__status__in=COUNTED_CYCLES,
        cycle__month__gte=window.start,
        cycle__month__lte=window.end,
    ).exclude(status="failed")


def premium_leaf(window: Window) -> QuerySet:
    return (
        _premium_lines(PaymentLine.objects.all(), window)
        .values(region=F("region_code"))
        .annotate(numerator=Count("person_id", distinct=True))
    )


def premium_records(user: Any, window: Window, region_code: str) -> QuerySet:
    base = PaymentLine.objects.for_user(user, Perm.ENROLLMENTS_VIEW).filter(
        region_code__startswith=region_code
    )
    return _premium_lines(base, window).select_related("person").order_by("period", "id")


def _reviewed(base: QuerySet, window: Window) -> QuerySet:
    return base.filter(
        status="reviewed", reviewed_at__date__gte=window.start, reviewed_at__date__lte=window.end
    )


def fund_leaf(window: Window) -> QuerySet:
    return (
        _reviewed(Declaration.objects.all(), window)
        .values(region=F("region_code"))
        .annotate(numerator=Sum("fund_due"))
    )


def fund_records(user: Any, window: Window, region_code: str) -> QuerySet:
    base = Declaration.objects.for_user(user, Perm.EMPLOYMENT_VIEW).filter(
        region_code__startswith=region_code
    )
    return _reviewed(base, window).select_related("employer").order_by("reviewed_at", "id")


INDICATORS = [
    Indicator(
        code="employment.pension_premiums",
        name=_("Pension premiums paid for people"),
        area=AREA,
        unit=Unit.PEOPLE,
        period=Period.CUMULATIVE,
        permission=Perm.EMPLOYMENT_VIEW,
        sources=("payments",),
        leaf=premium_leaf,
        records=premium_records,
        record_columns=(
            (_("Full name"), "person.name"),
            (_("Month paid for"), "period"),
            (_("Amount"), "amount"),
        ),
        order=30,
    ),
    Indicator(
        code="employment.fund_assessed",
        name=_("Employment security fund assessed"),
        area=AREA,
        unit=Unit.AMOUNT,
        period=Period.IN_PERIOD,
        permission=Perm.EMPLOYMENT_VIEW,
        sources=("employment",),
        leaf=fund_leaf,
        records=fund_records,
        record_columns=(
            (_("Employer"), "employer.name"),
            (_("Employment year"), "year"),
            (_("Fund due"), "fund_due"),
        ),
        order=40,
    ),
]


# --- employment by real name, sites ----------------------------------------------------------------


def _rate_people(people: QuerySet, window: Window) -> QuerySet:
    from canlian.domains.employment.choices import EMPLOYED_STATUSES
    from canlian.domains.employment.selectors import able_people

    return able_people(people, window.end).annotate(
        employed=Case(When(work_status__in=EMPLOYED_STATUSES, then=Value(True)), default=Value(False))
    )


def rate_leaf(window: Window) -> QuerySet:
    return (
        _rate_people(Person.objects.all(), window)
        .values(region=F("region_code"))
        .annotate(numerator=Count("pk", filter=Q(employed=True)), denominator=Count("pk"))
    )


def rate_records(user: Any, window: Window, region_code: str) -> QuerySet:
    people = Person.objects.for_user(user, Perm.EMPLOYMENT_VIEW).filter(region_code__startswith=region_code)
    return _rate_people(people, window).order_by("employed", "region_code", "pk")


def _trainings(base: QuerySet, window: Window) -> QuerySet:
    return base.annotate(day=Coalesce("ended_on", "started_on")).filter(
        day__gte=window.start, day__lte=window.end
    )


def trained_leaf(window: Window) -> QuerySet:
    return (
        _trainings(TrainingRecord.objects.all(), window)
        .values(region=F("person__region_code"))
        .annotate(numerator=Count("person_id", distinct=True))
    )


def trained_records(user: Any, window: Window, region_code: str) -> QuerySet:
    base = TrainingRecord.objects.for_user(user, Perm.EMPLOYMENT_VIEW).filter(
        person__region_code__startswith=region_code
    )
    return _trainings(base, window).select_related("person").order_by("day", "id")


def new_jobs_leaf(window: Window) -> QuerySet:
    from canlian.domains.employment.selectors import new_employment

    return (
        new_employment(EmploymentStatus.objects.all(), window.start, window.end)
        .values(region=F("person__region_code"))
        .annotate(numerator=Count("person_id", distinct=True))
    )


def new_jobs_records(user: Any, window: Window, region_code: str) -> QuerySet:
    from canlian.domains.employment.selectors import new_employment

    base = EmploymentStatus.objects.for_user(user, Perm.EMPLOYMENT_VIEW).filter(
        person__region_code__startswith=region_code
    )
    return (
        new_employment(base, window.start, window.end).select_related("person").order_by("started_on", "id")
    )


def sites_leaf(window: Window) -> QuerySet:
    return (
        Site.objects.filter(opened_on__lte=window.end)
        .values(region=F("region_code"))
        .annotate(numerator=Count("pk"))
    )


def sites_records(user: Any, window: Window, region_code: str) -> QuerySet:
    return (
        Site.objects.for_user(user, Perm.EMPLOYMENT_VIEW)
        .filter(region_code__startswith=region_code, opened_on__lte=window.end)
        .select_related("institution")
        .order_by("region_code", "id")
    )


def _working(base: QuerySet, window: Window) -> QuerySet:
    return base.filter(started_on__lte=window.end).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=window.end)
    )


def site_workers_leaf(window: Window) -> QuerySet:
    return (
        _working(SiteWorker.objects.all(), window)
        .values(region=F("region_code"))
        .annotate(numerator=Count("pk"))
    )


def site_workers_records(user: Any, window: Window, region_code: str) -> QuerySet:
    base = SiteWorker.objects.for_user(user, Perm.EMPLOYMENT_VIEW).filter(region_code__startswith=region_code)
    return _working(base, window).select_related("site", "person").order_by("site", "id")


INDICATORS += [
    Indicator(
        code="employment.employment_rate",
        name=_("Employment rate of working-age able certified people"),
        area=AREA,
        unit=Unit.RATE,
        period=Period.SNAPSHOT,
        permission=Perm.EMPLOYMENT_VIEW,
        sources=("employment", "registry"),
        leaf=rate_leaf,
        records=rate_records,
        denominator_label=_("working-age certified people able to work"),
        record_columns=(
            (_("Full name"), "name"),
            (_("ID number"), "masked_id"),
            (_("Region"), "region_code"),
            (_("Employed"), "employed"),
        ),
        order=20,
    ),
    Indicator(
        code="employment.trained",
        name=_("People trained in the year"),
        area=AREA,
        unit=Unit.PEOPLE,
        period=Period.CUMULATIVE,
        permission=Perm.EMPLOYMENT_VIEW,
        sources=("employment",),
        leaf=trained_leaf,
        records=trained_records,
        record_columns=(
            (_("Full name"), "person.name"),
            (_("Course"), "course"),
            (_("Hours"), "hours"),
        ),
        order=21,
    ),
    Indicator(
        code="employment.new_jobs",
        name=_("New employment in the year"),
        area=AREA,
        unit=Unit.PEOPLE,
        period=Period.CUMULATIVE,
        permission=Perm.EMPLOYMENT_VIEW,
        sources=("employment",),
        leaf=new_jobs_leaf,
        records=new_jobs_records,
        record_columns=(
            (_("Full name"), "person.name"),
            (_("Employment status"), "get_status_display"),
            (_("From"), "started_on"),
        ),
        order=22,
    ),
    Indicator(
        code="employment.sites",
        name=_("爱心屋 kiosks and employment bases"),
        area=AREA,
        unit=Unit.COUNT,
        period=Period.SNAPSHOT,
        permission=Perm.EMPLOYMENT_VIEW,
        sources=("employment",),
        leaf=sites_leaf,
        records=sites_records,
        record_columns=(
            (_("Name"), "institution.name"),
            (_("Sponsor"), "sponsor_name"),
            (_("Opened on"), "opened_on"),
        ),
        order=23,
    ),
    Indicator(
        code="employment.site_workers",
        name=_("People employed at 爱心屋 kiosks and bases"),
        area=AREA,
        unit=Unit.PEOPLE,
        period=Period.SNAPSHOT,
        permission=Perm.EMPLOYMENT_VIEW,
        sources=("employment",),
        leaf=site_workers_leaf,
        records=site_workers_records,
        record_columns=((_("Site"), "site.sponsor_name"), (_("Post"), "post"), (_("From"), "started_on")),
        order=24,
    ),
]
