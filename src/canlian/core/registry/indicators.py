"""The registry's indicators: certified people, certificates expiring and expired, screening pending.

Each leaf is one grouped query by the person's residence (``region_code``); ``records`` returns the
rows behind a figure from the model's ``for_user(user, "persons.view")``.

* **Certified**: living people whose certificate in force at the day is valid then.
* **Expiring**: certificates in force today that expire within ``EXPIRING_DAYS`` (60) days, today and
  the 60th day included (``selectors.certificates_expiring`` with that window); holders living. Only
  today is known (no history): a certificate renewed since would otherwise count in the past.
* **Expired**: certificates in force at the day whose validity ended before it, holders living then
  (``selectors.certificates_expired`` at that day).
* **Screening pending**: people found in screening (摸排) by the day whose assessment had no outcome
  yet then (awaiting assessment or booked, or an outcome recorded after the day).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from canlian.core.permissions import Perm
from canlian.core.registry.choices import LifeStatus, ScreeningOutcome
from canlian.core.registry.models import (
    Certificate,
    CertificateQuerySet,
    Person,
    ScreeningRecord,
    certificate_in_force_q,
)
from canlian.platform.indicators import Indicator, Period, Unit, Window

AREA = _("Registry")
#: The renewal reminder the home page and the indicator use (days ahead, the last day included).
EXPIRING_DAYS = 60
OPEN_SCREENING = (ScreeningOutcome.PENDING, ScreeningOutcome.SCHEDULED)

PERSON_COLUMNS = (
    (_("Full name"), "person.name"),
    (_("ID number"), "person.masked_id"),
    (_("Region"), "person.region_code"),
)


def _alive(on: dt.date, prefix: str = "person__") -> Q:
    """Living on ``on``: not dead or moved out by then (the status date counts)."""
    return ~Q(
        **{
            f"{prefix}life_status__in": [LifeStatus.DECEASED, LifeStatus.MOVED_OUT],
            f"{prefix}life_status_date__lte": on,
        }
    )


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


# --- expiring (today only) and expired ------------------------------------------------------------


def _expiring(base: CertificateQuerySet, window: Window) -> QuerySet:
    return base.expiring_within(EXPIRING_DAYS, window.end).filter(person__life_status=LifeStatus.LIVING)


def expiring_leaf(window: Window) -> QuerySet:
    return (
        _expiring(Certificate.objects.all(), window)
        .values(region=F("person__region_code"))
        .annotate(numerator=Count("id"))
    )


def expiring_records(user: Any, window: Window, region_code: str) -> QuerySet:
    # for_user is typed as the platform's base queryset; it is the certificates' own
    base = cast(CertificateQuerySet, Certificate.objects.for_user(user, Perm.PERSONS_VIEW))
    return (
        _expiring(base, window)
        .filter(person__region_code__startswith=region_code)
        .select_related("person")
        .order_by("valid_until", "id")
    )


def _expired(base: QuerySet, window: Window) -> QuerySet:
    on = window.end
    return base.filter(certificate_in_force_q(on), valid_until__lt=on).filter(_alive(on))


def expired_leaf(window: Window) -> QuerySet:
    return (
        _expired(Certificate.objects.all(), window)
        .values(region=F("person__region_code"))
        .annotate(numerator=Count("id"))
    )


def expired_records(user: Any, window: Window, region_code: str) -> QuerySet:
    base = Certificate.objects.for_user(user, Perm.PERSONS_VIEW)
    return (
        _expired(base, window)
        .filter(person__region_code__startswith=region_code)
        .select_related("person")
        .order_by("-valid_until", "id")
    )


# --- screening ---------------------------------------------------------------------------------------


def _screening_pending(base: QuerySet, window: Window) -> QuerySet:
    on = window.end
    return base.filter(found_on__lte=on).filter(Q(outcome__in=OPEN_SCREENING) | Q(outcome_on__gt=on))


def screening_leaf(window: Window) -> QuerySet:
    return (
        _screening_pending(ScreeningRecord.objects.all(), window)
        .values(region=F("region_code"))
        .annotate(numerator=Count("id"))
    )


def screening_records(user: Any, window: Window, region_code: str) -> QuerySet:
    base = ScreeningRecord.objects.for_user(user, Perm.PERSONS_VIEW)
    return (
        _screening_pending(base, window)
        .filter(region_code__startswith=region_code)
        .order_by("found_on", "id")
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
        record_columns=(
            (_("Full name"), "name"),
            (_("ID number"), "masked_id"),
            (_("Region"), "region_code"),
        ),
        order=10,
    ),
    Indicator(
        code="registry.certificates_expiring",
        name=_("Certificates expiring within 60 days"),
        area=AREA,
        unit=Unit.COUNT,
        period=Period.SNAPSHOT,
        permission=Perm.PERSONS_VIEW,
        sources=("registry",),
        leaf=expiring_leaf,
        records=expiring_records,
        lower_is_better=True,
        history=False,
        record_columns=(*PERSON_COLUMNS, (_("Valid until"), "valid_until")),
        order=20,
    ),
    Indicator(
        code="registry.certificates_expired",
        name=_("Expired certificates not renewed"),
        area=AREA,
        unit=Unit.COUNT,
        period=Period.SNAPSHOT,
        permission=Perm.PERSONS_VIEW,
        sources=("registry",),
        leaf=expired_leaf,
        records=expired_records,
        lower_is_better=True,
        record_columns=(*PERSON_COLUMNS, (_("Valid until"), "valid_until")),
        order=30,
    ),
    Indicator(
        code="registry.screening_pending",
        name=_("People found in screening awaiting assessment"),
        area=AREA,
        unit=Unit.PEOPLE,
        period=Period.SNAPSHOT,
        permission=Perm.PERSONS_VIEW,
        sources=("registry",),
        leaf=screening_leaf,
        records=screening_records,
        lower_is_better=True,
        record_columns=(
            (_("Full name"), "name"),
            (_("ID number"), "masked_id"),
            (_("Region"), "region_code"),
            (_("Found on"), "found_on"),
            (_("Outcome"), "get_outcome_display"),
        ),
        order=40,
    ),
]
