"""The indicators of volunteers, donations and typical cases, by the organising federation's region
(``region_code`` of the volunteer, activity, donation or case; a use counts in its donation's
region): volunteers registered (now, active), volunteer hours in the month (the year's figure is the
sum of its months), donations received and used in the month (yuan; goods at their value), typical
cases published in the month."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from canlian.core.permissions import Perm
from canlian.domains.outreach.choices import CaseStatus
from canlian.domains.outreach.models import (
    Activity,
    Donation,
    DonationUse,
    TypicalCase,
    Volunteer,
    VolunteerHours,
)
from canlian.platform.indicators import Indicator, Period, Unit, Window

AREA = _("Volunteers and donations")
PERMISSION = Perm.OUTREACH_VIEW
SOURCES = ("outreach",)


def _registered(rows: QuerySet, window: Window) -> QuerySet:
    return rows.filter(active=True, registered_on__lte=window.end)


def _volunteers_leaf(window: Window) -> QuerySet:
    return (
        _registered(Volunteer.objects.all(), window)
        .values(region=F("region_code"))
        .annotate(numerator=Count("id"))
    )


def _volunteer_records(user: Any, window: Window, region_code: str) -> QuerySet:
    rows = Volunteer.objects.for_user(user, PERMISSION).filter(region_code__startswith=region_code)
    return _registered(rows, window).order_by("registered_on", "id")


def _hours_leaf(window: Window) -> QuerySet:
    return (
        VolunteerHours.objects.filter(activity__on__gte=window.start, activity__on__lte=window.end)
        .values(region=F("activity__region_code"))
        .annotate(numerator=Sum("hours"))
    )


def _activity_records(user: Any, window: Window, region_code: str) -> QuerySet:
    return (
        Activity.objects.for_user(user, PERMISSION)
        .filter(region_code__startswith=region_code, on__gte=window.start, on__lte=window.end)
        .annotate(total_hours=Sum("hours__hours"))
        .filter(total_hours__gt=0)
        .order_by("on", "id")
    )


def _received(rows: QuerySet, window: Window) -> QuerySet:
    return rows.filter(received_on__gte=window.start, received_on__lte=window.end)


def _received_leaf(window: Window) -> QuerySet:
    return (
        _received(Donation.objects.all(), window)
        .values(region=F("region_code"))
        .annotate(numerator=Sum("amount"))
    )


def _received_records(user: Any, window: Window, region_code: str) -> QuerySet:
    rows = Donation.objects.for_user(user, PERMISSION).filter(region_code__startswith=region_code)
    return _received(rows, window).order_by("received_on", "id")


def _used_leaf(window: Window) -> QuerySet:
    return (
        DonationUse.objects.filter(on__gte=window.start, on__lte=window.end)
        .values(region=F("donation__region_code"))
        .annotate(numerator=Sum("amount"))
    )


def _used_records(user: Any, window: Window, region_code: str) -> QuerySet:
    donations = Donation.objects.for_user(user, PERMISSION).filter(region_code__startswith=region_code)
    return (
        DonationUse.objects.filter(
            donation__in=donations.values("pk"), on__gte=window.start, on__lte=window.end
        )
        .select_related("donation")
        .order_by("on", "id")
    )


def _published(rows: QuerySet, window: Window) -> QuerySet:
    return rows.filter(
        status=CaseStatus.PUBLISHED, published_on__gte=window.start, published_on__lte=window.end
    )


def _cases_leaf(window: Window) -> QuerySet:
    return (
        _published(TypicalCase.objects.all(), window)
        .values(region=F("region_code"))
        .annotate(numerator=Count("id"))
    )


def _case_records(user: Any, window: Window, region_code: str) -> QuerySet:
    rows = TypicalCase.objects.for_user(user, PERMISSION).filter(region_code__startswith=region_code)
    return _published(rows, window).select_related("person").order_by("published_on", "id")


INDICATORS = [
    Indicator(
        code="outreach.volunteers_registered",
        name=_("Volunteers registered"),
        area=AREA,
        unit=Unit.PEOPLE,
        period=Period.SNAPSHOT,
        permission=PERMISSION,
        sources=SOURCES,
        leaf=_volunteers_leaf,
        records=_volunteer_records,
        record_columns=(
            (_("Name"), "name"),
            (_("Organisation"), "organisation"),
            (_("Region"), "region_code"),
            (_("Registered on"), "registered_on"),
        ),
        # "active" is today's flag: the earlier months keep what was recorded then.
        history=False,
        order=10,
    ),
    Indicator(
        code="outreach.volunteer_hours",
        name=_("Volunteer hours"),
        area=AREA,
        unit=Unit.COUNT,
        period=Period.IN_PERIOD,
        permission=PERMISSION,
        sources=SOURCES,
        leaf=_hours_leaf,
        records=_activity_records,
        record_columns=(
            (_("Activity"), "title"),
            (_("Date"), "on"),
            (_("Region"), "region_code"),
            (_("Hours"), "total_hours"),
        ),
        description=_("Hours given by volunteers at the activities of the period."),
        order=11,
    ),
    Indicator(
        code="outreach.donations_received",
        name=_("Donations received"),
        area=AREA,
        unit=Unit.AMOUNT,
        period=Period.IN_PERIOD,
        permission=PERMISSION,
        sources=SOURCES,
        leaf=_received_leaf,
        records=_received_records,
        record_columns=(
            (_("Receipt number"), "number"),
            (_("Donor"), "donor"),
            (_("Region"), "region_code"),
            (_("Received on"), "received_on"),
            (_("Amount"), "amount"),
        ),
        description=_("Money, and goods at their value."),
        order=20,
    ),
    Indicator(
        code="outreach.donations_used",
        name=_("Donations used"),
        area=AREA,
        unit=Unit.AMOUNT,
        period=Period.IN_PERIOD,
        permission=PERMISSION,
        sources=SOURCES,
        leaf=_used_leaf,
        records=_used_records,
        record_columns=(
            (_("Receipt number"), "donation.number"),
            (_("Description"), "description"),
            (_("Region"), "donation.region_code"),
            (_("Date"), "on"),
            (_("Amount"), "amount"),
        ),
        order=21,
    ),
    Indicator(
        code="outreach.cases_published",
        name=_("Typical cases published"),
        area=AREA,
        unit=Unit.COUNT,
        period=Period.IN_PERIOD,
        permission=PERMISSION,
        sources=SOURCES,
        leaf=_cases_leaf,
        records=_case_records,
        record_columns=(
            (_("Title"), "shown_title"),
            (_("Region"), "region_code"),
            (_("Published on"), "published_on"),
        ),
        order=30,
    ),
]
