"""The employment and social-security indicators.

* **Pension premiums paid for people** (cumulative): distinct people with a counted line (cycle
  approved or later, not failed) of the pension-premium program from 1 January to the month's end;
  by the line's region.
* **Employment fund assessed** (in period): the fund due of the declarations reviewed in the month;
  by the employer's region.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from canlian.core.permissions import Perm
from canlian.domains.employment.models import Declaration
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
