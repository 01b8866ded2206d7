"""Importing the ledgers staff already keep (.xlsx, .xls, .csv in UTF-8/GBK/GB18030) into the registry.

How it works (see docs/import-persons.md):

1. The file is streamed: rows are read, checked in Python with the identity rules (one pass, cheap
   per-row code, caches for names, dates, places and area codes) and the valid ones are appended to a
   temporary staging table with COPY while the server is already storing them. Nothing of the file is
   held in memory, only the rejected rows' reasons.
2. In ONE transaction, set-based SQL finds what Python cannot see row by row (an ID repeated later in
   the file, an ID registered outside the importer's scope, a certificate older than the one recorded),
   classifies every staged row against the registry (new / updated / unchanged, comparing only the
   columns the file provides) and writes people, certificates, certificate events and hardship
   statuses with INSERT … SELECT … ON CONFLICT and UPDATE … WHERE changed. One audit row per import.
3. Rejected rows come back with their row number, field and reason, and as a workbook (the original
   columns plus row, field and reason), made by a second streamed pass over the file.

Strict mode writes nothing when any row is rejected; a dry run classifies and rolls back. No model
instance is built per row anywhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_record
from canlian.core.audit.events import EventType
from canlian.core.registry.importing.checking import (
    ImportResult,
    _import_scope,
    _Rejections,
    _RowChecker,
    _scope_code,
)
from canlian.core.registry.importing.columns import (
    _CLASSIFIED,
    _IDS,
    _REJECTED_IDS,
    _REJECTS,
    _STAGE,
    CHUNK_ROWS,
    FIELDS_BY_KEY,
    LEDGER_TEMPLATE,
    MAX_ERRORS_KEPT,
    PERMISSION,
    PERSON_FIELDS,
    REJECTED_CSV,
    REJECTED_WORKBOOK,
    WORKBOOK_MAX_ROWS,
    HeaderInfo,
    ImportField,
    auto_mapping,
    field_for_header,
    normalize_header,
    persons_import_header,
    resolve_mapping,
)
from canlian.core.registry.importing.values import (
    _Places,
    add_years,
    default_valid_until,
    parse_hukou_type,
    parse_ledger_date,
    parse_sex,
    parse_yes_no,
    place_key,
    place_stem,
)
from canlian.core.registry.importing.writing import (
    BULK_MIN_ROWS,
    _classify,
    _counts,
    _execute,
    _read_and_stage,
    _refresh_households,
    _reject_in_sql,
    _write,
)
from canlian.platform.bulk import drop_temp_table, is_postgres
from canlian.platform.errors import RowError, ValidationFailed
from canlian.platform.exports import SafeSheet, csv_text_cell, safe_cell
from canlian.platform.indicators import sources_changed
from canlian.platform.progress import NullProgress, Progress
from canlian.platform.tabular import TableStream, open_table_stream


def persons_import(
    *,
    actor: Any,
    path: str | Path,
    filename: str | None = None,
    mapping: dict[str, str] | None = None,
    dry_run: bool = False,
    strict: bool = False,
    region_code: str | None = None,
    progress: Progress | None = None,
    rejected_dir: str | Path | None = None,
) -> ImportResult:
    """Import a ledger of people (and their certificates and hardship statuses).

    Valid rows are written, every rejected row is reported with its row number, field and reason (and
    in a workbook next to the file, or in ``rejected_dir``). ``strict``: nothing is written if any row
    is rejected (ValidationFailed). ``dry_run``: the counts, and nothing written. ``region_code``
    narrows the importer's scope (the rows' villages are looked up inside it).
    """
    progress = progress or NullProgress()
    path = Path(path)
    filename = filename or path.name
    scope = _import_scope(actor, region_code)
    stream = open_table_stream(path, name=filename)
    columns = stream.header
    fixed_region = region_code if region_code and len(region_code) == 12 else ""
    index = resolve_mapping(columns, mapping, region_fixed=bool(fixed_region))
    if "village" in index or "region_code" in index:
        fixed_region = ""  # the file names the places; they are looked up inside the scope
    places = _Places(scope)
    checker = _RowChecker(columns=columns, index=index, places=places, fixed_region=fixed_region)
    rejections = _Rejections()
    result = ImportResult(dry_run=dry_run, strict=strict)
    today = checker.today
    note = _("Imported from %(file)s") % {"file": filename}
    progress.start(stream.estimated_rows(), _("Checking rows"))
    try:
        staged = _read_and_stage(stream, checker, places, rejections, progress)
        if not staged and not rejections:
            raise ValidationFailed(
                _("The file has no rows under its header: nothing to import."), field="file", code="no_rows"
            )
        result.warnings = checker.warnings()
        for warning in result.warnings:
            progress.log(str(warning), "warning")
        read = staged + len(rejections)
        progress.start(read, _("Writing"))
        with transaction.atomic():
            if is_postgres() and staged:
                _execute(f"ANALYZE {_STAGE} (id_number, row_no)")
            _reject_in_sql(scope=scope, checker=checker, rejections=rejections, stage_empty=not staged)
            result.rejected = len(rejections)
            result.errors = rejections.errors()
            if strict and rejections:
                result.rejected_path = _workbook_for(stream, rejections, path, rejected_dir)
                raise ValidationFailed(
                    _("%(count)s rows were rejected; nothing was imported (strict mode).")
                    % {"count": result.rejected},
                    errors=result.errors,
                    code="rows_rejected",
                )
            changed_sql = _classify(index, today)
            result.new, result.updated, result.unchanged = _counts(changed_sql)
            if dry_run:
                transaction.set_rollback(True)
            else:
                _write(index=index, actor=actor, note=note, today=today, new=result.new)
                _refresh_households(index)
                sources_changed("registry", year=today.year, month=today.month)
                audit_record(
                    actor=actor,
                    event=EventType.PERSONS_IMPORTED,
                    object_type="registry.person",
                    object_id=filename[:64],
                    object_repr=filename,
                    region_code=_scope_code(scope),
                    new={
                        **result.as_counts(),
                        "file": filename,
                        "strict": strict,
                        "mapping": {k: columns[i] for k, i in index.items()},
                    },
                )
    finally:
        for table in (_STAGE, _REJECTED_IDS, _REJECTS, _CLASSIFIED, _IDS):
            drop_temp_table(table)
    progress.advance(read)
    if rejections:
        result.rejected_path = _workbook_for(stream, rejections, path, rejected_dir)
    progress.count(**result.as_counts())
    return result


def _workbook_for(stream: TableStream, rejections: _Rejections, path: Path, rejected_dir: Any) -> str:
    target = Path(rejected_dir) if rejected_dir else path.parent
    out = target / REJECTED_WORKBOOK
    rejected_rows_workbook(stream=stream, rejections=rejections.by_row, out=out, max_rows=WORKBOOK_MAX_ROWS)
    return str(out)


def rejected_rows_workbook(
    *,
    stream: TableStream,
    rejections: dict[int, list[RowError]],
    out: str | Path,
    max_rows: int = WORKBOOK_MAX_ROWS,
) -> Path:
    """The rejected rows as a workbook: 行号, the original columns, 字段, 原因 (all reasons of a row
    joined), and the same rows as CSV next to it (``REJECTED_CSV``). Both are written in one second
    streamed pass over the file (openpyxl's write-only mode). The workbook stops at ``max_rows`` (Excel
    holds 1,048,576 rows) with a last line saying so; the CSV has every rejected row."""
    import csv

    from openpyxl import Workbook

    out = Path(out)
    book = Workbook(write_only=True)
    sheet = SafeSheet(book.create_sheet(title=str(_("Rejected rows"))[:31]))
    header = [str(_("Row")), *stream.header, str(_("Field")), str(_("Reason"))]
    sheet.append(header)
    width = len(stream.header)
    remaining = set(rejections)
    written = 0
    with (out.parent / REJECTED_CSV).open("w", encoding="utf-8-sig", newline="") as text:
        table = csv.writer(text)
        table.writerow([safe_cell(h) for h in header])
        if remaining:
            for number, row in stream.rows():
                if number not in remaining:
                    continue
                errors = rejections[number]
                fields = list(dict.fromkeys(str(e.field) for e in errors if e.field))
                cells = [
                    number,
                    *(row + [""] * width)[:width],
                    "; ".join(fields),
                    "；".join(e.message for e in errors),
                ]
                table.writerow([csv_text_cell(c) for c in cells])
                if written < max_rows:
                    sheet.append(cells)
                    written += 1
                remaining.discard(number)
                if not remaining:
                    break
    if len(rejections) > written:
        sheet.append(
            [
                _(
                    "Only the first %(shown)s of %(count)s rejected rows fit in a workbook; "
                    "the CSV file has all of them."
                )
                % {"shown": written, "count": len(rejections)}
            ]
        )
    book.save(out)
    return out


# --- as a job --------------------------------------------------------------------------------------


def persons_import_job_run(*, job: Any, progress: Any) -> dict[str, Any]:
    """The handler of job kind "persons.import": the upload is in the job's folder, the rejected-rows
    workbook is written next to it."""
    from canlian.core.jobs.actions import job_upload_dir

    params = job.params or {}
    folder = job_upload_dir(job)
    for stale in (folder / REJECTED_WORKBOOK, folder / REJECTED_CSV):
        if stale.exists():  # a retry starts clean
            stale.unlink()
    result = persons_import(
        actor=job.actor,
        path=params["path"],
        filename=params.get("filename"),
        mapping=params.get("mapping") or None,
        dry_run=bool(params.get("dry_run")),
        strict=bool(params.get("strict")),
        region_code=job.region_code or None,
        progress=progress,
        rejected_dir=folder,
    )
    counts = result.as_counts()
    progress.log(
        (_("Dry run: ") if result.dry_run else "")
        + _("%(new)s new, %(updated)s updated, %(unchanged)s unchanged, %(rejected)s rejected") % counts
    )
    return {
        **counts,
        "dry_run": result.dry_run,
        "strict": result.strict,
        "rejected_file": Path(result.rejected_path).name if result.rejected_path else "",
        "rejected_csv": REJECTED_CSV if result.rejected_path else "",
        "rejected_capped": result.rejected > WORKBOOK_MAX_ROWS,
        "errors": [e.as_dict() for e in result.errors[:1000]],
        "error_count": len(result.errors),
        "warnings": [w.as_dict() for w in result.warnings[:200]],
    }


__all__ = [
    "BULK_MIN_ROWS",
    "CHUNK_ROWS",
    "FIELDS_BY_KEY",
    "LEDGER_TEMPLATE",
    "MAX_ERRORS_KEPT",
    "PERMISSION",
    "PERSON_FIELDS",
    "REJECTED_CSV",
    "REJECTED_WORKBOOK",
    "WORKBOOK_MAX_ROWS",
    "HeaderInfo",
    "ImportField",
    "ImportResult",
    "add_years",
    "auto_mapping",
    "default_valid_until",
    "field_for_header",
    "normalize_header",
    "parse_hukou_type",
    "parse_ledger_date",
    "parse_sex",
    "parse_yes_no",
    "persons_import",
    "persons_import_header",
    "persons_import_job_run",
    "place_key",
    "place_stem",
    "rejected_rows_workbook",
    "resolve_mapping",
]
