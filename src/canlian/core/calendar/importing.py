"""Reading a year's holiday schedule from a file (.xlsx/.xls/.csv): the columns date, kind and name.

Every row is checked before anything is written; ``parse_schedule`` raises ``ValidationFailed`` naming
each bad row (spreadsheet row number and column) or returns the days by year.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from django.utils.translation import gettext as _

from canlian.core.calendar.choices import DayKind
from canlian.platform.errors import RowError, ValidationFailed
from canlian.platform.tabular import Table, read_table

#: Accepted headers of each column (compared case-insensitively, spaces ignored).
COLUMNS: dict[str, tuple[str, ...]] = {
    "date": ("date", "日期"),
    "kind": ("kind", "类型", "安排", "休/班"),
    "name": ("name", "名称", "节日", "节假日", "假日"),
}
REQUIRED = ("date", "kind")

#: The words accepted for each kind.
KIND_WORDS: dict[str, str] = {
    "休": DayKind.HOLIDAY,
    "假": DayKind.HOLIDAY,
    "休息": DayKind.HOLIDAY,
    "放假": DayKind.HOLIDAY,
    "holiday": DayKind.HOLIDAY,
    "off": DayKind.HOLIDAY,
    "班": DayKind.WORKDAY,
    "上班": DayKind.WORKDAY,
    "补班": DayKind.WORKDAY,
    "调休上班": DayKind.WORKDAY,
    "workday": DayKind.WORKDAY,
    "makeup": DayKind.WORKDAY,
    "make-up": DayKind.WORKDAY,
    "on": DayKind.WORKDAY,
}

NAME_MAX = 30
#: The years the calendar may hold (the table's check constraint).
YEARS = (1990, 2100)

_DATE_RE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")
_COMPACT_RE = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})\s*$")

ScheduleRows = dict[int, list[tuple[dt.date, str, str]]]


def parse_date(value: object) -> dt.date:
    """2027-01-01, 2027/1/1, 2027.1.1, 2027年1月1日 or 20270101 (ValueError otherwise)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    if " " in text and re.match(r"^\d{4}-\d{2}-\d{2} ", text):
        text = text.split(" ", 1)[0]  # a spreadsheet datetime at midnight
    match = _DATE_RE.match(text) or _COMPACT_RE.match(text)
    if not match:
        raise ValueError(text)
    year, month, day = (int(g) for g in match.groups())
    return dt.date(year, month, day)


def parse_kind(value: object) -> str:
    """A DayKind from 休/班, holiday/workday (or the stored values); ValueError otherwise."""
    text = re.sub(r"\s+", "", str(value or "")).lower()
    if text in DayKind.values:
        return text
    kind = KIND_WORDS.get(text)
    if kind is None:
        raise ValueError(text)
    return str(kind)


def check_day(day: dt.date, kind: str) -> str | None:
    """Why ``kind`` cannot be on ``day`` (a translated message), or None when it can. A holiday may fall
    on any day; a make-up working day is a Saturday or Sunday worked."""
    if kind == DayKind.WORKDAY and day.weekday() < 5:
        return _("A make-up working day must be a Saturday or Sunday; %(date)s is a weekday.") % {
            "date": day.isoformat()
        }
    return None


def _columns(table: Table) -> dict[str, str | None]:
    def norm(text: str) -> str:
        return re.sub(r"\s+", "", text or "").lower()

    found: dict[str, str | None] = {}
    for key, names in COLUMNS.items():
        wanted = {norm(n) for n in names}
        found[key] = next((h for h in table.header if norm(h) in wanted), None)
    return found


def parse_schedule(path: str | Path, *, name: str | None = None, year: int | None = None) -> ScheduleRows:
    """The listed days of the file by year: {year: [(date, kind, name), …]} (sorted). With ``year``,
    every date must fall in that year. Raises ValidationFailed with every bad row."""
    table = read_table(path, name=name)
    columns = _columns(table)
    missing = [COLUMNS[k][0] for k in REQUIRED if columns[k] is None]
    if missing:
        raise ValidationFailed(
            _("Missing columns: %(columns)s") % {"columns": ", ".join(missing)},
            code="missing_columns",
            errors=[RowError(1, m, _("Missing column.")) for m in missing],
        )
    errors: list[RowError] = []
    seen: dict[dt.date, int] = {}
    days: ScheduleRows = {}
    date_col, kind_col, name_col = columns["date"], columns["kind"], columns["name"]
    assert date_col is not None and kind_col is not None
    for row_no, row in table.dicts():
        if not any((v or "").strip() for v in row.values()):
            continue
        raw_date, raw_kind = row.get(date_col, ""), row.get(kind_col, "")
        raw_name = (row.get(name_col, "") if name_col else "").strip()
        day: dt.date | None
        try:
            day = parse_date(raw_date)
        except ValueError:
            errors.append(RowError(row_no, date_col, _("Not a date (use YYYY-MM-DD)."), raw_date))
            day = None
        try:
            kind: str | None = parse_kind(raw_kind)
        except ValueError:
            errors.append(
                RowError(row_no, kind_col, _("Unknown kind: use 休 or 班 (holiday or workday)."), raw_kind)
            )
            kind = None
        if len(raw_name) > NAME_MAX:
            errors.append(
                RowError(
                    row_no,
                    name_col,
                    _("The name is longer than %(max)s characters.") % {"max": NAME_MAX},
                    raw_name,
                )
            )
        if day is None or kind is None:
            continue
        if not YEARS[0] <= day.year <= YEARS[1]:
            errors.append(
                RowError(
                    row_no,
                    date_col,
                    _("The year must be from %(first)s to %(last)s.") % {"first": YEARS[0], "last": YEARS[1]},
                    day.isoformat(),
                )
            )
            continue
        if year is not None and day.year != year:
            errors.append(
                RowError(
                    row_no,
                    date_col,
                    _("The date is not in %(year)s.") % {"year": year},
                    day.isoformat(),
                )
            )
            continue
        problem = check_day(day, kind)
        if problem:
            errors.append(RowError(row_no, kind_col, problem, raw_kind))
            continue
        if day in seen:
            errors.append(
                RowError(
                    row_no,
                    date_col,
                    _("The date is listed twice (first in row %(row)s).") % {"row": seen[day]},
                    day.isoformat(),
                )
            )
            continue
        seen[day] = row_no
        days.setdefault(day.year, []).append((day, kind, raw_name[:NAME_MAX]))
    if errors:
        raise ValidationFailed(errors=errors)
    if not days:
        raise ValidationFailed(_("The file lists no days."), code="empty_file")
    return {y: sorted(rows) for y, rows in sorted(days.items())}
