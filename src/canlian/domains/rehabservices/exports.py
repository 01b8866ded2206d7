"""Exports of rehabilitation services: the needs-survey ledger, the device ledger and the home
modification ledger as .xlsx (``platform/exports.py``), and the quarterly progress report (季报) as
.xlsx and .docx (python-docx, the style of the steering bulletins). ID numbers are masked; every
export is audited (``record.exported``, the registry's export code) with what it held."""

from __future__ import annotations

import io
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_record
from canlian.core.audit.events import EventType
from canlian.domains.rehabservices.selectors import QuarterlyReport
from canlian.platform.exports import Sheet, xlsx_bytes

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FONT = "宋体"


@transaction.atomic
def _audit(actor: Any, what: str, rows: int, **details: Any) -> None:
    audit_record(
        actor=actor,
        event=EventType.RECORDS_EXPORTED,
        object_type="rehabservices.export",
        object_repr=what,
        new={"export": what, "rows": rows, **details},
    )


def surveys_xlsx(*, actor: Any, surveys: Any) -> bytes:
    header = [
        _("Full name"),
        _("ID number"),
        _("Region"),
        _("Year"),
        _("Surveyed on"),
        _("Source"),
        _("Needs"),
        _("Served"),
    ]
    rows = []
    for s in surveys:
        needs = "、".join(str(n.get_kind_display()) for n in s.needs.all()) or _("no need")
        rows.append(
            [
                s.person.name,
                s.person.masked_id,
                s.region_code,
                s.year,
                s.surveyed_on,
                str(s.get_source_display()),
                needs,
                _("yes") if s.served else (_("no need") if s.no_needs else _("no")),
            ]
        )
    data, n = xlsx_bytes([Sheet(title=_("Needs surveys"), header=header, rows=rows)])
    _audit(actor, "surveys", n)
    return data


def fittings_xlsx(*, actor: Any, fittings: Any) -> bytes:
    header = [
        _("Full name"),
        _("ID number"),
        _("Region"),
        _("Device"),
        _("Service station"),
        _("Assessed on"),
        _("Delivered on"),
        _("Price"),
        _("Subsidy"),
        _("Replacement due"),
    ]
    rows = [
        [
            f.person.name,
            f.person.masked_id,
            f.region_code,
            f.device_type.name,
            f.station.name,
            f.assessed_on,
            f.fitted_on,
            f.price,
            f.subsidy,
            f.replacement_due,
        ]
        for f in fittings
    ]
    data, n = xlsx_bytes([Sheet(title=_("Device fittings"), header=header, rows=rows)])
    _audit(actor, "fittings", n)
    return data


def projects_xlsx(*, actor: Any, projects: Any) -> bytes:
    header = [
        _("Number"),
        _("Full name"),
        _("ID number"),
        _("Region"),
        _("Status"),
        _("Applied on"),
        _("Assessed on"),
        _("Budget"),
        _("Public notice until"),
        _("Contractor"),
        _("Works started on"),
        _("Accepted on"),
        _("Final cost"),
        _("Payable"),
        _("Paid on"),
        _("Step due on"),
    ]
    rows = [
        [
            p.number,
            p.person.name,
            p.person.masked_id,
            p.region_code,
            str(p.get_status_display()),
            p.applied_on,
            p.assessed_on,
            p.budget,
            p.notice_until,
            p.contractor,
            p.works_started_on,
            p.accepted_on,
            p.final_cost,
            p.payable,
            p.paid_on,
            p.step_due_on,
        ]
        for p in projects
    ]
    data, n = xlsx_bytes([Sheet(title=_("Home modification ledger"), header=header, rows=rows)])
    _audit(actor, "modifications", n)
    return data


def _report_header() -> list[str]:
    return [
        _("Region"),
        _("Households planned"),
        _("Applied"),
        _("Assessed"),
        _("Under way"),
        _("Accepted"),
        _("Paid"),
        _("Money paid"),
        _("Progress %"),
    ]


def _report_cells(row: Any) -> list[Any]:
    return [
        row.name,
        row.planned if row.planned is not None else "",
        row.applied,
        row.assessed,
        row.under_way,
        row.accepted,
        row.paid,
        row.money,
        row.progress if row.progress is not None else "",
    ]


def report_title(report: QuarterlyReport) -> str:
    return _("%(region)s home accessibility modification progress, %(year)s Q%(quarter)s") % {
        "region": report.region_name or _("National"),
        "year": report.year,
        "quarter": report.quarter,
    }


def report_xlsx(*, actor: Any, report: QuarterlyReport, projects: Any) -> bytes:
    ledger = [
        [
            p.number,
            p.person.name,
            p.person.masked_id,
            p.region_code,
            str(p.get_status_display()),
            p.applied_on,
            p.assessed_on,
            p.accepted_on,
            p.payable,
            p.paid_on,
        ]
        for p in projects
    ]
    data, _n = xlsx_bytes(
        [
            Sheet(
                title=_("Quarterly report"),
                header=_report_header(),
                rows=[_report_cells(report.total)] + [_report_cells(r) for r in report.rows],
            ),
            Sheet(
                title=_("Ledger"),
                header=[
                    _("Number"),
                    _("Full name"),
                    _("ID number"),
                    _("Region"),
                    _("Status"),
                    _("Applied on"),
                    _("Assessed on"),
                    _("Accepted on"),
                    _("Payable"),
                    _("Paid on"),
                ],
                rows=ledger,
            ),
        ]
    )
    _audit(
        actor,
        "quarterly_report.xlsx",
        len(ledger),
        region=report.region_code,
        year=report.year,
        quarter=report.quarter,
    )
    return data


def report_docx(*, actor: Any, report: QuarterlyReport) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(20)
    for name, size in (("Normal", Pt(12)), ("Title", Pt(18))):
        style = document.styles[name]
        style.font.name = FONT
        style.font.size = size
        rpr = style.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.append(fonts)
        fonts.set(qn("w:eastAsia"), FONT)
    title = document.add_paragraph(report_title(report), style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    t = report.total
    planned = t.planned if t.planned is not None else "—"
    sentence = _(
        "By %(end)s: %(planned)s households planned for the year; %(applied)s applied, %(assessed)s assessed, %(under_way)s under way, "
        "%(accepted)s accepted and %(paid)s paid, %(money)s yuan paid to contractors."
    ) % {
        "end": report.end,
        "planned": planned,
        "applied": t.applied,
        "assessed": t.assessed,
        "under_way": t.under_way,
        "accepted": t.accepted,
        "paid": t.paid,
        "money": t.money,
    }
    if t.progress is not None:
        sentence += " " + _("%(progress)s%% of the year's target accepted.") % {"progress": t.progress}
    paragraph = document.add_paragraph(sentence)
    paragraph.paragraph_format.first_line_indent = Pt(24)
    document.add_paragraph(_("Generated on %(day)s") % {"day": timezone.localdate()})
    header = _report_header()
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = str(text)
    for row in [report.total, *report.rows]:
        for cell, value in zip(table.add_row().cells, _report_cells(row), strict=True):
            cell.text = str(value)
    out = io.BytesIO()
    document.save(out)
    _audit(
        actor,
        "quarterly_report.docx",
        len(report.rows),
        region=report.region_code,
        year=report.year,
        quarter=report.quarter,
    )
    return out.getvalue()
