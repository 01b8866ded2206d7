"""A bulletin as documents: .docx (python-docx: title, date, the sentences by area, the ranking table,
the lagging regions) and .xlsx (platform/exports.py: the text, the ranking with typed numbers, the
region's own figures). ``bulletin_export`` writes one and records the download (BULLETIN_EXPORTED)."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone, translation

from canlian.core.audit.actions import audit_record
from canlian.platform.exports import Sheet, xlsx_bytes
from canlian.platform.indicators import Unit
from canlian.platform.inputs import as_choice
from canlian.reporting.events import ReportingEvent
from canlian.reporting.steering.bulletins import STATUS_ZH, Bulletin, amount_text
from canlian.reporting.steering.progress import percent

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {"docx": DOCX, "xlsx": XLSX}
CHINESE_NUMERALS = "一二三四五六七八九十"
#: A font every Chinese Windows and WPS install has; named, not embedded (nothing is fetched).
FONT = "宋体"


def _date(day: Any) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def heading_number(index: int) -> str:
    return CHINESE_NUMERALS[index] if index < len(CHINESE_NUMERALS) else str(index + 1)


def date_line(b: Bulletin) -> str:
    return f"数据截至{_date(b.as_of)}，序时进度{percent(b.elapsed)}%"


def _east_asian(style: Any, size: Any = None, bold: bool | None = None) -> None:
    from docx.oxml.ns import qn

    style.font.name = FONT
    if size is not None:
        style.font.size = size
    if bold is not None:
        style.font.bold = bold
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), FONT)


def bulletin_docx(b: Bulletin) -> bytes:
    """The bulletin as a Word document on A4."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(25)
    section.top_margin = section.bottom_margin = Mm(25)
    _east_asian(document.styles["Normal"], Pt(12))
    for name, size in (("Title", Pt(20)), ("Heading 1", Pt(15)), ("Heading 2", Pt(13))):
        _east_asian(document.styles[name], size, bold=True)

    title = document.add_paragraph(b.title, style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    dated = document.add_paragraph(date_line(b))
    dated.alignment = WD_ALIGN_PARAGRAPH.CENTER
    generated = document.add_paragraph(f"生成日期：{_date(timezone.localdate())}")
    generated.alignment = WD_ALIGN_PARAGRAPH.CENTER

    for index, part in enumerate(b.sections):
        document.add_paragraph(f"{heading_number(index)}、{part.area}", style="Heading 1")
        for sentence in part.sentences:
            paragraph = document.add_paragraph(sentence)
            paragraph.paragraph_format.first_line_indent = Pt(24)
    if b.ranking:
        document.add_paragraph(f"{heading_number(len(b.sections))}、{b.child_label}排名", style="Heading 1")
        for text in (b.ranking_text, b.lagging_text):
            if text:
                paragraph = document.add_paragraph(text)
                paragraph.paragraph_format.first_line_indent = Pt(24)
        document.add_paragraph(f"排名方案：{b.scheme_name}")
        header = b.ranking_header()
        table = document.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, header, strict=True):
            cell.text = text
            for run in cell.paragraphs[0].runs:
                run.font.bold = True
        for row in b.ranking:
            cells = table.add_row().cells
            for cell, value in zip(cells, b.ranking_cells(row), strict=True):
                cell.text = str(value)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _typed(unit: Unit, is_rate: bool, value: Decimal | None) -> Any:
    """A figure as a workbook holds it: a rate in percent, an amount in yuan, a count as a number."""
    if value is None:
        return ""
    if is_rate:
        return percent(value)
    if unit == Unit.AMOUNT:
        return value.quantize(Decimal("0.01"))
    return int(value) if value == value.to_integral_value() else value


def bulletin_xlsx(b: Bulletin) -> tuple[bytes, int]:
    """The workbook: 通报 (title, date, sentences), 排名 (typed numbers), 指标 (the region's figures)."""
    text_rows: list[list[Any]] = [[date_line(b)], []]
    for part in b.sections:
        text_rows.append([part.area])
        text_rows.extend([s] for s in part.sentences)
    for extra in (b.ranking_text, b.lagging_text):
        if extra:
            text_rows.append([extra])
    with translation.override("zh-hans"):
        ranking_header = ["排名", "地区", "综合得分"]
        for item in b.items:
            name = str(item.indicator.name)
            unit = "%" if item.indicator.is_rate else ("元" if item.indicator.unit == Unit.AMOUNT else "")
            ranking_header += [
                f"{name}{f'（{unit}）' if unit else ''}",
                f"{name}目标",
                f"{name}完成率（%）",
                f"{name}状态",
            ]
        ranking_rows = []
        for row in b.ranking:
            cells: list[Any] = [
                row.rank or "",
                row.region.name,
                row.score_percent if row.score is not None else "",
            ]
            for figure in row.figures:
                ind = figure.indicator
                cells += [
                    _typed(ind.unit, ind.is_rate, figure.value),
                    _typed(ind.unit, ind.is_rate, figure.target),
                    percent(figure.progress) if figure.progress is not None else "",
                    STATUS_ZH[figure.status],
                ]
            ranking_rows.append(cells)
        own_rows = [
            [
                str(f.indicator.area),
                str(f.indicator.name),
                amount_text(f.indicator, f.value) if f.value is not None else "",
                amount_text(f.indicator, f.target) if f.target is not None else "",
                percent(f.progress) if f.progress is not None else "",
                percent(f.elapsed),
                STATUS_ZH[f.status],
            ]
            for f in b.own
        ]
    sheets = [
        Sheet(title="通报", header=[b.title], rows=text_rows),
        Sheet(title="排名", header=ranking_header, rows=ranking_rows),
        Sheet(
            title="指标",
            header=["领域", "指标", "数值", "年度目标", "完成率（%）", "序时进度（%）", "状态"],
            rows=own_rows,
        ),
    ]
    return xlsx_bytes(sheets)


def filename(b: Bulletin, fmt: str) -> str:
    return f"bulletin-{b.kind}-{b.region_code or 'national'}-{b.year}-{b.period:02d}.{fmt}"


@transaction.atomic
def bulletin_export(*, actor: Any, bulletin: Bulletin, fmt: str) -> tuple[bytes, str, str]:
    """The bulletin as .docx or .xlsx, its download recorded: (bytes, file name, content type)."""
    fmt = as_choice(fmt, "format", FORMATS)
    data = bulletin_docx(bulletin) if fmt == "docx" else bulletin_xlsx(bulletin)[0]
    audit_record(
        actor=actor,
        event=ReportingEvent.BULLETIN_EXPORTED,
        object_type="reporting.bulletin",
        object_repr=bulletin.title[:200],
        region_code=bulletin.region_code,
        new={
            "kind": bulletin.kind,
            "year": bulletin.year,
            "period": bulletin.period,
            "format": fmt,
            "scheme": bulletin.scheme.pk if bulletin.scheme is not None else None,
            "regions": len(bulletin.ranking),
        },
    )
    return data, filename(bulletin, fmt), FORMATS[fmt]
