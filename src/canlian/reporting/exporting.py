"""The rehabilitation figures as an Excel workbook: the sentence and every figure with its definition.
Aggregates only (no child appears), but an export all the same: recorded in the audit log
(``report.figures_exported``) with its filters."""

from __future__ import annotations

from typing import IO, Any

from django.db import transaction
from openpyxl import Workbook

from canlian.core.audit.actions import audit_sensitive_read
from canlian.platform.exports import SafeSheet
from canlian.reporting.events import ReportingEvent
from canlian.reporting.rehab_figures import RehabFigures

# The report's own (Chinese) vocabulary, like the other statistics sheets: it goes into reports as is.
TITLE = "残疾儿童康复救助与定点机构监管统计"


def figures_rows(figures: RehabFigures) -> list[list[Any]]:
    """(指标, 数值, 说明) rows of the sheet."""
    rows: list[list[Any]] = [
        ["机构总数", figures.institutions_total, "区域内各类机构（现状）"],
        ["定点康复机构", figures.designated_rehab, "康复机构中正常或被警告（可接收儿童）的"],
    ]
    for code, label, n in figures.kind_rows():
        rows.append([f"机构：{label}", n, code])
    for code, label, n in figures.status_rows():
        rows.append([f"机构状态：{label}", n, code])
    rows += [
        ["救助残疾儿童（名）", figures.children_served, "期间内有训练日、适配辅具或完成手术的儿童"],
        ["有康复需求儿童（名）", figures.children_with_needs, "期间内已审定（公示中）或在册的康复救助申请"],
        ["有需求且获服务儿童（名）", figures.needs_served, ""],
        ["康复服务率", figures.service_rate_text, "有需求且获服务 ÷ 有需求"],
        ["训练满170天儿童（名）", figures.children_170, "同一年度期间内训练天数≥170"],
        ["训练人天", figures.training_days, ""],
        ["结算支出（元）", figures.settlement_amount, "已审核或已支付结算批次，批次期间在统计期间内"],
        ["辅具支出（元）", figures.device_amount, ""],
        ["手术支出（元）", figures.surgery_amount, ""],
        ["支出合计（元）", figures.amount, ""],
        ["支出合计（万元）", figures.amount_wan, "由元合计四舍五入"],
        ["检查（次）", figures.inspections, ""],
        ["其中飞行检查（次）", figures.unannounced, "不打招呼、直奔现场"],
        ["下达整改通知书（份）", figures.notices_issued, ""],
        ["已整改（份）", figures.notices_closed, ""],
        ["已升级处理（份）", figures.notices_escalated, ""],
        ["逾期未整改（份）", figures.notices_overdue, f"截至{figures.overdue_on}"],
        ["培训康复人员（名）", figures.staff_trained, "期间内结业课程考核合格"],
        ["持有效证书人员（名）", figures.staff_certified, f"截至{figures.overdue_on}"],
        ["需持证岗位无有效证书（名）", figures.staff_uncertified, "康复治疗师、特教教师"],
    ]
    return rows


def figures_export(*, user: Any, figures: RehabFigures, stream: IO[bytes]) -> int:
    """Write ``figures`` to ``stream`` as .xlsx and record the export; returns the rows written."""
    workbook = Workbook(write_only=True)
    sheet = SafeSheet(workbook.create_sheet("统计"))
    sheet.append(
        [TITLE, f"{figures.first} 至 {figures.last}", figures.region_name or figures.region or "全部"]
    )
    sheet.append([figures.sentence])
    sheet.append([])
    sheet.append(["指标", "数值", "说明"])
    rows = figures_rows(figures)
    for row in rows:
        sheet.append(row)
    workbook.save(stream)
    with transaction.atomic():
        audit_sensitive_read(
            actor=user,
            event=ReportingEvent.FIGURES_EXPORTED,
            region_code=figures.region,
            filters={
                "report": "rehab.figures",
                "region": figures.region,
                "from": figures.first.isoformat(),
                "to": figures.last.isoformat(),
            },
            rows=len(rows),
        )
    return len(rows)
