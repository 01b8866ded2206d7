"""The statistics of the two subsidies as an Excel workbook: the sentence, the per-subsidy figures
and one row per township. Aggregates only (no person appears), but an export all the same: it is
recorded in the audit log with its filters."""

from __future__ import annotations

from typing import IO, Any

from canlian.core.audit.actions import audit_sensitive_read
from canlian.core.audit.events import EventType
from canlian.domains.subsidies.presets import NAMES
from canlian.domains.subsidies.statistics import PROGRAMS, SubsidyStatistics
from canlian.platform.exports import Sheet, xlsx_bytes

# The report's own (Chinese) vocabulary, like the registry ledger: the sheet goes into reports as is.
TITLE = "两项补贴发放统计"


def statistics_export(*, user: Any, stats: SubsidyStatistics, stream: IO[bytes]) -> int:
    """Write ``stats`` to ``stream`` as .xlsx and record the export; returns the township rows written."""
    sheet: list[list[Any]] = []
    sheet.append([TITLE, f"{stats.first:%Y-%m} 至 {stats.last:%Y-%m}", stats.region or "全部"])
    sheet.append([stats.sentence])
    sheet.append([])
    sheet.append(["项目", "人数", "人次", "金额（元）", "金额（万元）"])
    for _code, name, f in stats.program_rows():
        sheet.append([name, f.people, f.times, f.amount, f.amount_wan])
    sheet.append(["合计", stats.total.people, stats.total.times, stats.total.amount, stats.total.amount_wan])
    sheet.append([])
    sheet.append(["追缴", "人次", "应追缴（元）", "已追回（元）", "已核销（元）", "未追回（元）"])
    for _code, name, r in stats.recovery_rows():
        sheet.append([name, r.times, r.amount, r.recovered, r.waived, r.outstanding])
    sheet.append([])
    header = ["乡镇（街道）代码", "乡镇（街道）", "所属县（市、区）"]
    for code in PROGRAMS:
        zh = NAMES[code][1]
        header += [f"{zh}人数", f"{zh}人次", f"{zh}金额（元）"]
    header.append("合计金额（元）")
    sheet.append(header)
    for row in stats.townships:
        cells: list[Any] = [row.code, row.name, row.county]
        for code in PROGRAMS:
            f = row.programs[code]
            cells += [f.people, f.times, f.amount]
        cells.append(row.amount)
        sheet.append(cells)
    data, _rows = xlsx_bytes([Sheet(TITLE, sheet[0], sheet[1:])])
    stream.write(data)
    audit_sensitive_read(
        actor=user,
        event=EventType.RECORDS_EXPORTED,
        region_code=stats.region,
        filters={
            "report": "subsidies.statistics",
            "region": stats.region,
            "from": f"{stats.first:%Y-%m}",
            "to": f"{stats.last:%Y-%m}",
        },
        rows=len(stats.townships),
    )
    return len(stats.townships)
