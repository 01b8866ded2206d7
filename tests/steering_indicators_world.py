"""Helpers of the indicator tests (tests/test_steering_indicators_*.py): refresh some indicators for
2026 and read one summary row back as (numerator, denominator)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from canlian.platform.indicators import get_indicator
from canlian.reporting.models import IndicatorValue
from canlian.reporting.steering.refresh import indicator_refresh

YEAR = 2026


def refresh(*codes: str, today: dt.date, year: int = YEAR) -> None:
    indicator_refresh(indicators=list(codes), year=year, today=today)


def value(code: str, region: str, month: int, year: int = YEAR) -> tuple[Decimal, Decimal | None] | None:
    """(numerator, denominator) of a summary row; None when there is no row (nothing counted)."""
    row = IndicatorValue.objects.filter(indicator=code, region_code=region, year=year, month=month).first()
    return None if row is None else (row.numerator, row.denominator)


def number(code: str, region: str, month: int, year: int = YEAR) -> Decimal:
    """The numerator (0 when no row)."""
    found = value(code, region, month, year)
    return Decimal(0) if found is None else found[0]


def records(code: str, user: Any, month: int, region: str, *, today: dt.date, year: int = YEAR) -> list[Any]:
    indicator = get_indicator(code)
    return list(indicator.records(user, indicator.window(year, month, today), region))


def columns_resolve(code: str, rows: list[Any]) -> list[list[Any]]:
    """Every record column of ``code`` read on ``rows`` (dotted attributes, callables called), so a
    test proves the declared paths exist."""
    out = []
    for row in rows:
        cells = []
        for _label, path in get_indicator(code).record_columns:
            obj = row
            for part in path.split("."):
                obj = getattr(obj, part)
                if callable(obj):
                    obj = obj()
            cells.append(obj)
        out.append(cells)
    return out
