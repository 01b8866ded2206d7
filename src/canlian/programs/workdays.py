"""Working days on China's calendar: weekends, public holidays and the make-up working days (调休).

This is the interface every working-day rule uses (review steps, public notices, rectification
notices, petitions, attendance). The calendar itself is data (``canlian.core.calendar``): the holidays
and make-up days of each year, loaded from the ``chinese-calendar`` package by a migration or
``canlian load-calendar``, and imported by an administrator for next year (``canlian import-calendar
FILE`` or the calendar page) when the State Council publishes it. For a date in a year the calendar does
not hold yet:

* ``strict=True`` raises ``CalendarUnknown`` (stable code ``calendar_unknown``);
* the default counts Monday–Friday and logs a warning naming the year, so a review chain never stops.
  A deadline counted so is *provisional*: the caller records it with ``deadline_record`` right after
  saving it, the administrator sees it listed, and the daily task (or the import of the year)
  recomputes it.

Conventions: ``add_working_days(day, n)`` is the n-th working day after ``day`` (``n = 0`` returns
``day`` itself, negative ``n`` counts backwards); ``working_days_between(a, b)`` counts the working
days in ``(a, b]``, so ``working_days_between(a, add_working_days(a, n)) == n``.

Each call reads one small stamp query and otherwise works from a per-process snapshot of the tables;
code that asks about many days in a loop takes the snapshot once: ``cal = calendar()``, then
``cal.is_public_holiday(day)`` and so on, with no further query.
"""

from __future__ import annotations

from canlian.core.calendar.actions import deadline_record, deadlines_record
from canlian.core.calendar.days import (
    Calendar,
    CalendarUnknown,
    _warned,
    add_working_days,
    calendar,
    holiday_name,
    is_public_holiday,
    is_working_day,
    is_year_known,
    known_years,
    missing_years,
    next_working_day,
    public_holidays,
    working_days_between,
)

__all__ = [
    "Calendar",
    "CalendarUnknown",
    "_warned",
    "add_working_days",
    "calendar",
    "deadline_record",
    "deadlines_record",
    "holiday_name",
    "is_public_holiday",
    "is_working_day",
    "is_year_known",
    "known_years",
    "missing_years",
    "next_working_day",
    "public_holidays",
    "working_days_between",
]
