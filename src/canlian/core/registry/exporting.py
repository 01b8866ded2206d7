"""The person list as an Excel ledger (台账), in the columns staff already use (the importer reads them
back). Masked unless the user may reveal identities in the person's region; every export is recorded in
the audit log with its filters and row count.

Memory stays bounded: people are read with ``.iterator(chunk_size=2000)`` (certificates, hardship
statuses and households prefetched per chunk, region names resolved once per chunk) and written with
openpyxl's write-only workbook, which streams rows to a temporary file instead of building cells.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Iterator
from typing import IO, TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.db.models import Exists, OuterRef, Value
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from canlian.core.audit.actions import audit_sensitive_read
from canlian.core.audit.events import EventType
from canlian.core.audit.models import AuditEvent
from canlian.core.permissions import Perm
from canlian.core.registry.choices import CertificateStatus, HardshipKind, LifeStatus
from canlian.core.registry.identity import mask_certificate, mask_id, mask_phone
from canlian.core.registry.models import Person
from canlian.core.registry.selectors import PersonFilters, persons_for_list, persons_search, region_names
from canlian.platform.access import scope_roots
from canlian.platform.errors import RateLimited, ValidationFailed
from canlian.platform.exports import SafeSheet
from canlian.platform.inputs import as_text

if TYPE_CHECKING:
    from canlian.core.registry.selectors import ListedPerson

#: A web export stops here (a job or command may pass a larger limit). Excel's own sheet limit is
#: 1,048,576 rows; 200,000 rows take well under a minute and about 20 MB.
EXPORT_ROW_LIMIT = 200_000
CHUNK = 2000

# The ledger's headers and words are the federation's own (Chinese) vocabulary, not interface text:
# the import maps exactly these columns back, whatever the exporting user's language.
HEADERS = [
    "序号",
    "姓名",
    "性别",
    "身份证号",
    "出生日期",
    "民族",
    "联系电话",
    "残疾人证号",
    "残疾类别",
    "残疾等级",
    "发证日期",
    "有效期至",
    "证件状态",
    "所属县(区)",
    "所属乡镇(街道)",
    "所属村(社区)",
    "现住址",
    "户籍地址",
    "是否低保",
    "是否低收入",
    "是否特困",
    "家庭类型",
    "生存状态",
]
SEX_ZH = {"M": "男", "F": "女"}
CATEGORY_ZH = {1: "视力", 2: "听力", 3: "言语", 4: "肢体", 5: "智力", 6: "精神", 7: "多重"}
GRADE_ZH = {1: "一级", 2: "二级", 3: "三级", 4: "四级"}
STATUS_ZH: dict[str, str] = {
    CertificateStatus.VALID: "有效",
    CertificateStatus.EXPIRING: "即将到期",
    CertificateStatus.EXPIRED: "已过期",
    CertificateStatus.CANCELLED: "已注销",
    CertificateStatus.SUPERSEDED: "已换领",
}
LIFE_ZH: dict[str, str] = {
    LifeStatus.LIVING: "正常",
    LifeStatus.DECEASED: "死亡",
    LifeStatus.MOVED_OUT: "迁出",
}
FLAGS_ZH = (("multi_disabled", "一户多残"), ("alone_disabled", "孤残"), ("elderly_carers", "以老养残"))


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


_Row = TypeVar("_Row")


def _chunks(persons: Iterable[_Row], size: int) -> Iterator[list[_Row]]:
    chunk: list[_Row] = []
    for person in persons:
        chunk.append(person)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def ledger_row(
    person: ListedPerson, *, index: int, names: dict[str, str], reveal: bool, on: dt.date
) -> list[Any]:
    cert = person.current_certificates[0] if person.current_certificates else None
    kinds = {h.kind for h in person.open_hardships}
    flags = []
    for membership in person.household_memberships:
        flags = [label for attr, label in FLAGS_ZH if getattr(membership.household, attr)]
    code = person.region_code
    number = cert.number if cert else ""
    return [
        index,
        person.name,
        SEX_ZH.get(person.sex, ""),
        person.id_number if reveal else mask_id(person.id_number),
        _date(person.birth_date),
        person.ethnicity,
        person.phone if reveal else mask_phone(person.phone),
        number if reveal else mask_certificate(number),
        CATEGORY_ZH.get(cert.category, "") if cert else "",
        GRADE_ZH.get(cert.grade, "") if cert else "",
        _date(cert.issue_date) if cert else "",
        _date(cert.valid_until) if cert else "",
        STATUS_ZH.get(cert.status_on(on), "") if cert else "无有效证件",
        names.get(code[:6], ""),
        names.get(code[:9], "") if len(code) >= 9 else "",
        names.get(code[:12], "") if len(code) >= 12 else "",
        person.residence_address,
        person.hukou_address,
        "是" if HardshipKind.DIBAO in kinds else "否",
        "是" if HardshipKind.LOW_INCOME in kinds else "否",
        "是" if HardshipKind.TEKUN in kinds else "否",
        "、".join(flags),
        LIFE_ZH.get(person.life_status, ""),
    ]


def unmasked_export_check(*, user: Any, unmasked_rows: int, reason: str) -> str:
    """An export of more than ``CANLIAN_UNMASKED_EXPORT_REASON_ROWS`` full ID numbers needs a reason,
    and a user makes at most ``CANLIAN_UNMASKED_EXPORTS_PER_DAY`` of them a day (counted from the audit
    log, so every surface shares the limit). Returns the cleaned reason."""
    threshold = settings.CANLIAN_UNMASKED_EXPORT_REASON_ROWS
    reason = as_text(reason, "reason", max_length=200)
    if unmasked_rows <= threshold:
        return reason
    if len(reason) < 4:
        raise ValidationFailed(
            _(
                "This export shows more than %(count)s full ID numbers: state why they are needed "
                "(at least 4 characters), or export it masked."
            )
            % {"count": threshold},
            field="reason",
        )
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    done = AuditEvent.objects.filter(
        event_type=EventType.RECORDS_EXPORTED,
        actor=user,
        occurred_at__gte=today,
        new_values__unmasked_rows__gt=threshold,
    ).count()
    if done >= settings.CANLIAN_UNMASKED_EXPORTS_PER_DAY:
        raise RateLimited(
            _(
                "You have made %(count)s unmasked exports today, the daily limit; export masked or try tomorrow."
            )
            % {"count": done},
            field="reason",
        )
    return reason


def persons_export(
    *,
    user: Any,
    filters: PersonFilters,
    stream: IO[bytes],
    limit: int = EXPORT_ROW_LIMIT,
    masked: bool = False,
    reason: str = "",
) -> int:
    """Write the filtered person list (in the user's persons.export scope) to ``stream`` as .xlsx and
    record the export. Returns the number of people written (at most ``limit``; a last line says
    when the list was cut). Rows are unmasked where the user may reveal, unless ``masked``; more than
    the configured number of unmasked rows needs a ``reason`` and counts toward a daily limit
    (``unmasked_export_check``)."""
    on = filters.on or timezone.localdate()
    # Whether a row may be shown unmasked is read through the same for_user, in the same query.
    revealable = Person.objects.for_user(user, Perm.PERSONS_REVEAL).filter(pk=OuterRef("pk"))
    people = persons_for_list(persons_search(user=user, filters=filters, action="export"), on=on).annotate(
        may_reveal=Value(False) if masked else Exists(revealable)
    )
    if not masked:
        threshold = settings.CANLIAN_UNMASKED_EXPORT_REASON_ROWS
        unmasked = people.filter(may_reveal=True).values("pk")[: min(limit, threshold + 1)].count()
        reason = unmasked_export_check(user=user, unmasked_rows=unmasked, reason=reason)
    workbook = Workbook(write_only=True)
    sheet = SafeSheet(workbook.create_sheet("残疾人台账"))
    sheet.append(HEADERS)
    names: dict[str, str] = {}
    count = revealed = 0
    truncated = False
    for chunk in _chunks(people.iterator(chunk_size=CHUNK), CHUNK):
        wanted = {p.region_code[:n] for p in chunk for n in (6, 9, 12)} - names.keys()
        names.update(region_names(wanted))
        for person in chunk:
            if count >= limit:
                truncated = True
                break
            reveal = bool(person.may_reveal)
            revealed += reveal
            count += 1
            sheet.append(ledger_row(person, index=count, names=names, reveal=reveal, on=on))
        if truncated:
            break
    if truncated:
        sheet.append([f"仅导出前 {limit} 条，请缩小筛选范围。"])
    workbook.save(stream)
    roots = scope_roots(user, Perm.PERSONS_EXPORT)
    region = filters.region or (min(roots, key=len) if roots else "")
    audit_sensitive_read(
        actor=user,
        event=EventType.RECORDS_EXPORTED,
        region_code=region,
        filters={k: v for k, v in dataclasses.asdict(filters).items() if v not in ("", None, {})},
        rows=count,
        unmasked_rows=revealed,
        truncated=truncated,
        **({"reason": reason} if reason else {}),
    )
    return count
