"""Reading the spreadsheets and CSV files staff already have: .xlsx/.xls (calamine) and CSV in
UTF-8, GBK or GB18030 (detected). Every cell comes back as text, so ID numbers keep their digits."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from canlian.platform.errors import ValidationFailed

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
CSV_SUFFIXES = {".csv", ".txt"}


@dataclass
class Table:
    """A header row and the data rows; ``first_row`` is the spreadsheet row number of rows[0]."""

    header: list[str]
    rows: list[list[str]]
    first_row: int = 2

    def dicts(self) -> Iterator[tuple[int, dict[str, str]]]:
        for offset, row in enumerate(self.rows):
            padded = row + [""] * (len(self.header) - len(row))
            yield self.first_row + offset, dict(zip(self.header, padded, strict=False))


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def decode_bytes(data: bytes) -> str:
    """Decode CSV bytes: UTF-8 (with or without BOM) first, then GB18030 (a superset of GBK)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000], cp_isolation=["gb18030", "gbk", "big5", "utf_16"]).best()
    encoding = best.encoding if best is not None else "gb18030"
    if encoding in {"gbk", "gb2312", "cp936"}:
        encoding = "gb18030"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ValidationFailed(_("The file is not UTF-8, GBK or GB18030 text.")) from exc


def read_table(path: str | Path, *, name: str | None = None) -> Table:
    path = Path(path)
    suffix = Path(name or path.name).suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return _read_excel(path)
    if suffix in CSV_SUFFIXES or not suffix:
        return _read_csv(path.read_bytes())
    raise ValidationFailed(
        _("Unsupported file type %(suffix)s: use .xlsx, .xls or .csv.") % {"suffix": suffix}, code="bad_file"
    )


def _read_csv(data: bytes) -> Table:
    text = decode_bytes(data)
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    rows = [[c.strip() for c in r] for r in csv.reader(io.StringIO(text), dialect)]
    return _split(rows)


def _read_excel(path: Path) -> Table:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
        raw = sheet.to_python(skip_empty_area=False)
    except Exception as exc:
        raise ValidationFailed(
            _("The workbook could not be read: %(error)s") % {"error": exc}, code="bad_file"
        ) from exc
    return _split([[_cell_text(c) for c in r] for r in raw])


def _split(rows: list[list[str]]) -> Table:
    # Skip leading title lines: the header is the first row with at least two non-empty cells.
    start = 0
    while start < len(rows) and sum(1 for c in rows[start] if c) < 2:
        start += 1
    if start >= len(rows):
        raise ValidationFailed(_("The file has no header row."), code="bad_file")
    header = [h.strip().lstrip("\ufeff") for h in rows[start]]
    body = [r for r in rows[start + 1 :]]
    # Drop trailing blank rows but keep row numbering of the ones that stay.
    while body and not any(body[-1]):
        body.pop()
    return Table(header=header, rows=body, first_row=start + 2)


# --- streaming ---------------------------------------------------------------------------------------

#: How much of a CSV file is read to detect its encoding and dialect.
SAMPLE_BYTES = 256 * 1024


@dataclass
class TableStream:
    """A header row and an iterator over the data rows, never holding the whole file: CSV is decoded
    and parsed as it is read; a workbook's sheet is read by calamine (in Rust) and its rows are turned
    into Python one at a time. ``rows()`` yields (spreadsheet row number, cells as text), skipping
    blank rows; it can be called again to read the file anew (a second pass)."""

    path: Path
    kind: str  # "csv" or "excel"
    header: list[str]
    header_row: int  # spreadsheet row number of the header (1-based)
    encoding: str = ""
    dialect: type[csv.Dialect] | csv.Dialect | None = None

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        source = self._raw_rows()
        for number, row in source:
            if number <= self.header_row:
                continue
            if not any(row):
                continue
            yield number, row

    def estimated_rows(self) -> int | None:
        """How many data rows the file holds, for a progress bar (CSV: estimated from its size)."""
        try:
            if self.kind == "excel":
                return max(0, _excel_sheet(self.path).height - self.header_row)
            size = self.path.stat().st_size
            with self.path.open("rb") as fh:
                sample = fh.read(1 << 20)
            lines = sample.count(b"\n")
            if not lines:
                return None
            return max(0, round(size * lines / len(sample)) - self.header_row)
        except (OSError, ValidationFailed):
            return None

    def _raw_rows(self) -> Iterator[tuple[int, list[str]]]:
        if self.kind == "csv":
            with self.path.open("r", encoding=self.encoding, newline="") as fh:
                reader = csv.reader(fh, self.dialect or csv.excel)
                try:
                    for number, row in enumerate(reader, start=1):
                        yield number, list(map(str.strip, row))
                except UnicodeDecodeError as exc:
                    raise ValidationFailed(
                        _("The file is not UTF-8, GBK or GB18030 text.") + f" ({exc.reason})", code="bad_file"
                    ) from exc
        else:
            for number, row in enumerate(_excel_sheet(self.path).iter_rows(), start=1):
                yield number, [_cell_text(c) for c in row]


def _excel_sheet(path: Path):  # type: ignore[no-untyped-def]
    from python_calamine import CalamineWorkbook

    try:
        return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    except Exception as exc:
        raise ValidationFailed(
            _("The workbook could not be read: %(error)s") % {"error": exc}, code="bad_file"
        ) from exc


def detect_encoding(sample: bytes) -> str:
    """The encoding of a CSV file from its first bytes: UTF-8 (BOM or not), else GB18030 (a superset
    of GBK and GB2312), unless charset-normalizer is sure of another Chinese encoding."""
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    import codecs

    try:
        # A sample may end inside a multi-byte character: an incremental decoder tolerates that.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(sample, cp_isolation=["gb18030", "gbk", "big5", "utf_16"]).best()
    encoding = best.encoding if best is not None else "gb18030"
    return "gb18030" if encoding in {"gbk", "gb2312", "cp936", "gb18030"} else encoding


def open_table_stream(path: str | Path, *, name: str | None = None) -> TableStream:
    """Open a .csv/.xlsx/.xls file for streaming. The header is the first row with at least two
    non-empty cells (title lines above it are skipped)."""
    path = Path(path)
    suffix = Path(name or path.name).suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        stream = TableStream(path=path, kind="excel", header=[], header_row=0)
    elif suffix in CSV_SUFFIXES or not suffix:
        with path.open("rb") as fh:
            sample = fh.read(SAMPLE_BYTES)
        encoding = detect_encoding(sample)
        try:
            text = sample.decode(encoding, errors="ignore")
        except LookupError as exc:
            raise ValidationFailed(_("The file is not UTF-8, GBK or GB18030 text."), code="bad_file") from exc
        try:
            dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
        except csv.Error:
            dialect = csv.excel
        stream = TableStream(
            path=path, kind="csv", header=[], header_row=0, encoding=encoding, dialect=dialect
        )
    else:
        raise ValidationFailed(
            _("Unsupported file type %(suffix)s: use .xlsx, .xls or .csv.") % {"suffix": suffix},
            code="bad_file",
        )
    for number, row in stream._raw_rows():
        if sum(1 for c in row if c) >= 2:
            stream.header = [h.strip().lstrip("\ufeff") for h in row]
            stream.header_row = number
            return stream
        if number > 50:
            break
    raise ValidationFailed(_("The file has no header row."), code="bad_file")
