"""Spreadsheets the system writes (exports, bank files, rejected-row workbooks): one writer.

Every text cell goes through ``safe_cell``: a value beginning with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return would be a live formula in Excel/WPS (``=HYPERLINK(…)``, DDE payloads), so it
is written with a leading apostrophe, which spreadsheet programs show as text. Numbers and dates stay
typed. Auditing the export is the calling action's job (it knows the event and the rows).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Digit strings Excel would turn into a number and lose (3.70502E+17, a dropped leading zero): ID
#: numbers (…X too), bank accounts, certificate numbers, phone numbers with a leading 0.
_LONG_DIGITS = re.compile(r"^(?:\d{12,}[\dXx]?|0\d+)$")


def safe_cell(value: Any) -> Any:
    """The value as a spreadsheet may hold it without running it."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


@dataclass
class Sheet:
    title: str
    header: Sequence[Any]
    rows: Iterable[Sequence[Any]]


def xlsx_bytes(sheets: Sequence[Sheet]) -> tuple[bytes, int]:
    """A write-only workbook of ``sheets``; returns (bytes, data rows written)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    count = 0
    for sheet in sheets:
        # Strings are written as text cells (never numbers), so an ID or account keeps every digit.
        ws = book.create_sheet(title=str(sheet.title)[:31])
        ws.append([safe_cell(str(h)) for h in sheet.header])
        for row in sheet.rows:
            ws.append([safe_cell(v) for v in row])
            count += 1
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), count


def csv_text_cell(value: Any) -> Any:
    """A CSV cell: ``safe_cell``, and a long digit string (ID, account, phone with a leading zero)
    led by a tab, which Excel and WPS take as text instead of a number in scientific notation; a
    program reading the file strips it like any surrounding whitespace."""
    value = safe_cell(value)
    if isinstance(value, str) and _LONG_DIGITS.match(value):
        return "\t" + value
    return value


def csv_bytes(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> tuple[bytes, int]:
    """UTF-8 CSV with a byte-order mark (so Excel on Chinese Windows reads it); (bytes, rows).
    Long digit strings stay text (``csv_text_cell``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(str(h)) for h in header])
    count = 0
    for row in rows:
        writer.writerow([csv_text_cell(v) for v in row])
        count += 1
    return ("\ufeff" + buffer.getvalue()).encode("utf-8"), count


class SafeSheet:
    """A worksheet whose ``append`` neutralises every cell (``safe_cell``): for writers that build
    their sheet row by row (sections, titles) rather than through ``xlsx_bytes``."""

    def __init__(self, sheet: Any) -> None:
        object.__setattr__(self, "_sheet", sheet)

    def append(self, row: Iterable[Any]) -> None:
        self._sheet.append([safe_cell(v) for v in row])

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sheet, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._sheet, name, value)

    def __getitem__(self, key: Any) -> Any:
        return self._sheet[key]
