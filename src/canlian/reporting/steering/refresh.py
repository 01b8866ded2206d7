"""Keeping the indicator summaries current, set-based.

For one indicator and one month, the indicator's leaf queryset (grouped by region) becomes the CTE of
one ``INSERT … SELECT`` that writes the month's row for every region at every level above the leaf
rows (province, city, county, township, village, and "" for the national total) with a UNION ALL of
``substr(region, 1, n)`` groupings. No row passes through Python. A refresh of an indicator's year
deletes and rewrites its months in one transaction and records the "as of" time
(``IndicatorRefresh``) shown next to every figure.

Writes that change the facts behind indicators (a cycle approved, an import, a settlement batch, a
contact recorded) call ``platform.indicators.sources_changed(...)`` inside their transaction; the
listener registered here queues one ``indicators.refresh`` job for the indicators fed by those
sources, after commit (several calls in one transaction queue one job). The daily task refreshes
every indicator of the current year as a safety net.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from canlian.platform.indicators import Indicator, all_indicators, get_indicator, indicators_for_sources
from canlian.reporting.models import IndicatorRefresh, IndicatorValue

#: The code lengths of the region levels (province … village).
LEVEL_LENGTHS = (2, 4, 6, 9, 12)


@dataclass
class RefreshResult:
    indicators: int = 0
    months: int = 0
    rows: int = 0
    seconds: float = 0.0
    by_indicator: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "indicators": self.indicators,
            "months": self.months,
            "rows": self.rows,
            "seconds": round(self.seconds, 3),
        }


def months_to_refresh(
    indicator: Indicator, year: int, today: dt.date, from_month: int | None = None
) -> list[int]:
    """Every month of a past year; up to the current month of this year; none of a future year;
    only from ``from_month`` on when given (what a write changed). An indicator without history
    computes only the current month."""
    if year > today.year:
        return []
    if not indicator.history:
        return [today.month] if year == today.year else []
    last = 12 if year < today.year else today.month
    return list(range(max(1, from_month or 1), last + 1))


def _leaf_sql(leaf: QuerySet | tuple[str, tuple], *, with_month: bool = False) -> tuple[str, tuple]:
    """The leaf's SELECT with exactly the columns region[, month], numerator, denominator."""
    month = "month, " if with_month else ""
    if isinstance(leaf, tuple):  # raw SQL from the indicator: it names the columns itself
        sql, params = leaf
        return f"SELECT region, {month}numerator, denominator FROM ({sql}) leaf_q", tuple(params)
    queryset = leaf.order_by()
    names = set(queryset.query.values_select) | set(queryset.query.annotation_select)
    missing = {"region", "numerator", *(["month"] if with_month else [])} - names
    if missing:
        raise ValueError(f"an indicator leaf must give {sorted(missing)}")
    sql, params = queryset.query.sql_with_params()
    denominator = "denominator" if "denominator" in names else "CAST(NULL AS NUMERIC)"
    return f"SELECT region, {month}numerator, {denominator} AS denominator FROM ({sql}) leaf_q", tuple(params)


def _rollup_sql(leaf_sql: str, *, with_month: bool = False) -> str:
    """INSERT the leaf and its roll-up to every level; parameters after the leaf's: indicator,
    year, [month,] computed_at."""
    table = IndicatorValue._meta.db_table
    month = "month AS m, " if with_month else ""
    parts = [f"SELECT '' AS r, NULL AS p, {month}numerator AS n, denominator AS d FROM leaf"]
    previous = 0
    for length in LEVEL_LENGTHS:
        parent = "''" if previous == 0 else f"substr(region, 1, {previous})"
        parts.append(
            f"SELECT substr(region, 1, {length}) AS r, {parent} AS p, {month}numerator AS n, "
            f"denominator AS d FROM leaf WHERE length(region) >= {length}"
        )
        previous = length
    union = "\nUNION ALL\n".join(parts)
    month_value, group = ("m", "r, p, m") if with_month else ("%s", "r, p")
    return (
        f"WITH leaf AS ({leaf_sql})\n"
        f"INSERT INTO {table} (indicator, region_code, parent_code, year, month, numerator, denominator, "
        f"computed_at)\n"
        f"SELECT %s, r, p, %s, {month_value}, COALESCE(SUM(n), 0), SUM(d), %s FROM ({union}) rolled "
        f"GROUP BY {group}"
    )


def refresh_month(indicator: Indicator, year: int, month: int, *, today: dt.date, now: dt.datetime) -> int:
    """Rewrite one indicator's rows of one month (inside the caller's transaction)."""
    window = indicator.window(year, month, today)
    leaf_sql, leaf_params = _leaf_sql(indicator.leaf(window))
    IndicatorValue.objects.filter(indicator=indicator.code, year=year, month=month).delete()
    with connection.cursor() as cursor:
        cursor.execute(_rollup_sql(leaf_sql), (*leaf_params, indicator.code, year, month, now))
        return max(cursor.rowcount, 0)


def refresh_year(
    indicator: Indicator, year: int, months: list[int], *, today: dt.date, now: dt.datetime
) -> int:
    """Rewrite the given months of one indicator with its ``year_leaf``: one statement."""
    assert indicator.year_leaf is not None
    windows = [indicator.window(year, m, today) for m in months]
    leaf_sql, leaf_params = _leaf_sql(indicator.year_leaf(windows), with_month=True)
    IndicatorValue.objects.filter(indicator=indicator.code, year=year, month__in=months).delete()
    with connection.cursor() as cursor:
        cursor.execute(_rollup_sql(leaf_sql, with_month=True), (*leaf_params, indicator.code, year, now))
        return max(cursor.rowcount, 0)


def indicator_refresh(
    *,
    indicators: Iterable[Indicator | str] | None = None,
    year: int | None = None,
    today: dt.date | None = None,
    from_month: int | None = None,
) -> RefreshResult:
    """Recompute the summaries of ``indicators`` (all by default) for ``year`` (this year by
    default). Each indicator's year is one transaction: a reader sees the old months or the new."""
    today = today or timezone.localdate()
    year = year or today.year
    chosen = [get_indicator(i) if isinstance(i, str) else i for i in (indicators or all_indicators())]
    result = RefreshResult()
    started = time.perf_counter()
    for indicator in chosen:
        months = months_to_refresh(indicator, year, today, from_month)
        if not months:
            continue
        t0 = time.perf_counter()
        now = timezone.now()
        with transaction.atomic():
            if indicator.year_leaf is not None:
                rows = refresh_year(indicator, year, months, today=today, now=now)
            else:
                rows = sum(refresh_month(indicator, year, m, today=today, now=now) for m in months)
            seconds = time.perf_counter() - t0
            IndicatorRefresh.objects.update_or_create(
                indicator=indicator.code,
                year=year,
                defaults={"refreshed_at": now, "seconds": seconds, "months": ",".join(map(str, months))},
            )
        result.indicators += 1
        result.months += len(months)
        result.rows += rows
        result.by_indicator[indicator.code] = seconds
    result.seconds = time.perf_counter() - started
    return result


# --- after-commit refresh of what a write changed --------------------------------------------------

_PENDING_KEY = "canlian_indicator_sources"


def _queue_refresh(sources: frozenset[str], year: int | None, month: int | None = None) -> None:
    """The listener of ``sources_changed``: collect the sources of this transaction, queue one job
    after commit. Outside a transaction (a shell) nothing is queued: the daily task and the refresh
    button catch up."""
    if not connection.in_atomic_block:
        return
    pending: dict[int | None, tuple[set[str], list[int | None]]] | None = getattr(
        connection, _PENDING_KEY, None
    )
    # After a rollback Django drops the callbacks: a collection whose callback is gone is stale.
    if pending is None or not any(
        func is _submit_pending for _sids, func, _robust in connection.run_on_commit
    ):
        pending = {}
        setattr(connection, _PENDING_KEY, pending)
        transaction.on_commit(_submit_pending)
    found, months = pending.setdefault(year, (set(), []))
    found.update(sources)
    months.append(month)


def _submit_pending() -> None:
    pending: dict[int | None, tuple[set[str], list[int | None]]] = (
        getattr(connection, _PENDING_KEY, None) or {}
    )
    setattr(connection, _PENDING_KEY, None)
    from canlian.core.jobs.actions import job_submit

    for year, (sources, months) in pending.items():
        # the earliest month any of the writes changed (None: one of them changed the whole year)
        since = None if None in months else min(m for m in months if m is not None)
        codes = [i.code for i in indicators_for_sources(sources)]
        if codes:
            with transaction.atomic():
                job_submit(
                    actor=None,
                    kind="indicators.refresh",
                    params={"indicators": codes, "year": year, "month": since, "sources": sorted(sources)},
                )
