"""A settlement batch as an Excel workbook for the finance office: the institution and its bank
account, one row per line (child's name and masked ID number, category, days, rule, components,
earlier batches, due) and the totals. An export of personal data: audited (settlement.exported)."""

from __future__ import annotations

from decimal import Decimal
from typing import IO, Any

from django.db import transaction
from openpyxl import Workbook

from canlian.core.audit.actions import audit_sensitive_read
from canlian.core.audit.events import EventType
from canlian.core.registry.identity import mask_id
from canlian.domains.rehab.models import SettlementBatch
from canlian.domains.rehab.settlement import explain
from canlian.domains.rehab.settlement_selectors import lines_of

# The sheet's own (Chinese) vocabulary, like the other finance files: it goes to the finance office as is.
TITLE = "残疾儿童康复救助结算表"
HEADER = [
    "序号",
    "儿童姓名",
    "身份证号",
    "康复类别",
    "训练天数（本规则）",
    "全年训练天数",
    "计入月数",
    "结算规则",
    "训练补助（元）",
    "交通补助（元）",
    "已结算（元）",
    "本次应付（元）",
    "计算说明",
]


def batch_export(*, user: Any, batch: SettlementBatch, stream: IO[bytes]) -> int:
    """Write ``batch`` (fetched through ``batch_get`` by the caller) to ``stream`` as .xlsx and record
    the export; returns the lines written."""
    institution = batch.institution
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(TITLE[:31])
    sheet.append(
        [TITLE, f"{batch.period_start:%Y-%m} 至 {batch.period_end:%Y-%m}", batch.get_status_display()]
    )
    sheet.append(["机构", institution.name, "机构代码", institution.code])
    sheet.append(
        [
            "开户行",
            institution.bank_name,
            "账号",
            institution.bank_account,
            "户名",
            institution.account_holder,
        ]
    )
    sheet.append([])
    sheet.append(HEADER)
    totals = [Decimal("0.00")] * 4
    count = 0
    for count, line in enumerate(lines_of(batch).iterator(chunk_size=2000), start=1):
        rule = line.rule
        sheet.append(
            [
                count,
                line.person.name,
                mask_id(line.person.id_number),
                line.plan.get_category_display(),
                line.days,
                line.year_days,
                line.months,
                str(rule) if rule else "—",
                line.training_amount,
                line.transport_amount,
                line.already_paid,
                line.amount,
                explain(line.detail),
            ]
        )
        for i, value in enumerate(
            (line.training_amount, line.transport_amount, line.already_paid, line.amount)
        ):
            totals[i] += value
    sheet.append(["合计", f"{batch.line_count} 人", "", "", "", "", "", "", *totals, ""])
    workbook.save(stream)
    with transaction.atomic():
        audit_sensitive_read(
            actor=user,
            event=EventType.SETTLEMENT_EXPORTED,
            obj=batch,
            region_code=batch.region_code,
            institution=institution.pk,
            lines=count,
            total=str(batch.total_amount),
        )
    return count
