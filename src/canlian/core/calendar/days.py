"""Working days on China's calendar, read from the calendar tables (``CalendarYear``, ``CalendarDay``).

``canlian.programs.workdays`` re-exports these functions: callers import them from there.

* In a known year a day is a working day unless it is a listed holiday, or a Saturday/Sunday that is
  not a listed make-up working day.
* For a day of a year that is not known, ``strict=True`` raises ``CalendarUnknown`` (stable code
  ``calendar_unknown``); the default counts Monday–Friday and logs a warning naming the year once per
  process. A deadline counted so is *provisional*: ``missing_years(start, n)`` names the years, and
  ``canlian.core.calendar.actions.deadline_record`` records it to be recomputed when they are loaded.

Conventions: ``add_working_days(day, n)`` is the n-th working day after ``day`` (``n = 0`` returns
``day`` itself, negative ``n`` counts backwards); ``working_days_between(a, b)`` counts the working
days in ``(a, b]``, so ``working_days_between(a, add_working_days(a, n)) == n``.

The tables are read once per process and kept (``calendar()``). Every public call first reads a stamp
(the number of known years and their latest ``updated_at``: one small aggregate query) and reloads when
it changed, so an edit, an import or a rolled-back transaction is seen at once, by every process. Code
that asks about many days in a loop takes one snapshot, ``cal = calendar()``, and asks it.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max
from django.utils.translation import gettext_lazy as _

from canlian.core.calendar.choices import DayKind
from canlian.platform.errors import DomainError

logger = logging.getLogger(__name__)

_ONE_DAY = dt.timedelta(days=1)


class CalendarUnknown(DomainError):
    code = "calendar_unknown"
    http_status = 400
    default_message = _("The holiday calendar of this year is not known yet.")


#: Years already warned about in this process (one warning per year).
_warned: set[int] = set()


@dataclass(frozen=True)
class Calendar:
    """A snapshot of the calendar tables: the known years, the listed holidays (date → name) and the
    make-up working days (date → name)."""

    years: frozenset[int]
    holidays: dict[dt.date, str] = field(default_factory=dict)
    makeup_days: dict[dt.date, str] = field(default_factory=dict)
    stamp: Any = None

    # --- single days ---------------------------------------------------------------------------------

    def knows(self, year: int) -> bool:
        return year in self.years

    def known_range(self) -> tuple[int, int]:
        if not self.years:
            raise CalendarUnknown(
                _("No year of the holiday calendar is loaded: run canlian load-calendar."),
            )
        return min(self.years), max(self.years)

    def _unknown(self, day: dt.date, strict: bool) -> None:
        if strict:
            first, last = self.known_range()
            raise CalendarUnknown(
                _("The holiday calendar of %(year)s is not known yet (known: %(first)s–%(last)s).")
                % {"year": day.year, "first": first, "last": last}
            )
        if day.year not in _warned:
            _warned.add(day.year)
            logger.warning(
                "The working-day calendar has no year %s: counting Monday-Friday as working days; "
                "deadlines counted over it are provisional. Load the year (canlian import-calendar FILE).",
                day.year,
            )

    def is_working_day(self, day: dt.date, *, strict: bool = False) -> bool:
        """True on a working day (including a make-up Saturday or Sunday), False on weekends and holidays."""
        if day.year not in self.years:
            self._unknown(day, strict)
            return day.weekday() < 5
        if day in self.holidays:
            return False
        if day in self.makeup_days:
            return True
        return day.weekday() < 5

    def is_public_holiday(self, day: dt.date) -> bool:
        """A listed public holiday (not a plain weekend). False for a year that is not known."""
        return day in self.holidays

    def holiday_name(self, day: dt.date) -> str | None:
        """The name of the listed holiday on ``day`` (春节, 国庆节, … ; "" when none was given), or None
        when ``day`` is not a listed public holiday."""
        return self.holidays.get(day)

    def makeup_name(self, day: dt.date) -> str | None:
        """The holiday a make-up working day belongs to, or None when ``day`` is not one."""
        return self.makeup_days.get(day)

    # --- counting ------------------------------------------------------------------------------------

    def add_working_days(self, day: dt.date, n: int, *, strict: bool = False) -> dt.date:
        """The n-th working day after ``day`` (before it when ``n`` is negative; ``day`` when 0)."""
        return self.count(day, n, strict=strict)[0]

    def count(self, day: dt.date, n: int, *, strict: bool = False) -> tuple[dt.date, tuple[int, ...]]:
        """``add_working_days`` and the years it passed through that are not known (sorted)."""
        step = _ONE_DAY if n >= 0 else -_ONE_DAY
        remaining = abs(n)
        current = day
        missing: set[int] = set()
        while remaining:
            current += step
            if current.year not in self.years:
                missing.add(current.year)
            if self.is_working_day(current, strict=strict):
                remaining -= 1
        return current, tuple(sorted(missing))

    def working_days_between(self, a: dt.date, b: dt.date, *, strict: bool = False) -> int:
        """Working days after ``a`` up to and including ``b`` (negative when ``b`` is before ``a``)."""
        if b < a:
            return -self.working_days_between(b, a, strict=strict)
        count = 0
        current = a
        while current < b:
            current += _ONE_DAY
            if self.is_working_day(current, strict=strict):
                count += 1
        return count

    def public_holidays(self, start: dt.date, end: dt.date) -> dict[dt.date, str]:
        """The listed holidays from ``start`` to ``end`` (both included), with their names."""
        return {d: name for d, name in sorted(self.holidays.items()) if start <= d <= end}


# --- the process-wide snapshot -----------------------------------------------------------------------

_snapshot: Calendar | None = None


def _stamp() -> tuple[int, Any]:
    from canlian.core.calendar.models import CalendarYear

    row = CalendarYear.objects.aggregate(n=Count("year"), latest=Max("updated_at"))
    return row["n"], row["latest"]


def _load(stamp: Any) -> Calendar:
    from canlian.core.calendar.models import CalendarDay, CalendarYear

    years = frozenset(CalendarYear.objects.values_list("year", flat=True))
    holidays: dict[dt.date, str] = {}
    makeup: dict[dt.date, str] = {}
    for day, kind, name in CalendarDay.objects.values_list("date", "kind", "name"):
        (holidays if kind == DayKind.HOLIDAY else makeup)[day] = name
    return Calendar(years=years, holidays=holidays, makeup_days=makeup, stamp=stamp)


def calendar() -> Calendar:
    """The calendar as it is in the database now (one stamp query; a reload only after a change)."""
    global _snapshot
    stamp = _stamp()
    snapshot = _snapshot
    if snapshot is None or snapshot.stamp != stamp:
        snapshot = _load(stamp)
        _snapshot = snapshot
    return snapshot


def forget() -> None:
    """Drop the process's snapshot (the writers call it; the stamp would catch the change anyway)."""
    global _snapshot
    _snapshot = None


# --- the public functions (each reads one current snapshot) ------------------------------------------


def known_years() -> tuple[int, int]:
    """First and last year whose holiday arrangement the calendar holds (there may be gaps: use
    ``is_year_known``)."""
    return calendar().known_range()


def is_year_known(year: int) -> bool:
    return calendar().knows(year)


def is_working_day(day: dt.date, *, strict: bool = False) -> bool:
    """True on a working day (including a make-up Saturday or Sunday), False on weekends and holidays."""
    return calendar().is_working_day(day, strict=strict)


def is_public_holiday(day: dt.date) -> bool:
    """True on a listed public holiday (春节, 国庆节, … , whatever the weekday); False on a plain weekend,
    on a working day, and on any day of a year that is not known."""
    return calendar().is_public_holiday(day)


def holiday_name(day: dt.date) -> str | None:
    """The name of the public holiday on ``day``, or None when it is not a listed holiday."""
    return calendar().holiday_name(day)


def public_holidays(start: dt.date, end: dt.date) -> dict[dt.date, str]:
    """The listed public holidays from ``start`` to ``end`` (both included): date → name."""
    return calendar().public_holidays(start, end)


def add_working_days(day: dt.date, n: int, *, strict: bool = False) -> dt.date:
    """The n-th working day after ``day`` (before it when ``n`` is negative; ``day`` when 0)."""
    return calendar().add_working_days(day, n, strict=strict)


def next_working_day(day: dt.date, *, strict: bool = False) -> dt.date:
    return add_working_days(day, 1, strict=strict)


def working_days_between(a: dt.date, b: dt.date, *, strict: bool = False) -> int:
    """Working days after ``a`` up to and including ``b`` (negative when ``b`` is before ``a``)."""
    return calendar().working_days_between(a, b, strict=strict)


def missing_years(day: dt.date, n: int) -> tuple[int, ...]:
    """The years not known that counting ``n`` working days from ``day`` passes through: a deadline
    counted so is provisional (empty tuple: it is final)."""
    return calendar().count(day, n)[1]
