"""The list of staff whose certificate is missing, expiring or expired, as an Excel workbook. Staff
personal data is in it (masked ID numbers and phones), so the export is recorded in the audit log
with its filters."""

from __future__ import annotations

import datetime as dt
from typing import IO, Any

from openpyxl import Workbook

from canlian.core.audit.actions import audit_sensitive_read
from canlian.core.audit.events import EventType
from canlian.core.institutions import selectors
from canlian.core.registry.identity import mask_id, mask_phone
from canlian.platform.exports import SafeSheet

# The sheet goes into reports as is: the federation's own (Chinese) vocabulary, like other exports.
TITLE = "持证上岗情况"
STATE_NAMES = {selectors.MISSING: "无证", selectors.EXPIRING: "即将到期", selectors.EXPIRED: "已过期或吊销"}


def certificate_gaps_export(
    *, user: Any, stream: IO[bytes], state: str, days: int, region_code: str, on: dt.date
) -> int:
    """Write the list to ``stream`` as .xlsx and record the export; returns the rows written."""
    workbook = Workbook(write_only=True)
    sheet = SafeSheet(workbook.create_sheet(TITLE))
    sheet.append([TITLE, f"{on:%Y-%m-%d}", f"{days}天内到期"])
    sheet.append(["机构", "机构区划", "姓名", "岗位", "身份证号", "联系电话", "情况", "证书有效期至"])
    rows = 0
    for staff in selectors.certificate_gaps(
        user=user, state=state, on=on, days=days, region_code=region_code
    ).iterator():
        situation = selectors.certificate_state(staff, on, days)
        sheet.append(
            [
                staff.institution.name,
                staff.institution.region_code,
                staff.name,
                str(staff.get_post_display()),
                mask_id(staff.id_number),
                mask_phone(staff.phone),
                STATE_NAMES.get(situation, ""),
                staff.cert_until.isoformat() if staff.cert_until else "",
            ]
        )
        rows += 1
    workbook.save(stream)
    audit_sensitive_read(
        actor=user,
        event=EventType.RECORDS_EXPORTED,
        region_code=region_code,
        filters={
            "report": "institutions.certificate_gaps",
            "state": state,
            "days": days,
            "region": region_code,
        },
        rows=rows,
    )
    return rows
