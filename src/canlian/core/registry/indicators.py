"""The registry's indicators: certified people, certificates expiring and expired, screening pending."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, F, QuerySet
from django.utils.translation import gettext_lazy as _

from canlian.core.permissions import Perm
from canlian.core.registry.choices import LifeStatus
from canlian.core.registry.models import Certificate, Person, certificate_in_force_q
from canlian.platform.indicators import Indicator, Period, Unit, Window

AREA = _("Registry")


def _certified(on: dt.date) -> QuerySet:
    """People alive on ``on`` whose certificate in force then is valid."""
    return Certificate.objects.filter(certificate_in_force_q(on), valid_until__gte=on).exclude(
        person__life_status=LifeStatus.DECEASED, person__life_status_date__lte=on
    )


def certified_leaf(window: Window) -> QuerySet:
    return (
        _certified(window.end)
        .values(region=F("person__region_code"))
        .annotate(numerator=Count("person_id", distinct=True))
    )


def certified_records(user: Any, window: Window, region_code: str) -> QuerySet:
    people = _certified(window.end).values("person_id")
    return Person.objects.for_user(user, Perm.PERSONS_VIEW).filter(
        pk__in=people, region_code__startswith=region_code
    )


INDICATORS = [
    Indicator(
        code="registry.certified",
        name=_("Certified disabled people"),
        area=AREA,
        unit=Unit.PEOPLE,
        period=Period.SNAPSHOT,
        permission=Perm.PERSONS_VIEW,
        sources=("registry",),
        leaf=certified_leaf,
        records=certified_records,
        order=10,
    ),
]
