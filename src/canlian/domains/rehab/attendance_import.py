"""Attendance sheets an institution uploads (read with ``platform.tabular``: .xlsx, .xls, .csv).

Two layouts, recognised by the header:

* one row per child-day: 身份证号, 姓名 (optional, checked against the ID number), 日期;
* a month grid: 身份证号, 姓名, then columns 1 … 31, a mark (√, 1, 是, Y, X …) in a day's column for
  each day trained; the month is given with the upload (``month``) or in a 月份 column (YYYY-MM).

All or nothing: every bad row is reported with its row number and column (unknown child, no plan at
this institution, a date outside the plan, outside the enrollment's paid window or in the future, a
bad date, a public holiday without the upload's "holidays confirmed" option), and nothing is written.
When all rows are good the days are inserted set-based (``actions.attendance_insert``): days already
recorded are skipped, confirmed public holidays stored flagged.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_record
from canlian.domains.rehab.actions import (
    attendance_insert,
    attendance_validate,
    institution_for_attendance,
)
from canlian.domains.rehab.choices import AttendanceSource
from canlian.platform.errors import RowError, ValidationFailed
from canlian.platform.tabular import read_table

ID_COLUMNS = ("身份证号", "身份证号码", "公民身份号码", "id_number")
NAME_COLUMNS = ("姓名", "儿童姓名", "name")
DATE_COLUMNS = ("日期", "训练日期", "签到日期", "date")
MONTH_COLUMNS = ("月份", "month")
#: Cell texts that do *not* mark a day in a month grid (anything else non-empty does).
NOT_MARKED = {"", "0", "否", "无", "n", "no", "-", "—", "×"}

_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")


def _column(header: list[str], names: tuple[str, ...]) -> str | None:
    return next((n for n in names if n in header), None)


def parse_date(text: str) -> dt.date | None:
    text = (text or "").strip()
    if not text:
        return None
    text = text[:10] if re.match(r"^\d{4}-\d{2}-\d{2}[ T]", text) else text
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def parse_month(text: Any) -> dt.date | None:
    if isinstance(text, dt.date):
        return text.replace(day=1)
    m = re.match(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})", str(text or ""))
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), 1)
    except ValueError:
        return None


@transaction.atomic
def attendance_import(
    *,
    actor: Any,
    institution_id: Any,
    path: str | Path,
    name: str | None = None,
    month: Any = None,
    holidays_confirmed: bool = False,
) -> dict[str, Any]:
    """Import an attendance sheet for one institution. Returns {"rows": child-days read,
    "added": rows inserted, "skipped": days already recorded}. Raises ValidationFailed listing every
    bad row (nothing written). Days on public holidays need ``holidays_confirmed``."""
    institution = institution_for_attendance(actor, institution_id)
    table = read_table(path, name=name)
    id_col = _column(table.header, ID_COLUMNS)
    name_col = _column(table.header, NAME_COLUMNS)
    date_col = _column(table.header, DATE_COLUMNS)
    day_cols = [h for h in table.header if h.strip().isdigit() and 1 <= int(h) <= 31]
    if id_col is None or (date_col is None and not day_cols):
        raise ValidationFailed(
            _(
                "The file needs the columns 身份证号 and 日期 (one row per child and day), or 身份证号 and the days 1–31 of a month."
            ),
            code="bad_header",
        )
    errors: list[RowError] = []
    items: list[tuple[int | None, str, Any, dt.date]] = []
    names: dict[int | None, tuple[str, str]] = {}
    month_col = _column(table.header, MONTH_COLUMNS)
    default_month = parse_month(month) if month not in (None, "") else None
    if date_col is None and month_col is None and default_month is None:
        raise ValidationFailed(_("Give the month of the sheet (YYYY-MM)."), field="month", code="no_month")
    for row_no, data in table.dicts():
        raw_id = (data.get(id_col) or "").strip().upper()
        child_name = (data.get(name_col) or "").strip() if name_col else ""
        if (
            not raw_id
            and not child_name
            and not (data.get(date_col) if date_col else any(data.get(c) for c in day_cols))
        ):
            continue
        if not raw_id:
            errors.append(RowError(row_no, id_col, str(_("This field is required."))))
            continue
        if name_col and child_name:
            names[row_no] = (name_col, child_name)
        if date_col is not None:
            raw = data.get(date_col) or ""
            day = parse_date(raw)
            if day is None:
                errors.append(RowError(row_no, date_col, str(_("Enter a date as YYYY-MM-DD.")), raw))
                continue
            items.append((row_no, "id_number", raw_id, day))
            continue
        first = default_month
        if month_col is not None and (data.get(month_col) or "").strip():
            first = parse_month(data[month_col])
            if first is None:
                errors.append(
                    RowError(row_no, month_col, str(_("Enter a month as YYYY-MM.")), data[month_col])
                )
                continue
        if first is None:
            errors.append(RowError(row_no, month_col or "month", str(_("Give the month (YYYY-MM)."))))
            continue
        for col in day_cols:
            mark = (data.get(col) or "").strip()
            if mark.lower() in NOT_MARKED:
                continue
            try:
                day = first.replace(day=int(col))
            except ValueError:
                errors.append(
                    RowError(
                        row_no,
                        col,
                        str(_("%(month)s has no day %(day)s.") % {"month": f"{first:%Y-%m}", "day": col}),
                        mark,
                    )
                )
                continue
            items.append((row_no, "id_number", raw_id, day))
    pairs, more, unconfirmed = attendance_validate(
        institution,
        items,
        id_field=id_col,
        date_field=date_col or "日期",
        names=names,
        confirm_holiday=holidays_confirmed,
    )
    more += unconfirmed
    if date_col is None:
        # In a grid a bad day is named by its column, not by a 日期 column.
        more = [
            RowError(
                e.row,
                str(int(e.value[-2:])) if e.field == "日期" and e.value else e.field,
                e.message,
                e.value,
            )
            for e in more
        ]
    errors += more
    if errors:
        seen: set[tuple[Any, Any, str]] = set()
        unique = []
        for e in sorted(errors, key=lambda e: (e.row or 0, str(e.field))):
            key = (e.row, e.field, e.message)
            if key not in seen:
                seen.add(key)
                unique.append(e)
        raise ValidationFailed(errors=unique, field=unique[0].field)
    added = attendance_insert(
        actor=actor, institution=institution, pairs=pairs, source=AttendanceSource.UPLOAD
    )
    distinct = len(set(pairs))
    audit_record(
        actor=actor,
        event="rehab.attendance_imported",
        obj=institution,
        new={
            "file": name or Path(path).name,
            "rows": distinct,
            "added": added,
            "holidays_confirmed": holidays_confirmed,
        },
    )
    return {"rows": distinct, "added": added, "skipped": distinct - added}
