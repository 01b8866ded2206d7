"""Every read of volunteers, donations and typical cases, from the models' ``for_user``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from canlian.core.permissions import Perm
from canlian.domains.outreach.choices import CaseStatus
from canlian.domains.outreach.models import Activity, Donation, DonationUse, TypicalCase, Volunteer

VIEW = Perm.OUTREACH_VIEW
_MONEY = DecimalField(max_digits=14, decimal_places=2)


def _used(until: dt.date | None = None, since: dt.date | None = None) -> Any:
    uses = DonationUse.objects.filter(donation=OuterRef("pk"))
    if until is not None:
        uses = uses.filter(on__lte=until)
    if since is not None:
        uses = uses.filter(on__gte=since)
    total = uses.values("donation").annotate(s=Sum("amount")).values("s")
    return Coalesce(Subquery(total, output_field=_MONEY), Value(Decimal("0.00")), output_field=_MONEY)


def donations_visible(*, user: Any, year: int | None = None) -> QuerySet:
    rows = Donation.objects.for_user(user, VIEW).annotate(used_total=_used())
    if year:
        rows = rows.filter(year=year)
    return rows


def volunteers_visible(*, user: Any) -> QuerySet:
    return Volunteer.objects.for_user(user, VIEW).annotate(
        total_hours=Coalesce(
            Sum("hours__hours"),
            Value(Decimal("0.0")),
            output_field=DecimalField(max_digits=9, decimal_places=1),
        )
    )


def activities_visible(*, user: Any) -> QuerySet:
    return Activity.objects.for_user(user, VIEW).select_related("institution")


def cases_visible(*, user: Any) -> QuerySet:
    """Published cases for every reader; drafts and cases in review for those who may manage them."""
    published = Q(status=CaseStatus.PUBLISHED)
    if user.has_canlian_perm(Perm.OUTREACH_MANAGE):
        managed = TypicalCase.objects.for_user(user, Perm.OUTREACH_MANAGE).values("pk")
        return (
            TypicalCase.objects.for_user(user, VIEW)
            .filter(published | Q(pk__in=managed))
            .select_related("person")
        )
    return TypicalCase.objects.for_user(user, VIEW).filter(published).select_related("person")


@dataclass
class Statement:
    """The yearly statement of donations: per donation received by the year's end with something left
    at its start or received in it — what was received in the year, used in the year, the balance
    at the year's end — and the totals."""

    year: int
    rows: list[Any] = field(default_factory=list)
    received: Decimal = Decimal("0.00")
    used: Decimal = Decimal("0.00")
    balance: Decimal = Decimal("0.00")
    opening: Decimal = Decimal("0.00")


def donation_statement(*, user: Any, year: int) -> Statement:
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    before = start - dt.timedelta(days=1)
    rows = (
        Donation.objects.for_user(user, VIEW)
        .filter(received_on__lte=end)
        .annotate(used_before=_used(until=before), used_in_year=_used(since=start, until=end))
        .order_by("received_on", "id")
    )
    statement = Statement(year=year)
    for d in rows:
        d.opening = d.amount - d.used_before if d.received_on < start else Decimal("0.00")
        d.received_in_year = d.amount if d.received_on >= start else Decimal("0.00")
        d.closing = d.opening + d.received_in_year - d.used_in_year
        if d.opening == 0 and d.received_in_year == 0:
            continue
        statement.rows.append(d)
        statement.opening += d.opening
        statement.received += d.received_in_year
        statement.used += d.used_in_year
        statement.balance += d.closing
    return statement
