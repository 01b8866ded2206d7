"""A settlement batch as an Excel workbook for the finance office: the institution and its bank
account, one row per line (child's name and masked ID number, category, days, rule, components,
earlier batches, due) and the totals. An export of personal data: audited (settlement.exported)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import IO, Any

from django.db import transaction

from canlian.core.audit.actions import audit_sensitive_read
from canlian.core.registry.identity import mask_id
from canlian.domains.rehab.events import RehabEvent
from canlian.domains.rehab.models import SettlementBatch
from canlian.domains.rehab.settlement.rules import explain
from canlian.domains.rehab.settlement.selectors import lines_of
from canlian.platform.exports import Sheet, xlsx_bytes

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
    """Write ``batch`` (fetched through ``batch_get`` by the caller) to ``stream`` as .xlsx (the one
    spreadsheet writer, ``platform.exports``: no cell is a live formula) and record the export;
    returns the lines written."""
    institution = batch.institution
    totals = [Decimal("0.00")] * 4
    written = [0]

    def rows() -> Iterator[list[Any]]:
        yield ["机构", institution.name, "机构代码", institution.code]
        yield [
            "开户行",
            institution.bank_name,
            "账号",
            institution.bank_account,
            "户名",
            institution.account_holder,
        ]
        yield []
        yield HEADER
        for count, line in enumerate(lines_of(batch=batch).iterator(chunk_size=2000), start=1):
            rule = line.rule
            amounts = (line.training_amount, line.transport_amount, line.already_paid, line.amount)
            yield [
                count,
                line.person.name,
                mask_id(line.person.id_number),
                line.plan.get_category_display(),
                line.days,
                line.year_days,
                line.months,
                str(rule) if rule else "—",
                *amounts,
                explain(line.detail),
            ]
            for i, value in enumerate(amounts):
                totals[i] += value
            written[0] = count
        yield ["合计", f"{batch.line_count} 人", "", "", "", "", "", "", *totals, ""]

    title_row = [TITLE, f"{batch.period_start:%Y-%m} 至 {batch.period_end:%Y-%m}", batch.get_status_display()]
    content, _rows = xlsx_bytes([Sheet(title=TITLE, header=title_row, rows=rows())])
    stream.write(content)
    count = written[0]
    with transaction.atomic():
        audit_sensitive_read(
            actor=user,
            event=RehabEvent.SETTLEMENT_EXPORTED,
            obj=batch,
            region_code=batch.region_code,
            institution=institution.pk,
            lines=count,
            total=str(batch.total_amount),
        )
    return count
