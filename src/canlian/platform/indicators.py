"""Indicators as a registry: each app declares what it counts; reporting keeps the figures current.

An indicator (DHIS2's numerator ÷ denominator over regions and periods) is declared by the app that
owns its tables, from ``AppConfig.ready()``::

    register(Indicator(
        code="subsidies.nursing.people", name=_("People paid the nursing subsidy"), area=_("Benefits"),
        unit=Unit.PEOPLE, period=Period.CUMULATIVE, permission=Perm.PAYMENTS_VIEW,
        sources=("payments",), leaf=paid_people, records=paid_people_records,
    ))

``leaf(window)`` returns a values-queryset grouped by region with the keys ``region`` (a region code
of any length: village, township, county…), ``numerator`` and, for a rate, ``denominator`` (or raw
SQL and its parameters giving those columns). An indicator over a large table may also give
``year_leaf(windows)``, the same with a ``month`` column for all the months at once. It is
never evaluated row by row: reporting wraps its SQL in one ``INSERT … SELECT`` that also rolls it up
to every level above (``reporting/steering/refresh.py``). ``records(user, window, region_code)``
returns the scoped queryset of what the figure counts, for the drill-down list (it must start from
the model's ``for_user``).

Period semantics, for the month ``window`` describes:

- ``IN_PERIOD``: what happened in the month (payments, contacts); the year's figure is the sum of
  its months. ``window.start`` is the first of the month.
- ``CUMULATIVE``: distinct people or things from 1 January to the month's end (children served this
  year); ``window.start`` is 1 January. The year's figure is that of its last month.
- ``SNAPSHOT``: the state at ``window.end`` (certificates in force, pairings active). When the
  indicator cannot look back (``history=False``), only the current month is computed and the
  earlier months keep what was recorded then.

This module has no tables and imports no canlian app (the platform contract).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.db.models import QuerySet
from django.utils.functional import Promise


class Unit(StrEnum):
    COUNT = "count"  # things (institutions, notices, homes)
    PEOPLE = "people"  # distinct people
    TIMES = "times"  # person-times (人次), visits, contacts
    AMOUNT = "amount"  # yuan
    RATE = "rate"  # numerator ÷ denominator


class Period(StrEnum):
    IN_PERIOD = "in_period"
    CUMULATIVE = "cumulative"
    SNAPSHOT = "snapshot"


@dataclass(frozen=True)
class Window:
    """The month an indicator is computed for: ``start``..``end`` inclusive (see the period rules)."""

    year: int
    month: int
    start: dt.date
    end: dt.date

    @property
    def month_start(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def year_start(self) -> dt.date:
        return dt.date(self.year, 1, 1)


def window_for(period: Period, year: int, month: int, today: dt.date | None = None) -> Window:
    """The window of ``period`` for a month; the current month ends today (a snapshot is of now)."""
    last = dt.date(year, month, calendar.monthrange(year, month)[1])
    if today is not None and (year, month) == (today.year, today.month):
        last = min(last, today)
    start = dt.date(year, 1, 1) if period == Period.CUMULATIVE else dt.date(year, month, 1)
    return Window(year=year, month=month, start=start, end=last)


#: A leaf is a values-queryset, or raw SQL with its parameters, giving region, numerator[, denominator].
Leaf = Callable[[Window], "QuerySet | tuple[str, tuple[Any, ...]]"]
#: A whole year's leaf in one statement: the same columns plus ``month`` (1–12), for the windows
#: given (one scan of the base table instead of one per month).
YearLeaf = Callable[[list[Window]], "QuerySet | tuple[str, tuple[Any, ...]]"]
Records = Callable[[Any, Window, str], QuerySet]


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str | Promise
    #: The work area it belongs to (the dashboard groups cards by it), e.g. _("Benefits").
    area: str | Promise
    unit: Unit
    period: Period
    #: The permission whose holders may see it (its values, and its records through the owning
    #: model's ``for_user``).
    permission: str
    leaf: Leaf
    records: Records | None = None
    #: Optional: all months of a year in one statement (see ``YearLeaf``); used instead of ``leaf``
    #: by the refresh when present (``leaf`` still describes one month).
    year_leaf: YearLeaf | None = None
    #: What changes it ("payments", "registry", "care", …): a write to one of these marks it stale.
    sources: tuple[str, ...] = ()
    description: str | Promise = ""
    #: A lower figure is better (overdue petitions, expired certificates): ranks ascending.
    lower_is_better: bool = False
    #: False when the leaf can only describe today (the earlier months keep their recorded rows).
    history: bool = True
    #: Short label of the denominator for a rate ("eligible people"), shown under the figure.
    denominator_label: str | Promise = ""
    #: The columns of the drill-down list: (label, attribute path or callable), for ``records``.
    record_columns: tuple[tuple[str | Promise, Any], ...] = field(default=())
    #: Sort key of the card within its area (smaller first).
    order: int = 100

    @property
    def is_rate(self) -> bool:
        return self.unit == Unit.RATE

    def window(self, year: int, month: int, today: dt.date | None = None) -> Window:
        return window_for(self.period, year, month, today)


_REGISTRY: dict[str, Indicator] = {}


def register(indicator: Indicator) -> Indicator:
    """Declare an indicator (from ``AppConfig.ready()``). Registering the same code twice with a
    different definition is a programming error."""
    known = _REGISTRY.get(indicator.code)
    if known is not None and known is not indicator and known.leaf is not indicator.leaf:
        raise ValueError(f"indicator {indicator.code!r} is already registered")
    _REGISTRY[indicator.code] = indicator
    return indicator


def register_all(indicators: Iterable[Indicator]) -> None:
    for indicator in indicators:
        register(indicator)


def get_indicator(code: str) -> Indicator:
    try:
        return _REGISTRY[code]
    except KeyError:
        raise LookupError(f"unknown indicator {code!r}") from None


def all_indicators() -> list[Indicator]:
    return sorted(_REGISTRY.values(), key=lambda i: (str(i.area), i.order, i.code))


def indicators_for_sources(sources: Iterable[str]) -> list[Indicator]:
    wanted = set(sources)
    return [i for i in all_indicators() if wanted & set(i.sources)]


# --- the reader of a national leaf ---------------------------------------------------------------


class NationalReader:
    """Who reads a leaf: every region, no institution; read-only, never an actor (it writes nothing
    and is no user). A leaf that reuses a domain selector taking a ``user`` passes ``NATIONAL``; the
    figures are scoped when the summary rows are read (``for_user`` on ``IndicatorValue``)."""

    is_authenticated = True
    is_active = True
    is_superuser = False

    def scope_for(self, permission: str) -> Any:
        from canlian.platform.scoping import Scope

        return Scope.all()

    def institutions_for(self, permission: str) -> frozenset[int]:
        return frozenset()

    def has_canlian_perm(self, permission: str) -> bool:
        return True


NATIONAL = NationalReader()


# --- staleness: a lower layer says "these facts changed"; reporting listens ----------------------

_LISTENERS: list[Callable[[frozenset[str], int | None, int | None], None]] = []


def on_sources_changed(listener: Callable[[frozenset[str], int | None, int | None], None]) -> None:
    """Reporting registers the listener that refreshes the summaries (after commit)."""
    if listener not in _LISTENERS:
        _LISTENERS.append(listener)


def sources_changed(*sources: str, year: int | None = None, month: int | None = None) -> None:
    """Called by a batch write (a cycle approved, an import, a settlement) inside its transaction:
    the indicators fed by ``sources`` are refreshed once it commits (``year`` None = current year),
    from ``month`` on (the first month the write changed; None = the whole year): an import of today
    rewrites this month only, a cycle of September September to now."""
    for listener in list(_LISTENERS):
        listener(frozenset(sources), year, month)


# --- targets: reporting keeps them; a domain's own report reads them through this ---------------

#: ``reader(indicator_code, year, region_codes) -> {region_code: target value}``.
TargetReader = Callable[[str, int, list[str]], dict[str, Decimal]]
_TARGET_READERS: list[TargetReader] = []


def register_target_reader(reader: TargetReader) -> None:
    """Reporting registers the reader of its target table (a domain never imports reporting)."""
    _TARGET_READERS[:] = [reader]


def targets_of(indicator_code: str, year: int, region_codes: Iterable[str]) -> dict[str, Decimal]:
    """The yearly targets of one indicator for these regions (those that have one); empty without
    reporting. For a domain's own report (a quarterly report's "planned" column)."""
    if not _TARGET_READERS:
        return {}
    return _TARGET_READERS[0](indicator_code, year, list(region_codes))
