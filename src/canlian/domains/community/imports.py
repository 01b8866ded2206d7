"""Excel imports (read with ``platform.tabular``: .xlsx, .xls, .csv), all or nothing: every bad row is
reported with its row number and column and nothing is written.

* members of a home: 身份证号, 姓名 (checked), 入会日期;
* residents of an institution: 身份证号, 姓名, 托养方式 (寄宿/日间/居家 or residential/day/home), 入住日期, 月收费;
* workers of an institution: 身份证号, 姓名, 协议编号, 协议开始, 协议结束, 计酬方式 (计件/计时), 时薪, 开户行, 账号, 户名;
* attendance of a home: 身份证号, 姓名, 日期 (one row per member and day) or a month grid (身份证号, 姓名,
  1 … 31 with a mark on each day attended; the month given with the upload or in a 月份 column).

Members, residents and workers are written through their actions, one row at a time (a home or a
workshop holds tens of people, not thousands); attendance is one set-based insert."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_record
from canlian.core.registry.models import Person
from canlian.domains.community import actions
from canlian.domains.community.choices import AttendanceSource, CareMode, WageBasis
from canlian.domains.community.events import CommunityEvent
from canlian.domains.community.models import Home, HomeMember
from canlian.platform.access import is_system, lock_for
from canlian.platform.errors import DomainError, NotFound, PermissionDenied, RowError, ValidationFailed
from canlian.platform.tabular import Table, read_table

ID = ("身份证号", "身份证号码", "公民身份号码", "id_number")
NAME = ("姓名", "name")
NOT_MARKED = {"", "0", "否", "无", "n", "no", "-", "—", "×"}
MODES = {
    "寄宿": CareMode.RESIDENTIAL,
    "寄宿制": CareMode.RESIDENTIAL,
    "日间": CareMode.DAY,
    "日间照料": CareMode.DAY,
    "居家": CareMode.HOME,
    "居家托养": CareMode.HOME,
    **{m: m for m in CareMode.values},
}
BASES = {"计件": WageBasis.PIECE, "计时": WageBasis.HOURS, **{b: b for b in WageBasis.values}}


def _col(header: list[str], names: tuple[str, ...]) -> str | None:
    return next((n for n in names if n in header), None)


def _date(text: str) -> dt.date | None:
    text = (text or "").strip()[:10].replace("/", "-").replace(".", "-")
    m = re.fullmatch(r"(\d{4})-?(\d{1,2})-?(\d{1,2})", text) or re.fullmatch(
        r"(\d{4})年(\d{1,2})月(\d{1,2})日?", text
    )
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _month(text: Any) -> dt.date | None:
    m = re.match(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})", str(text or ""))
    if not m or not 1 <= int(m.group(2)) <= 12:
        return None
    return dt.date(int(m.group(1)), int(m.group(2)), 1)


def _people(actor: Any, ids: set[str]) -> dict[str, Person]:
    qs = Person.objects.all() if is_system(actor) else Person.objects.for_user(actor, "persons.view")
    return {p.id_number: p for p in qs.filter(id_number__in=sorted(ids))}


def _rows(
    table: Table, required: dict[str, tuple[str, ...]]
) -> tuple[dict[str, str], list[tuple[int, dict[str, str]]]]:
    cols = {key: _col(table.header, names) for key, names in required.items()}
    missing = [names[0] for key, names in required.items() if cols[key] is None and key in ("id",)]
    if missing:
        raise ValidationFailed(
            _("The file needs the column %(col)s.") % {"col": missing[0]}, code="bad_header"
        )
    rows = [(n, d) for n, d in table.dicts() if any(v.strip() for v in d.values())]
    return cols, rows  # type: ignore[return-value]


def _run_rows(actor: Any, rows: list[tuple[int, dict[str, str]]], cols: dict[str, str], write: Any) -> int:
    """Call ``write(row_no, cell)`` for each row in a savepoint; collect every row's error; raise them
    all (the caller's transaction then rolls back) or return the rows written."""
    errors: list[RowError] = []
    people = _people(actor, {(d.get(cols["id"]) or "").strip().upper() for _n, d in rows})
    for row_no, data in rows:

        def cell(key: str, data: dict[str, str] = data) -> str:
            column = cols.get(key)
            return (data.get(column) or "").strip() if column else ""

        id_number = cell("id").upper()
        person = people.get(id_number)
        if person is None:
            errors.append(
                RowError(
                    row_no,
                    cols["id"],
                    _("No registered person with this ID number in your region."),
                    id_number,
                )
            )
            continue
        if cols.get("name") and cell("name") and cell("name") != person.name:
            errors.append(
                RowError(
                    row_no,
                    cols["name"],
                    _("The name does not match the ID number (%(name)s).") % {"name": person.name},
                    cell("name"),
                )
            )
            continue
        try:
            with transaction.atomic():
                write(row_no, cell, person)
        except (NotFound, PermissionDenied):
            raise
        except ValidationFailed as exc:
            for e in exc.errors or [RowError(row_no, exc.field or "", exc.message)]:
                errors.append(RowError(row_no, e.field, e.message, e.value))
        except DomainError as exc:
            errors.append(RowError(row_no, exc.field or "", exc.message))
    if errors:
        raise ValidationFailed(errors=errors, field=errors[0].field)
    return len(rows)


@transaction.atomic
def members_import(*, actor: Any, home_id: Any, path: str | Path, name: str | None = None) -> int:
    home = lock_for(actor, Home, home_id, act="community.record")
    table = read_table(path, name=name)
    cols, rows = _rows(table, {"id": ID, "name": NAME, "starts_on": ("入会日期", "开始日期", "starts_on")})

    def write(row_no: int, cell: Any, person: Person) -> None:
        day = _date(cell("starts_on"))
        if day is None:
            raise ValidationFailed(
                errors=[
                    RowError(
                        row_no,
                        cols.get("starts_on") or "入会日期",
                        _("Enter a date as YYYY-MM-DD."),
                        cell("starts_on"),
                    )
                ]
            )
        actions.member_enrol(actor=actor, home_id=home.pk, person_id=person.pk, starts_on=day, row=row_no)

    n = _run_rows(actor, rows, cols, write)
    audit_record(
        actor=actor,
        event=CommunityEvent.MEMBERS_IMPORTED,
        obj=home,
        region_code=home.region_code,
        new={"file": name or Path(path).name, "rows": n},
    )
    return n


@transaction.atomic
def residents_import(*, actor: Any, institution_id: Any, path: str | Path, name: str | None = None) -> int:
    table = read_table(path, name=name)
    cols, rows = _rows(
        table,
        {
            "id": ID,
            "name": NAME,
            "mode": ("托养方式", "mode"),
            "admitted_on": ("入住日期", "admitted_on"),
            "fee": ("月收费", "monthly_fee"),
        },
    )

    def write(row_no: int, cell: Any, person: Person) -> None:
        mode = MODES.get(cell("mode"), cell("mode"))
        day = _date(cell("admitted_on"))
        if day is None:
            raise ValidationFailed(
                errors=[
                    RowError(
                        row_no,
                        cols.get("admitted_on") or "入住日期",
                        _("Enter a date as YYYY-MM-DD."),
                        cell("admitted_on"),
                    )
                ]
            )
        actions.resident_admit(
            actor=actor,
            institution_id=institution_id,
            person_id=person.pk,
            mode=mode,
            admitted_on=day,
            monthly_fee=cell("fee") or 0,
            row=row_no,
        )

    n = _run_rows(actor, rows, cols, write)
    audit_record(
        actor=actor,
        event=CommunityEvent.RESIDENTS_IMPORTED,
        object_type="institution",
        object_id=institution_id,
        new={"file": name or Path(path).name, "rows": n},
    )
    return n


@transaction.atomic
def workers_import(*, actor: Any, institution_id: Any, path: str | Path, name: str | None = None) -> int:
    table = read_table(path, name=name)
    cols, rows = _rows(
        table,
        {
            "id": ID,
            "name": NAME,
            "number": ("协议编号", "agreement_number"),
            "from": ("协议开始", "agreement_from"),
            "to": ("协议结束", "agreement_to"),
            "basis": ("计酬方式", "wage_basis"),
            "rate": ("时薪", "hourly_rate"),
            "bank": ("开户行", "bank_name"),
            "account": ("账号", "bank_account"),
            "holder": ("户名", "account_holder"),
        },
    )

    def write(row_no: int, cell: Any, person: Person) -> None:
        start = _date(cell("from"))
        if start is None:
            raise ValidationFailed(
                errors=[
                    RowError(
                        row_no, cols.get("from") or "协议开始", _("Enter a date as YYYY-MM-DD."), cell("from")
                    )
                ]
            )
        actions.worker_sign(
            actor=actor,
            institution_id=institution_id,
            person_id=person.pk,
            agreement_number=cell("number"),
            agreement_from=start,
            agreement_to=_date(cell("to")) if cell("to") else None,
            wage_basis=BASES.get(cell("basis"), cell("basis") or WageBasis.PIECE),
            hourly_rate=cell("rate") or 0,
            bank_name=cell("bank"),
            bank_account=cell("account"),
            account_holder=cell("holder"),
            row=row_no,
        )

    n = _run_rows(actor, rows, cols, write)
    audit_record(
        actor=actor,
        event=CommunityEvent.WORKERS_IMPORTED,
        object_type="institution",
        object_id=institution_id,
        new={"file": name or Path(path).name, "rows": n},
    )
    return n


@transaction.atomic
def attendance_import(
    *, actor: Any, home_id: Any, path: str | Path, name: str | None = None, month: Any = None
) -> dict[str, int]:
    """A home's attendance sheet; returns {"rows": member-days read, "added": …, "skipped": already recorded}."""
    home = lock_for(actor, Home, home_id, act="community.record")
    table = read_table(path, name=name)
    id_col, date_col, month_col = (
        _col(table.header, ID),
        _col(table.header, ("日期", "签到日期", "date")),
        _col(table.header, ("月份", "month")),
    )
    day_cols = [h for h in table.header if h.strip().isdigit() and 1 <= int(h) <= 31]
    if id_col is None or (date_col is None and not day_cols):
        raise ValidationFailed(
            _(
                "The file needs the columns 身份证号 and 日期 (one row per member and day), or 身份证号 and the days 1–31 of a month."
            ),
            code="bad_header",
        )
    default_month = _month(month) if month else None
    members = {
        m.person.id_number: m
        for m in HomeMember.objects.filter(home=home).select_related("person").order_by("starts_on")
    }
    errors: list[RowError] = []
    pairs: list[tuple[int, dt.date]] = []
    today = timezone.localdate()
    for row_no, data in table.dicts():
        if not any(v.strip() for v in data.values()):
            continue
        id_number = (data.get(id_col) or "").strip().upper()
        member = members.get(id_number)
        if member is None:
            errors.append(RowError(row_no, id_col, _("Not a member of this home."), id_number))
            continue
        days: list[tuple[str, dt.date | None, str]] = []
        if date_col is not None:
            raw = data.get(date_col) or ""
            days.append((date_col, _date(raw), raw))
        else:
            first = (
                _month(data.get(month_col))
                if month_col and (data.get(month_col) or "").strip()
                else default_month
            )
            if first is None:
                errors.append(
                    RowError(
                        row_no,
                        month_col or "月份",
                        _("Give the month (YYYY-MM)."),
                        data.get(month_col or "", ""),
                    )
                )
                continue
            for col in day_cols:
                mark = (data.get(col) or "").strip()
                if mark.lower() in NOT_MARKED:
                    continue
                try:
                    days.append((col, first.replace(day=int(col)), mark))
                except ValueError:
                    days.append((col, None, mark))
        for col, day, raw in days:
            if day is None:
                errors.append(RowError(row_no, col, _("Not a date."), raw))
            elif day > today:
                errors.append(RowError(row_no, col, _("The day is in the future."), str(day)))
            else:
                # A person may have been a member more than once: the membership holding the day.
                holder = (
                    next(
                        (
                            m
                            for m in HomeMember.objects.filter(
                                home=home, person=member.person, starts_on__lte=day
                            ).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))
                        ),
                        None,
                    )
                    if not member.active_on(day)
                    else member
                )
                if holder is None:
                    errors.append(RowError(row_no, col, _("Not a member on this day."), str(day)))
                else:
                    pairs.append((holder.pk, day))
    if errors:
        raise ValidationFailed(errors=errors, field=errors[0].field)
    added = actions.attendance_insert(actor=actor, pairs=pairs, source=AttendanceSource.UPLOAD)
    distinct = len(set(pairs))
    audit_record(
        actor=actor,
        event=CommunityEvent.ATTENDANCE_IMPORTED,
        obj=home,
        region_code=home.region_code,
        new={"file": name or Path(path).name, "rows": distinct, "added": added},
    )
    return {"rows": distinct, "added": added, "skipped": distinct - added}
