"""Taking in a department's list: the file is streamed (.xlsx/.xls/.csv in UTF-8/GBK/GB18030), each
row checked in Python once (ID number normalised and checked, dates parsed), the valid ones copied
into a temporary staging table (COPY on PostgreSQL), and one INSERT … SELECT keeps the first row of
each ID number as the snapshot. Bad rows come back with their row number, field and reason; a repeated
ID number is found in SQL. No model instance is built per row and nothing of the file is held in
memory but the first rejected rows."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice
from typing import Any

from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from canlian.core.registry.identity import IdError, normalize_name, parse_resident_id
from canlian.core.registry.importing import parse_ledger_date
from canlian.platform.bulk import append_rows, create_temp_table, is_postgres
from canlian.platform.dates import add_months
from canlian.platform.errors import RowError, ValidationFailed
from canlian.platform.progress import NullProgress, Progress
from canlian.platform.tabular import TableStream

STAGE = "matching_stage"
#: Rejected rows kept with their reasons (the count is always exact).
MAX_ERRORS_KEPT = 1000
#: Rows checked and copied per round (one COPY each); a small file goes in about 40 rounds so
#: that its progress moves.
ROUND_ROWS = 100_000
ROUND_MIN_ROWS = 1_000

#: The fields a list may give; the ID number is required.
FIELDS: dict[str, Any] = {
    "id_number": gettext_lazy("ID number"),
    "name": gettext_lazy("Name"),
    "birth_date": gettext_lazy("Birth date"),
    "event_date": gettext_lazy("Date (death, move, start)"),
    "status": gettext_lazy("Status or type"),
}

_SYNONYMS: dict[str, tuple[str, ...]] = {
    "id_number": ("身份证号", "身份证号码", "公民身份号码", "证件号码", "身份证", "idnumber", "id", "idno"),
    "name": ("姓名", "名字", "户主姓名", "name"),
    "birth_date": ("出生日期", "出生年月", "birthdate", "birth"),
    "event_date": (
        "死亡日期",
        "火化日期",
        "注销日期",
        "迁出日期",
        "认定日期",
        "纳入日期",
        "识别日期",
        "日期",
        "date",
        "eventdate",
    ),
    "status": ("状态", "类别", "类型", "户类型", "监测类型", "监测对象类型", "status"),
}


def _norm(header: str) -> str:
    text = unicodedata.normalize("NFKC", header or "").strip().lower()
    return "".join(ch for ch in text if ch not in " _-()（）:：")


def auto_mapping(header: list[str]) -> dict[str, str]:
    """Field → header for the columns recognised by their usual names."""
    out: dict[str, str] = {}
    normalised = [_norm(h) for h in header]
    for key, names in _SYNONYMS.items():
        for name in names:
            if name in normalised:
                out[key] = header[normalised.index(name)]
                break
    return out


def resolve_mapping(
    header: list[str], mapping: dict[str, str] | None, remembered: dict[str, str]
) -> dict[str, int]:
    """Field → column index: the mapping given, else the source's remembered one where its headers are
    present, else the usual names. The ID number column is required."""
    chosen = dict(auto_mapping(header))
    chosen.update({k: v for k, v in (remembered or {}).items() if k in FIELDS and v in header})
    if mapping:
        for key, column in mapping.items():
            if key not in FIELDS:
                raise ValidationFailed(
                    errors=[
                        RowError(None, "mapping", str(_("Unknown field %(field)s.") % {"field": key}), key)
                    ],
                    field="mapping",
                )
            if column in ("", None):
                chosen.pop(key, None)
                continue
            if column not in header:
                raise ValidationFailed(
                    errors=[
                        RowError(
                            None,
                            key,
                            str(_("The file has no column %(column)s.") % {"column": column}),
                            column,
                        )
                    ],
                    field=key,
                )
            chosen[key] = column
    if "id_number" not in chosen:
        raise ValidationFailed(
            errors=[RowError(None, "id_number", str(_("Choose the column holding the ID number.")))],
            field="id_number",
        )
    return {key: header.index(column) for key, column in chosen.items()}


@dataclass
class LoadResult:
    staged: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)

    def reject(self, error: RowError) -> None:
        self.rejected += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(error)


@lru_cache(maxsize=65536)
def _name(raw: str) -> str:
    """The registry's spelling of a name where it is one (full-width spaces, ·), else the list's own
    text: a department's odd spelling is evidence to compare, not a reason to drop the row."""
    try:
        return normalize_name(raw)[:50]
    except ValueError:
        return unicodedata.normalize("NFC", raw).strip()[:50]


def _month_after(day: dt.date) -> dt.date:
    return add_months(day.replace(day=1), 1)


def _rows(
    rows: Iterator[tuple[int, list[str]]], index: dict[str, int], result: LoadResult, today: dt.date
) -> Iterator[tuple[Any, ...]]:
    """The staged tuples of the valid rows; each bad row is recorded once (its first bad field)."""
    i_id = index["id_number"]
    i_name, i_birth = index.get("name"), index.get("birth_date")
    i_event, i_status = index.get("event_date"), index.get("status")
    for number, row in rows:
        width = len(row)
        raw = row[i_id] if i_id < width else ""
        try:
            number_18 = parse_resident_id(raw, today=today).number
        except IdError as exc:
            result.reject(RowError(number, "id_number", str(exc), raw))
            continue
        name = ""
        if i_name is not None and i_name < width and row[i_name]:
            name = _name(row[i_name])
        birth = event = stop = None
        bad = False
        for key, position in (("birth_date", i_birth), ("event_date", i_event)):
            if position is None or position >= width or not row[position]:
                continue
            try:
                day = parse_ledger_date(row[position])
            except ValueError as exc:
                result.reject(RowError(number, key, str(exc), row[position]))
                bad = True
                break
            if day > today:
                result.reject(RowError(number, key, str(_("The date is in the future.")), row[position]))
                bad = True
                break
            if key == "birth_date":
                birth = day.isoformat()
            else:
                event, stop = day.isoformat(), _month_after(day).isoformat()
        if bad:
            continue
        status = row[i_status][:60] if i_status is not None and i_status < width else ""
        result.staged += 1
        yield (number, number_18, name, birth, event, stop, status)


def stage(
    stream: TableStream, index: dict[str, int], today: dt.date, progress: Progress | None = None
) -> LoadResult:
    """Check and copy the file's rows into the staging table ``STAGE`` (recreated), in rounds of at
    most ``ROUND_ROWS`` rows (one COPY each), the progress moving once per round: outside a write
    transaction (a job's), the job's page sees it move; memory holds one round."""
    progress = progress or NullProgress()
    result = LoadResult()
    create_temp_table(
        STAGE,
        [
            ("row_no", "integer"),
            ("id_number", "varchar(18)"),
            ("name", "varchar(50)"),
            ("birth_date", "date"),
            ("event_date", "date"),
            ("stop_from", "date"),
            ("status", "varchar(60)"),
        ],
    )
    columns = ["row_no", "id_number", "name", "birth_date", "event_date", "stop_from", "status"]
    estimated = stream.estimated_rows()
    size = ROUND_ROWS if not estimated else max(ROUND_MIN_ROWS, min(ROUND_ROWS, estimated // 40))
    progress.start(estimated, str(_("Checking rows")))
    rows = stream.rows()
    while True:
        chunk = list(islice(rows, size))
        if not chunk:
            break
        append_rows(STAGE, columns, _rows(iter(chunk), index, result, today))
        progress.advance(len(chunk))
    return result


def keep_snapshot(*, upload_id: int, region_code: str, result: LoadResult, row_table: str) -> int:
    """Insert the first row of each ID number into the snapshot table; later repeats are rejected
    (found in SQL). Returns the rows kept."""
    with connection.cursor() as cursor:
        if is_postgres():
            cursor.execute(f"ANALYZE {STAGE}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {STAGE}_first AS SELECT id_number, MIN(row_no) AS row_no FROM {STAGE} GROUP BY id_number"
        )
        try:
            cursor.execute(
                f"""SELECT s.row_no, s.id_number, f.row_no FROM {STAGE} s JOIN {STAGE}_first f ON f.id_number = s.id_number
                WHERE s.row_no > f.row_no ORDER BY s.row_no"""
            )
            for row_no, id_number, first in cursor.fetchall():
                result.reject(
                    RowError(
                        row_no,
                        "id_number",
                        str(
                            _("The ID number is repeated; the first row (%(row)s) is kept.") % {"row": first}
                        ),
                        id_number,
                    )
                )
            cursor.execute(
                f"""INSERT INTO {row_table}
                    (upload_id, region_code, row_no, id_number, name, birth_date, event_date, stop_from, status)
                SELECT %s, %s, s.row_no, s.id_number, COALESCE(s.name, ''), s.birth_date, s.event_date, s.stop_from,
                       COALESCE(s.status, '')
                FROM {STAGE} s JOIN {STAGE}_first f ON f.id_number = s.id_number AND f.row_no = s.row_no""",
                [upload_id, region_code],
            )
            kept = cursor.rowcount
        finally:
            cursor.execute(f"DROP TABLE IF EXISTS {STAGE}_first")
    result.errors.sort(key=lambda e: e.row or 0)
    return kept
