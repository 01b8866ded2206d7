"""Reads of education through the scoped querysets: placements, schools, the compulsory enrolment
figures of a school year and the list of school-age children not enrolled."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from canlian.core.registry.models import Certificate, Person, certificate_in_force_q
from canlian.domains.education.choices import COMPULSORY_AGE, COMPULSORY_ENROLLED, Placement
from canlian.domains.education.models import PlacementRecord, School

VIEW = "education.view"


def counting_day(school_year: int) -> dt.date:
    """Placements and ages are counted on 1 September of the school year."""
    return dt.date(school_year, 9, 1)


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def school_age_children(*, user: Any, school_year: int, region_code: str = "") -> QuerySet[Person]:
    """Living certified children of compulsory age (6–15 on 1 September) in the user's scope."""
    day = counting_day(school_year)
    low, high = COMPULSORY_AGE
    certified = Certificate.objects.filter(
        certificate_in_force_q(day), person=OuterRef("pk"), valid_until__gte=day
    )
    return (
        Person.objects.for_user(user, VIEW)
        .filter(region_code__startswith=region_code, life_status="living")
        .filter(birth_date__lte=_years_before(day, low), birth_date__gt=_years_before(day, high + 1))
        .filter(Exists(certified))
    )


@dataclass
class EnrolmentFigures:
    school_year: int
    children: int
    enrolled: int
    by_placement: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> Decimal | None:
        if not self.children:
            return None
        return (Decimal(self.enrolled) / Decimal(self.children)).quantize(Decimal("0.0001"))


def enrolment_figures(*, user: Any, school_year: int, region_code: str = "") -> EnrolmentFigures:
    """Compulsory enrolment rate = children of compulsory age with a certificate placed in a regular
    class, a special school or home teaching ÷ all such children (unrecorded ones count as not enrolled)."""
    children = school_age_children(user=user, school_year=school_year, region_code=region_code)
    placed = (
        PlacementRecord.objects.filter(school_year=school_year, person__in=children.values("pk"))
        .values("placement")
        .annotate(n=Count("id"))
        .order_by()
    )
    by = {row["placement"]: row["n"] for row in placed}
    total = children.count()
    enrolled = sum(by.get(p, 0) for p in COMPULSORY_ENROLLED)
    by_placement = {p.value: by.get(p.value, 0) for p in Placement}
    by_placement["unrecorded"] = total - sum(by.values())
    return EnrolmentFigures(
        school_year=school_year, children=total, enrolled=enrolled, by_placement=by_placement
    )


def not_enrolled(*, user: Any, school_year: int, region_code: str = "") -> QuerySet[Person]:
    """School-age certified children with no compulsory placement in the year (recorded as not
    enrolled, in preschool, or with no placement at all): the township worker's to-do."""
    enrolled = PlacementRecord.objects.filter(
        person=OuterRef("pk"), school_year=school_year, placement__in=COMPULSORY_ENROLLED
    )
    return (
        school_age_children(user=user, school_year=school_year, region_code=region_code)
        .exclude(Exists(enrolled))
        .order_by("region_code", "birth_date", "pk")
    )


def placements_visible(
    *, user: Any, school_year: int | None = None, placement: str = ""
) -> QuerySet[PlacementRecord]:
    qs = PlacementRecord.objects.for_user(user, VIEW).select_related("person", "school")
    if school_year:
        qs = qs.filter(school_year=school_year)
    if placement:
        qs = qs.filter(placement=placement)
    return qs


def schools_visible(*, user: Any) -> QuerySet[School]:
    return School.objects.for_user(user, VIEW).annotate(
        pupils=Count("placements", filter=~Q(placements__placement=Placement.NOT_ENROLLED))
    )
