"""Which training days count: the enrollment's paid window and the public-holiday rule. Pure checks
shared by the attendance actions (page, tablet, upload, API) and the tablet page's rows; settlement
applies the same window in SQL (``settlement.inputs.read_inputs``).

* **The paid window** of a child-rehab enrollment runs from the **application date**
  (``Enrollment.applied_on``) to the **day before** ``stopped_from`` (the first month not paid, a
  month's first day), or open-ended while the enrollment is not stopped. A training day outside it
  is refused on entry and not counted by settlement. The application date, not the approval date:
  the engine pays every program from the application (month), and ``applied_on`` is always set,
  whereas the decision date is empty on enrollments recorded without the review chain.
* **Public holidays** (``canlian.programs.workdays.is_public_holiday``: the listed holidays of the
  State Council's arrangement, not plain weekends) need an explicit confirmation; a confirmed day is
  stored with ``Attendance.on_holiday`` and flagged in the training-days list. Settlement counts it
  like any other day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

from django.utils.translation import gettext as _

from canlian.programs import workdays

_DAY = dt.timedelta(days=1)

#: The error code of a refusal whose only problem is an unconfirmed public holiday.
HOLIDAY_UNCONFIRMED = "holiday_unconfirmed"


def paid_window(
    applied_on: dt.date | None, stopped_from: dt.date | None
) -> tuple[dt.date | None, dt.date | None]:
    """(first day counted, last day counted or None) of an enrollment."""
    return applied_on, (stopped_from - _DAY) if stopped_from is not None else None


def window_problem(day: dt.date, applied_on: dt.date | None, stopped_from: dt.date | None) -> str | None:
    """Why ``day`` lies outside the enrollment's paid window, or None when it is inside."""
    first, last = paid_window(applied_on, stopped_from)
    if first is not None and day < first:
        return str(
            _("%(day)s is before the application date %(first)s: training days count from the application.")
            % {"day": day, "first": first}
        )
    if last is not None and day > last:
        return str(
            _(
                "%(day)s is after the enrollment was stopped (from %(stop)s): training days count "
                "until %(last)s."
            )
            % {"day": day, "stop": stopped_from, "last": last}
        )
    return None


def plan_window_problem(plan: Any, day: dt.date) -> str | None:
    """``window_problem`` for a plan whose enrollment is loaded (``select_related("enrollment")``)."""
    enrollment = plan.enrollment
    return window_problem(day, enrollment.applied_on, enrollment.stopped_from)


def holidays_among(days: Collection[dt.date]) -> dict[dt.date, str]:
    """The public holidays among ``days``, with their names ("" when unnamed): one calendar read."""
    wanted = sorted(set(days))
    if not wanted:
        return {}
    if len(wanted) == 1:
        day = wanted[0]
        return {day: workdays.holiday_name(day) or ""} if workdays.is_public_holiday(day) else {}
    listed = workdays.public_holidays(wanted[0], wanted[-1])
    return {d: listed[d] or "" for d in wanted if d in listed}


def holiday_message(day: dt.date, name: str = "") -> str:
    if name:
        return str(
            _("%(day)s is a public holiday (%(name)s): a sign-in on it needs a confirmation.")
            % {"day": day, "name": name}
        )
    return str(_("%(day)s is a public holiday: a sign-in on it needs a confirmation.") % {"day": day})
