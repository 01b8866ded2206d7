"""Working days on China's calendar: weekends, public holidays and the make-up working days (调休).

The calendar comes from the maintained ``chinese-calendar`` library, which carries the State
Council's published arrangement for each year it knows (it is updated every December when the next
year's arrangement is announced). For a date in a year the library does not know yet:

* ``strict=True`` raises ``CalendarUnknown`` (stable code ``calendar_unknown``);
* the default falls back to Monday–Friday and logs a warning naming the year, so a review chain
  never stops because the package was not upgraded in time. Upgrade ``chinese-calendar`` when the
  warning appears; dates computed under the fallback are not recomputed.

Conventions: ``add_working_days(day, n)`` is the n-th working day after ``day`` (``n = 0`` returns
``day`` itself, negative ``n`` counts backwards); ``working_days_between(a, b)`` counts the working
days in ``(a, b]``, so ``working_days_between(a, add_working_days(a, n)) == n``.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import lru_cache

import chinese_calendar
from django.utils.translation import gettext_lazy as _

from canlian.platform.errors import DomainError

logger = logging.getLogger(__name__)

_ONE_DAY = dt.timedelta(days=1)


class CalendarUnknown(DomainError):
    code = "calendar_unknown"
    http_status = 400
    default_message = _("The holiday calendar of this year is not known yet.")


@lru_cache(maxsize=1)
def known_years() -> tuple[int, int]:
    """First and last year whose holiday arrangement the installed library carries."""
    years = {d.year for d in chinese_calendar.holidays} | {d.year for d in chinese_calendar.workdays}
    return min(years), max(years)


_warned: set[int] = set()


def is_working_day(day: dt.date, *, strict: bool = False) -> bool:
    """True on a working day (including a make-up Saturday or Sunday), False on weekends and holidays."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError as exc:
        first, last = known_years()
        if strict:
            raise CalendarUnknown(
                _("The holiday calendar of %(year)s is not known yet (known: %(first)s–%(last)s).")
                % {"year": day.year, "first": first, "last": last}
            ) from exc
        if day.year not in _warned:
            _warned.add(day.year)
            logger.warning(
                "chinese-calendar knows %s-%s, not %s: counting Monday-Friday as working days. "
                "Upgrade the chinese-calendar package.",
                first,
                last,
                day.year,
            )
        return day.weekday() < 5


def add_working_days(day: dt.date, n: int, *, strict: bool = False) -> dt.date:
    """The n-th working day after ``day`` (before it when ``n`` is negative; ``day`` when 0)."""
    step = _ONE_DAY if n >= 0 else -_ONE_DAY
    remaining = abs(n)
    current = day
    while remaining:
        current += step
        if is_working_day(current, strict=strict):
            remaining -= 1
    return current


def next_working_day(day: dt.date, *, strict: bool = False) -> dt.date:
    return add_working_days(day, 1, strict=strict)


def working_days_between(a: dt.date, b: dt.date, *, strict: bool = False) -> int:
    """Working days after ``a`` up to and including ``b`` (negative when ``b`` is before ``a``)."""
    if b < a:
        return -working_days_between(b, a, strict=strict)
    count = 0
    current = a
    while current < b:
        current += _ONE_DAY
        if is_working_day(current, strict=strict):
            count += 1
    return count
