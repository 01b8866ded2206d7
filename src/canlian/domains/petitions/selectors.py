"""Reads of petitions, invitations and festival visits. Every selector starts from ``for_user`` with
the ``petitions.view`` permission; the count helpers are what the cadence pages (care) call.

Names: ``petitions_visible``, ``petitions_overdue``, ``invitations_visible``,
``festival_visits_visible``, ``festival_money_by_region``, ``petition_counts``, ``invitation_counts``,
``festival_counts``; every parameter keyword-only.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Substr

from canlian.core.regions.choices import CODE_LENGTH, RegionLevel
from canlian.core.regions.models import Region
from canlian.domains.petitions.models import (
    FestivalVisit,
    InvitationEvent,
    Invitee,
    Petition,
    PetitionStatus,
    Satisfaction,
)

CENT = Decimal("0.01")


def petitions_visible(
    *,
    user: Any,
    status: str = "",
    category: str = "",
    region: str = "",
    start: dt.date | None = None,
    end: dt.date | None = None,
    handler: Any = None,
    person: Any = None,
) -> QuerySet[Petition]:
    """Petitions the user may see, narrowed by the filters given (region = a code prefix; start/end
    bound ``received_on``, both inclusive)."""
    qs = Petition.objects.for_user(user, "view").select_related("person", "handler")
    if status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category=category)
    if region:
        qs = qs.filter(region_code__startswith=region)
    if start:
        qs = qs.filter(received_on__gte=start)
    if end:
        qs = qs.filter(received_on__lte=end)
    if handler is not None:
        qs = qs.filter(handler=handler)
    if person is not None:
        qs = qs.filter(person=person)
    return qs


def petitions_overdue(*, user: Any, today: dt.date) -> QuerySet[Petition]:
    """Open petitions whose deadline (in working days) has passed, the most overdue first."""
    return petitions_visible(user=user).overdue(today).order_by("deadline", "id")


def petition_counts(
    *, user: Any, start: dt.date, end: dt.date, today: dt.date | None = None
) -> dict[str, Any]:
    """Petitions received between ``start`` and ``end`` (inclusive): ``received``, ``closed``,
    ``open``, ``overdue`` (open and past deadline on ``today``, default ``end``), ``closed_late``
    and, over the closed ones, ``satisfaction`` counts and ``satisfaction_shares`` (fractions,
    Decimal with 4 places; empty when none closed). One query."""
    today = today or end
    row = (
        Petition.objects.for_user(user, "view")
        .filter(received_on__gte=start, received_on__lte=end)
        .aggregate(
            received=Count("id"),
            closed=Count("id", filter=Q(status=PetitionStatus.CLOSED)),
            overdue=Count("id", filter=Q(status=PetitionStatus.OPEN, deadline__lt=today)),
            closed_late=Count("id", filter=Q(status=PetitionStatus.CLOSED, closed_on__gt=F("deadline"))),
            **{
                f"sat_{value}": Count("id", filter=Q(status=PetitionStatus.CLOSED, satisfaction=value))
                for value in Satisfaction.values
            },
        )
    )
    satisfaction = {value: row[f"sat_{value}"] for value in Satisfaction.values}
    closed = row["closed"]
    shares = (
        {k: (Decimal(v) / Decimal(closed)).quantize(Decimal("0.0001")) for k, v in satisfaction.items()}
        if closed
        else {}
    )
    return {
        "received": row["received"],
        "closed": closed,
        "open": row["received"] - closed,
        "overdue": row["overdue"],
        "closed_late": row["closed_late"],
        "satisfaction": satisfaction,
        "satisfaction_shares": shares,
    }


def invitations_visible(*, user: Any) -> QuerySet[InvitationEvent]:
    """Invitation events with ``invited_count`` and ``attended_count``."""
    return InvitationEvent.objects.for_user(user, "view").annotate(
        invited_count=Count("invitees", filter=Q(invitees__invited=True)),
        attended_count=Count("invitees", filter=Q(invitees__attended=True)),
    )


def invitation_counts(*, user: Any, start: dt.date, end: dt.date) -> dict[str, int]:
    """Events held between ``start`` and ``end``: ``events``, ``invited``, ``attended``."""
    events = InvitationEvent.objects.for_user(user, "view").filter(held_on__gte=start, held_on__lte=end)
    row = Invitee.objects.filter(event__in=events.values("pk")).aggregate(
        invited=Count("id", filter=Q(invited=True)), attended=Count("id", filter=Q(attended=True))
    )
    return {"events": events.count(), "invited": row["invited"], "attended": row["attended"]}


def festival_visits_visible(
    *,
    user: Any,
    start: dt.date | None = None,
    end: dt.date | None = None,
    festival: str = "",
    region: str = "",
    person: Any = None,
) -> QuerySet[FestivalVisit]:
    qs = FestivalVisit.objects.for_user(user, "view").select_related("person")
    if start:
        qs = qs.filter(on__gte=start)
    if end:
        qs = qs.filter(on__lte=end)
    if festival:
        qs = qs.filter(festival=festival)
    if region:
        qs = qs.filter(region_code__startswith=region)
    if person is not None:
        qs = qs.filter(person=person)
    return qs


def festival_counts(*, user: Any, start: dt.date, end: dt.date) -> dict[str, Any]:
    """Festival visits between ``start`` and ``end``: ``visits``, ``people``, ``money`` (Decimal)."""
    row = festival_visits_visible(user=user, start=start, end=end).aggregate(
        visits=Count("id"), people=Count("person", distinct=True), money=Sum("money")
    )
    return {
        "visits": row["visits"],
        "people": row["people"],
        "money": (row["money"] or Decimal("0")).quantize(CENT),
    }


def festival_money_by_region(
    *,
    user: Any,
    start: dt.date,
    end: dt.date,
    level: int | str = RegionLevel.TOWNSHIP,
    festival: str = "",
) -> list[dict[str, Any]]:
    """Condolence money per region of ``level`` (RegionLevel, or "township"/"county"/...): one
    GROUP BY over the code prefix. Rows: ``code``, ``name``, ``visits``, ``people``, ``money``
    (Decimal), sorted by code."""
    if isinstance(level, str) and not level.isdigit():
        level = RegionLevel[level.upper()]
    length = CODE_LENGTH[RegionLevel(int(level))]
    rows = list(
        festival_visits_visible(user=user, start=start, end=end, festival=festival)
        .order_by()
        .annotate(code=Substr("region_code", 1, length))
        .values("code")
        .annotate(visits=Count("id"), people=Count("person", distinct=True), money=Sum("money"))
        .order_by("code")
    )
    names = dict(Region.objects.filter(code__in=[r["code"] for r in rows]).values_list("code", "name"))
    for r in rows:
        r["name"] = names.get(r["code"], r["code"])
        r["money"] = (r["money"] or Decimal("0")).quantize(CENT)
    return rows
