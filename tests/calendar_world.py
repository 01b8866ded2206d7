"""The calendar for tests/test_authorization.py's world. The years and days are national reference data
(the URL keyword ``calendar_year`` is a FIXED value there); a provisional deadline belongs to region A,
and its object text carries "MARKER-CAL-A" so that a leak into another region's list shows.
``snapshot`` returns what must not change when a refused request is made."""

from __future__ import annotations

import datetime as dt
from typing import Any


def build(*, owner: Any, person: Any, make_user: Any) -> dict[str, Any]:
    from canlian.core.calendar.models import ProvisionalDeadline

    ProvisionalDeadline.objects.create(
        target_type="registry.person",
        target_id=person.pk,
        field="updated_at",
        object_repr="MARKER-CAL-A",
        region_code=person.region_code,
        start=dt.date(2099, 12, 28),
        days=5,
        computed_on=dt.date(2100, 1, 4),
        missing_years=[2100],
    )
    return {}


def snapshot() -> tuple[Any, ...]:
    from canlian.core.calendar.models import CalendarDay, CalendarYear, ProvisionalDeadline

    return (
        tuple(CalendarYear.objects.order_by("year").values_list("year", "source", "updated_at")),
        CalendarDay.objects.count(),
        tuple(CalendarDay.objects.order_by("date").values_list("date", "kind", "name")),
        tuple(ProvisionalDeadline.objects.order_by("pk").values_list("pk", "status", "computed_on")),
    )
