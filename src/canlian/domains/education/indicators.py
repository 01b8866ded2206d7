"""The education indicators, on the definitions of ``selectors.py``.

* **Compulsory enrolment rate** (snapshot): of the living certified children of compulsory age
  (6–15 on 1 September of the school year the month falls in), those placed in a regular class, a
  special school or home teaching that school year; by the child's residence.
* **Pupils' living allowance paid** (in period): the amounts of the allowance program's lines of the
  month's cycles that count (approved or later, not failed); by the line's region.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from canlian.core.permissions import Perm
from canlian.core.registry.models import Certificate, Person, certificate_in_force_q
from canlian.domains.education.choices import COMPULSORY_AGE, COMPULSORY_ENROLLED
from canlian.domains.education.models import PlacementRecord
from canlian.domains.education.presets import ALLOWANCE
from canlian.domains.education.selectors import _years_before, counting_day
from canlian.platform.indicators import Indicator, Period, Unit, Window
from canlian.programs.models import PaymentLine

AREA = _("Education and employment")
PERMISSION = Perm.EDUCATION_VIEW
COUNTED_CYCLES = ("approved", "exported", "closed")


def school_year_of(window: Window) -> int:
    return window.end.year if window.end.month >= 9 else window.end.year - 1


def _children(people: QuerySet, window: Window) -> QuerySet:
    year = school_year_of(window)
    day = counting_day(year)
    low, high = COMPULSORY_AGE
    certified = Certificate.objects.filter(
        certificate_in_force_q(day), person=OuterRef("pk"), valid_until__gte=day
    )
    enrolled = PlacementRecord.objects.filter(
        person=OuterRef("pk"), school_year=year, placement__in=COMPULSORY_ENROLLED
    )
    return (
        people.filter(life_status="living", birth_date__lte=_years_before(day, low))
        .filter(birth_date__gt=_years_before(day, high + 1))
        .filter(Exists(certified))
        .annotate(enrolled=Exists(enrolled))
    )


def enrolment_leaf(window: Window) -> QuerySet:
    return (
        _children(Person.objects.all(), window)
        .values(region=F("region_code"))
        .annotate(numerator=Count("pk", filter=Q(enrolled=True)), denominator=Count("pk"))
    )


def enrolment_records(user: Any, window: Window, region_code: str) -> QuerySet:
    people = Person.objects.for_user(user, PERMISSION).filter(region_code__startswith=region_code)
    return _children(people, window).order_by("enrolled", "region_code", "pk")


def _allowance_lines(base: QuerySet, window: Window) -> QuerySet:
    return base.filter(
        program__code=ALLOWANCE,
        cycle__status__in=COUNTED_CYCLES,
        cycle__month__gte=window.start,
        cycle__month__lte=window.end,
    ).exclude(status="failed")


def allowance_leaf(window: Window) -> QuerySet:
    return (
        _allowance_lines(PaymentLine.objects.all(), window)
        .values(region=F("region_code"))
        .annotate(numerator=Sum("amount"))
    )


def allowance_records(user: Any, window: Window, region_code: str) -> QuerySet:
    base = PaymentLine.objects.for_user(user, Perm.ENROLLMENTS_VIEW).filter(
        region_code__startswith=region_code
    )
    return _allowance_lines(base, window).select_related("person").order_by("period", "id")


INDICATORS = [
    Indicator(
        code="education.enrolment_rate",
        name=_("Compulsory enrolment of certified children"),
        area=AREA,
        unit=Unit.RATE,
        period=Period.SNAPSHOT,
        permission=PERMISSION,
        sources=("education", "registry"),
        leaf=enrolment_leaf,
        records=enrolment_records,
        denominator_label=_("certified children aged 6–15"),
        record_columns=(
            (_("Full name"), "name"),
            (_("ID number"), "masked_id"),
            (_("Region"), "region_code"),
            (_("Enrolled"), "enrolled"),
        ),
        order=10,
    ),
    Indicator(
        code="education.allowance_amount",
        name=_("Pupils' living allowance paid"),
        area=AREA,
        unit=Unit.AMOUNT,
        period=Period.IN_PERIOD,
        permission=PERMISSION,
        sources=("payments",),
        leaf=allowance_leaf,
        records=allowance_records,
        record_columns=(
            (_("Full name"), "person.name"),
            (_("Month paid for"), "period"),
            (_("Amount"), "amount"),
        ),
        order=11,
    ),
]
