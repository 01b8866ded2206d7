"""Writes to the region tree. Both paths are set-based: rows go into a temp table (COPY on
PostgreSQL), changed rows are updated by one join and new rows inserted level by level with their
parents resolved in the same statement, so a province's villages load in seconds; renamed regions
keep their earlier names."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_record
from canlian.core.audit.events import EventType
from canlian.core.regions.choices import RegionSource
from canlian.core.regions.loaders import RegionRecord, parse_stdnum_locations
from canlian.core.regions.models import Region
from canlian.platform.access import is_system, region_checker
from canlian.platform.bulk import (
    count_up_to,
    drop_secondary_keys,
    drop_temp_table,
    is_postgres,
    load_temp_table,
    restore_keys,
)
from canlian.platform.errors import PermissionDenied, RowError, ValidationFailed
from canlian.platform.inputs import as_date
from canlian.platform.progress import NullProgress, Progress
from canlian.platform.tabular import Table

CODE_HEADERS = {"code", "代码", "区划代码", "统计用区划代码", "行政区划代码", "编码"}
NAME_HEADERS = {"name", "名称", "区划名称", "单位名称", "行政区划名称"}
VALID_TO_HEADERS = {"valid_to", "abolished", "撤销日期", "废止日期"}
_DIGITS = re.compile(r"^\d+$")
_TMP = "tmp_region_load"
#: From this many new rows (and at least the rows already there) a load rebuilds the keys once.
BULK_ROWS = 10_000


@dataclass
class RegionLoadResult:
    created: int
    updated: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def as_counts(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


def normalize_code(raw: str) -> str:
    """Accept 6-, 9- or 12-digit codes; 12-digit statistical codes lose the zeros of missing levels."""
    code = re.sub(r"\s+", "", raw or "")
    if len(code) == 12 and code.endswith("000000"):
        return code[:6]
    if len(code) == 12 and code.endswith("000"):
        return code[:9]
    return code


def expected_parent(code: str) -> str:
    """The parent's tree code. Townships of a prefecture without counties (东莞 4419, 中山 4420,
    嘉峪关 6202) carry county digits 00 and hang under the prefecture."""
    if len(code) == 12:
        return code[:9]
    if len(code) == 9:
        return code[:4] if code[4:6] == "00" else code[:6]
    if len(code) == 6:
        return code[:4]
    return code[:2]


#: Code lengths of the tree's levels, top down: a row's parent is its longest existing proper prefix.
_LENGTHS = (2, 4, 6, 9, 12)


def _count_and_upsert(rows: list[tuple[Any, ...]], *, keep_valid_from: bool) -> RegionLoadResult:
    """Set-based load of ``rows`` (code, name, level, valid_from, valid_to, source).

    New rows are inserted level by level, top down, each with its parent resolved in the same
    statement (the longest existing proper prefix: a township of 东莞 has no county, so its parent is
    4419): every row is written once, never inserted and then updated. Changed rows are updated by
    one join; an unchanged re-import only reads."""
    now = timezone.now()
    columns = [
        ("code", "varchar(12)"),
        ("name", "varchar(80)"),
        ("level", "smallint"),
        ("valid_from", "date"),
        ("valid_to", "date"),
        ("source", "varchar(16)"),
    ]
    load_temp_table(_TMP, columns, rows)
    table = Region._meta.db_table
    changed = (
        "r.name IS DISTINCT FROM t.name OR r.level IS DISTINCT FROM t.level "
        "OR r.valid_to IS DISTINCT FROM t.valid_to OR r.source IS DISTINCT FROM t.source "
        "OR r.valid_from IS NULL AND t.valid_from IS NOT NULL"
        + ("" if keep_valid_from else " OR r.valid_from IS DISTINCT FROM t.valid_from")
    )
    lengths = sorted({len(r[0]) for r in rows})
    with connection.cursor() as cursor:
        if is_postgres():
            # One load at a time (readers go on): the new rows found below stay new until commit.
            cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute(
            f"SELECT COUNT(*) FROM {_TMP} t LEFT JOIN {table} r ON r.code = t.code WHERE r.id IS NULL"
        )
        created = cursor.fetchone()[0]
        cursor.execute(f"SELECT COUNT(*) FROM {_TMP} t JOIN {table} r ON r.code = t.code WHERE {changed}")
        updated = cursor.fetchone()[0]
        # Renames: close the old name, open the new one (history of imported regions).
        cursor.execute(
            f"""INSERT INTO regions_regionname (region_id, name, valid_from, valid_to, source)
                SELECT r.id, r.name, r.valid_from, %s, r.source FROM {_TMP} t JOIN {table} r ON r.code = t.code
                WHERE r.name <> t.name AND t.source = %s
                AND NOT EXISTS (SELECT 1 FROM regions_regionname n WHERE n.region_id = r.id AND n.name = r.name)""",
            [timezone.localdate() - dt.timedelta(days=1), RegionSource.IMPORTED],
        )
        if updated:
            valid_from = "COALESCE(r.valid_from, t.valid_from)" if keep_valid_from else "t.valid_from"
            cursor.execute(
                f"""UPDATE {table} AS r SET name = t.name, level = t.level, valid_from = {valid_from},
                      valid_to = t.valid_to, source = t.source, updated_at = %s
                    FROM {_TMP} t WHERE r.code = t.code AND ({changed})""",
                [now],
            )
        restore: list[str] = []
        if created and is_postgres():
            cursor.execute(f"ANALYZE {_TMP}")  # the planner's row counts: hash joins, not loops
            if created >= BULK_ROWS and count_up_to(table, created + 1) <= created:
                # A load that more than doubles the tree (the first township and village list):
                # the indexes and the parent key are built once afterwards, not row by row.
                restore = drop_secondary_keys([table], keep_unique=[(table, "code")])
        for length in lengths if created else ():
            # The parent is the row of the expected code (the level above; 00 county digits under a
            # prefecture), else the longest existing proper prefix (a gap in the national list).
            expected = f"substr(t.code, 1, {_LENGTHS[_LENGTHS.index(length) - 1]})" if length > 2 else "NULL"
            if length == 9:
                expected = "CASE WHEN substr(t.code, 5, 2) = '00' THEN substr(t.code, 1, 4) ELSE substr(t.code, 1, 6) END"
            longest = f"""(SELECT p.id FROM {table} p
                    WHERE p.code IN (substr(t.code, 1, 9), substr(t.code, 1, 6), substr(t.code, 1, 4),
                                     substr(t.code, 1, 2)) AND length(p.code) < length(t.code)
                    ORDER BY length(p.code) DESC LIMIT 1)"""
            cursor.execute(
                f"""INSERT INTO {table} (code, name, level, valid_from, valid_to, source, updated_at, parent_id)
                    SELECT t.code, t.name, t.level, t.valid_from, t.valid_to, t.source, %s,
                           COALESCE(e.id, {longest})
                    FROM {_TMP} t LEFT JOIN {table} r ON r.code = t.code
                    LEFT JOIN {table} e ON e.code = {expected}
                    WHERE r.id IS NULL AND length(t.code) = %s""",
                [now, length],
            )
        # A row kept without a parent (its parent was missing then) takes the one that exists now.
        cursor.execute(
            f"""UPDATE {table} SET parent_id = (
                    SELECT p.id FROM {table} p
                    WHERE p.code IN (substr({table}.code, 1, 9), substr({table}.code, 1, 6),
                                     substr({table}.code, 1, 4), substr({table}.code, 1, 2))
                      AND length(p.code) < length({table}.code)
                    ORDER BY length(p.code) DESC LIMIT 1)
                WHERE parent_id IS NULL AND length(code) > 2 AND code IN (SELECT code FROM {_TMP})
                  AND EXISTS (SELECT 1 FROM {table} p
                              WHERE p.code IN (substr({table}.code, 1, 9), substr({table}.code, 1, 6),
                                               substr({table}.code, 1, 4), substr({table}.code, 1, 2))
                                AND length(p.code) < length({table}.code))"""
        )
    if restore:
        restore_keys(restore, analyze=[table])
    drop_temp_table(_TMP)
    return RegionLoadResult(created=created, updated=updated, unchanged=len(rows) - created - updated)


@transaction.atomic
def regions_load_national(
    *, actor: Any = None, records: list[RegionRecord] | None = None
) -> RegionLoadResult:
    """Load or refresh provinces, prefectures and counties (with their name history) from stdnum."""
    records = records if records is not None else parse_stdnum_locations()
    rows = [(r.code, r.name, r.level, r.valid_from, r.valid_to, RegionSource.NATIONAL) for r in records]
    result = _count_and_upsert(rows, keep_valid_from=False)
    # Rebuild the national name history (only where a region had more than one name).
    history = [
        (r.code, p.name, p.valid_from, p.valid_to) for r in records if len(r.names) > 1 for p in r.names
    ]
    load_temp_table(
        "tmp_region_names",
        [("code", "varchar(12)"), ("name", "varchar(80)"), ("valid_from", "date"), ("valid_to", "date")],
        history,
    )
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM regions_regionname WHERE source = %s", [RegionSource.NATIONAL])
        cursor.execute(
            """INSERT INTO regions_regionname (region_id, name, valid_from, valid_to, source)
               SELECT r.id, t.name, t.valid_from, t.valid_to, %s
               FROM tmp_region_names t JOIN regions_region r ON r.code = t.code""",
            [RegionSource.NATIONAL],
        )
    drop_temp_table("tmp_region_names")
    audit_record(
        actor=actor,
        event=EventType.REGIONS_LOADED,
        object_type="regions.region",
        object_id="national",
        object_repr=_("National region list"),
        region_code="",
        new=result.as_counts(),
    )
    return result


def _column(header: list[str], names: set[str]) -> str | None:
    for h in header:
        if h.strip().lower() in names:
            return h
    return None


def validate_region_table(
    *, actor: Any, table: Table, progress: Progress | None = None
) -> list[tuple[Any, ...]]:
    """Check every row; return the rows to load, or raise ValidationFailed naming each bad row."""
    progress = progress or NullProgress()
    code_col, name_col = _column(table.header, CODE_HEADERS), _column(table.header, NAME_HEADERS)
    valid_to_col = _column(table.header, VALID_TO_HEADERS)
    missing = [n for n, c in (("code", code_col), ("name", name_col)) if c is None]
    if missing:
        raise ValidationFailed(
            _("The file needs the columns code and name (代码, 名称); missing: %(missing)s")
            % {"missing": ", ".join(missing)},
            code="missing_columns",
        )
    assert code_col is not None and name_col is not None  # both found, or ``missing`` raised
    # Errors name the file's own column (代码, 区划代码, code, …), as the person who made it reads it.
    code_field, name_field, valid_to_field = code_col, name_col, valid_to_col or "valid_to"
    in_scope = region_checker(actor, "regions.import")
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    parsed: list[tuple[int, str, str, dt.date | None]] = []
    width = len(table.header)
    code_at, name_at = table.header.index(code_col), table.header.index(name_col)
    valid_to_at = table.header.index(valid_to_col) if valid_to_col else None
    progress.start(len(table.rows), _("Checking rows"))
    step, reported = max(500, len(table.rows) // 40), 0  # progress moves in rounds, not per row
    for offset, row in enumerate(table.rows):
        if offset - reported >= step:
            progress.advance(offset - reported)
            reported = offset
        number = table.first_row + offset
        if len(row) < width:
            row = row + [""] * (width - len(row))
        raw = row[code_at] or ""
        code = normalize_code(raw) if not raw.isdigit() or len(raw) == 12 else raw
        name = (row[name_at] or "").strip()
        if not code:
            errors.append(RowError(number, code_field, _("The code is empty.")))
        elif len(code) not in (6, 9, 12) or not _DIGITS.match(code):
            errors.append(RowError(number, code_field, _("A code has 6, 9 or 12 digits."), code))
        elif code in seen:
            errors.append(
                RowError(
                    number,
                    code_field,
                    _("Duplicate code: already on row %(row)s.") % {"row": seen[code]},
                    code,
                )
            )
        elif not name:
            errors.append(RowError(number, name_field, _("The name is empty."), code))
        elif len(name) > 80:
            errors.append(RowError(number, name_field, _("The name is longer than 80 characters."), name))
        elif not in_scope(code):
            errors.append(RowError(number, code_field, _("This region lies outside your scope."), code))
        else:
            valid_to = None
            raw_to = (row[valid_to_at] or "").strip() if valid_to_at is not None else ""
            if raw_to:
                try:
                    valid_to = as_date(raw_to, "valid_to", row=number)
                except ValidationFailed:
                    errors.append(RowError(number, valid_to_field, _("Not a date (YYYY-MM-DD)."), raw_to))
                    continue
            seen[code] = number
            parsed.append((number, code, name, valid_to))
    progress.advance(len(table.rows) - reported)
    parents = {expected_parent(code) for _, code, _, _ in parsed}
    existing: set[str] = set()
    parent_list = sorted(parents - set(seen))
    for start in range(0, len(parent_list), 500):
        existing.update(
            Region.objects.filter(code__in=parent_list[start : start + 500]).values_list("code", flat=True)
        )
    for number, code, _name, _to in parsed:
        parent = expected_parent(code)
        if parent not in seen and parent not in existing:
            errors.append(
                RowError(
                    number,
                    code_field,
                    _("Unknown parent region %(parent)s: neither in the database nor in this file.")
                    % {"parent": parent},
                    code,
                )
            )
    if errors:
        errors.sort(key=lambda e: e.row or 0)
        raise ValidationFailed(errors=errors)
    level = {6: 3, 9: 4, 12: 5}
    return [
        (code, name, level[len(code)], None, valid_to, RegionSource.IMPORTED)
        for _, code, name, valid_to in parsed
    ]


def regions_import(
    *,
    actor: Any,
    table: Table,
    dry_run: bool = False,
    progress: Progress | None = None,
    source_name: str = "",
) -> RegionLoadResult:
    """Import townships and villages (or new counties) from a ``code,name`` table.

    All or nothing: any bad row (unknown parent, duplicate code, bad code, outside scope) rejects the
    file with every bad row named, and nothing is written."""
    if not is_system(actor) and not actor.has_canlian_perm("regions.import"):
        raise PermissionDenied()
    progress = progress or NullProgress()
    rows = validate_region_table(actor=actor, table=table, progress=progress)
    # Parents first, so that each parent_id resolves within the same statement.
    rows.sort(key=lambda r: (len(r[0]), r[0]))
    progress.start(len(rows), _("Writing"))
    with transaction.atomic():
        result = _count_and_upsert(rows, keep_valid_from=True)
        progress.advance(len(rows))
        if dry_run:
            transaction.set_rollback(True)
        else:
            audit_record(
                actor=actor,
                event=EventType.REGIONS_IMPORTED,
                object_type="regions.region",
                object_id=source_name[:64] or "file",
                object_repr=source_name or _("Region file"),
                region_code=_common_prefix([r[0] for r in rows]),
                new=result.as_counts(),
            )
    progress.count(**result.as_counts())
    return result


def _common_prefix(codes: list[str]) -> str:
    if not codes:
        return ""
    first, last = min(codes), max(codes)
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    for length in (9, 6, 4, 2, 0):
        if length <= n:
            return first[:length]
    return ""
