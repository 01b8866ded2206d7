"""Assisted employment: the project library, workers' labour agreements (own bank account in the
worker's name), monthly output or hours, the configured minimum wage, and wage sheets: generated from
the month's output, approved by someone other than the generator, sent to the bank in the engine's
bank-file format (``programs.cycles.EXPORT_HEADER``) and closed with the bank's result file (the
engine's result columns and statuses)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_record, audit_sensitive_read
from canlian.core.institutions.actions.institutions import check_credit_code
from canlian.core.institutions.choices import InstitutionKind
from canlian.core.institutions.models import Institution
from canlian.domains.community import eligibility
from canlian.domains.community.actions._common import (
    APPROVE,
    MANAGE,
    PAY,
    RECORD,
    VIEW,
    institution_for,
    person_for,
)
from canlian.domains.community.choices import (
    Level,
    ProjectStatus,
    Purpose,
    SheetStatus,
    WageBasis,
    WageLineStatus,
    WorkerStatus,
)
from canlian.domains.community.events import CommunityEvent
from canlian.domains.community.models import MinimumWage, Project, WageLine, WageSheet, Worker, WorkOutput
from canlian.domains.community.models._base import effective_q, region_prefixes
from canlian.platform.access import authorize, is_system, lock_for, user_or_none
from canlian.platform.bulk import drop_temp_table, load_temp_table
from canlian.platform.errors import (
    Conflict,
    InvalidState,
    NotFound,
    PermissionDenied,
    RowError,
    ValidationFailed,
)
from canlian.platform.exports import Sheet, csv_bytes, xlsx_bytes
from canlian.platform.indicators import sources_changed
from canlian.platform.inputs import as_amount, as_choice, as_date, as_int, as_month, as_text, field_error
from canlian.platform.tabular import Table
from canlian.programs.cycles.actions import EXPORT_HEADER, parse_bank_results

WORK_KINDS = (
    InstitutionKind.EMPLOYMENT,
    InstitutionKind.HOME,
    InstitutionKind.CARE,
    InstitutionKind.EMPLOYMENT_BASE,
)
CENT = Decimal("0.01")
#: The program name a wage bank file carries (the engine's file names its program officially).
WAGE_PROGRAM_NAME = "辅助性就业工资"


def _name(text: str) -> str:
    return re.sub(r"[\s·•.]", "", unicodedata.normalize("NFKC", text or ""))


def check_own_account(person: Any, holder: str, *, row: int | None = None) -> None:
    """Wages go into the worker's own account: the holder must be the worker."""
    if _name(holder) != _name(person.name):
        raise field_error(
            "account_holder",
            _(
                "The account must be in the worker's own name (%(name)s); this one is in the name of %(holder)s."
            )
            % {"name": person.name, "holder": holder or "—"},
            holder,
            row=row,
        )


def _account(value: Any, *, row: int | None = None) -> str:
    account = re.sub(r"\s", "", str(value or ""))
    if not account:
        raise field_error("bank_account", _("This field is required."), row=row)
    if not account.isdigit() or not 10 <= len(account) <= 30:
        raise field_error("bank_account", _("A bank account number has 10 to 30 digits."), account, row=row)
    return account


@transaction.atomic
def project_save(
    *,
    actor: Any,
    region_code: Any,
    code: Any,
    name: Any,
    product: Any,
    partner_name: Any = "",
    partner_uscc: Any = "",
    difficulty: Any = Level.LOW,
    safety: Any = Level.HIGH,
    added_value: Any = Level.MEDIUM,
    market: Any = Level.MEDIUM,
    unit: Any = "件",
    piece_rate: Any = 0,
    status: Any = ProjectStatus.ACTIVE,
    institution_ids: Any = None,
    project_id: Any = None,
) -> Project:
    """Add a project to the library (or change one: ``project_id``); the partner's USCC is checked."""
    region = str(region_code or "").strip()
    authorize(actor, MANAGE, region)
    fields = {
        "code": as_text(code, "code", max_length=30, required=True),
        "name": as_text(name, "name", max_length=100, required=True),
        "product": as_text(product, "product", max_length=100, required=True),
        "partner_name": as_text(partner_name, "partner_name", max_length=100),
        "partner_uscc": check_credit_code(partner_uscc, "partner_uscc"),
        "difficulty": as_choice(difficulty, "difficulty", Level.choices),
        "safety": as_choice(safety, "safety", Level.choices),
        "added_value": as_choice(added_value, "added_value", Level.choices),
        "market": as_choice(market, "market", Level.choices),
        "unit": as_text(unit, "unit", max_length=20) or "件",
        "status": as_choice(status, "status", ProjectStatus.choices),
        "region_code": region,
    }
    rate = str(piece_rate if piece_rate not in (None, "") else "0").strip()
    try:
        fields["piece_rate"] = Decimal(rate).quantize(Decimal("0.001"))
        if fields["piece_rate"] < 0 or Decimal(rate) != fields["piece_rate"]:
            raise ArithmeticError
    except ArithmeticError as exc:
        raise field_error(
            "piece_rate", _("Enter a piece rate in yuan (at most three decimals)."), piece_rate
        ) from exc
    if project_id not in (None, ""):
        project = lock_for(actor, Project.objects, project_id, act=MANAGE)
        for k, v in fields.items():
            setattr(project, k, v)
        try:
            with transaction.atomic():
                project.save()
        except IntegrityError as exc:
            raise Conflict(_("The code %(code)s is taken.") % {"code": fields["code"]}, field="code") from exc
    else:
        try:
            with transaction.atomic():
                project = Project.objects.create(created_by=user_or_none(actor), **fields)
        except IntegrityError as exc:
            raise Conflict(_("The code %(code)s is taken.") % {"code": fields["code"]}, field="code") from exc
    if institution_ids is not None:
        ids = [int(i) for i in institution_ids if str(i).strip()]
        insts = (
            list(Institution.objects.for_user(actor, VIEW).filter(pk__in=ids))
            if not is_system(actor)
            else list(Institution.objects.filter(pk__in=ids))
        )
        if len(insts) != len(set(ids)):
            raise field_error("institution_ids", _("Choose institutions of your region."))
        project.institutions.set(insts)
    sources_changed("community")
    audit_record(
        actor=actor,
        event=CommunityEvent.PROJECT_SAVED,
        obj=project,
        region_code=region,
        new={k: str(v) for k, v in fields.items()},
    )
    return project


@transaction.atomic
def worker_sign(
    *,
    actor: Any,
    institution_id: Any,
    person_id: Any,
    agreement_number: Any,
    agreement_from: Any,
    bank_name: Any,
    bank_account: Any,
    account_holder: Any,
    agreement_to: Any = None,
    weekly_hours: Any = 20,
    wage_basis: Any = WageBasis.PIECE,
    hourly_rate: Any = 0,
    project_id: Any = None,
    row: int | None = None,
) -> Worker:
    """A worker's signed labour agreement: a registered person of working age in an eligible category
    (the worker rule list), their own bank account in their own name."""
    inst = institution_for(actor, institution_id, act=RECORD, kinds=WORK_KINDS)
    person = person_for(actor, person_id)
    start = as_date(agreement_from, "agreement_from", row=row)
    end = as_date(agreement_to, "agreement_to", required=False, row=row)
    if end is not None and end < start:
        raise field_error("agreement_to", _("The end lies before the start."), end, row=row)
    eligibility.require(Purpose.WORKER, person, start)
    holder = as_text(account_holder, "account_holder", max_length=50, required=True, row=row)
    check_own_account(person, holder, row=row)
    basis = as_choice(wage_basis, "wage_basis", WageBasis.choices, row=row)
    rate = as_amount(hourly_rate if hourly_rate not in (None, "") else 0, "hourly_rate", row=row)
    if basis == WageBasis.HOURS and not rate:
        raise field_error("hourly_rate", _("Paid by the hour: give the hourly rate."), hourly_rate, row=row)
    hours = as_amount(weekly_hours if weekly_hours not in (None, "") else 20, "weekly_hours", row=row)
    project = None
    if project_id not in (None, ""):
        project = Project.objects.filter(pk=as_int(project_id, "project_id", row=row)).first()
        if project is None:
            raise field_error("project_id", _("Unknown project."), project_id, row=row)
    if Worker.objects.filter(person=person, status=WorkerStatus.ACTIVE).exists():
        raise Conflict(
            _("%(name)s already has an agreement in force.") % {"name": person.name}, field="person_id"
        )
    try:
        with transaction.atomic():
            worker = Worker.objects.create(
                institution=inst,
                person=person,
                region_code=inst.region_code,
                agreement_number=as_text(
                    agreement_number, "agreement_number", max_length=40, required=True, row=row
                ),
                agreement_from=start,
                agreement_to=end,
                weekly_hours=hours,
                wage_basis=basis,
                hourly_rate=rate,
                project=project,
                bank_name=as_text(bank_name, "bank_name", max_length=60, required=True, row=row),
                bank_account=_account(bank_account, row=row),
                account_holder=holder,
                created_by=user_or_none(actor),
            )
    except IntegrityError as exc:
        raise Conflict(
            _("%(name)s already has an agreement in force.") % {"name": person.name}, field="person_id"
        ) from exc
    sources_changed("community", year=start.year)
    audit_record(
        actor=actor,
        event=CommunityEvent.WORKER_SIGNED,
        obj=worker,
        region_code=inst.region_code,
        new={"person": person.pk, "from": str(start), "basis": basis, "account": worker.masked_account},
    )
    return worker


@transaction.atomic
def worker_end(*, actor: Any, worker_id: Any, ended_on: Any) -> Worker:
    worker = lock_for(actor, Worker, worker_id, act=RECORD)
    if worker.status != WorkerStatus.ACTIVE:
        raise InvalidState(_("The agreement has already ended."), code="worker_ended")
    day = as_date(ended_on, "ended_on")
    if day < worker.agreement_from:
        raise field_error(
            "ended_on", _("The agreement started on %(day)s.") % {"day": worker.agreement_from}, day
        )
    worker.status, worker.ended_on = WorkerStatus.ENDED, day
    worker.save(update_fields=["status", "ended_on"])
    sources_changed("community", year=day.year)
    audit_record(
        actor=actor,
        event=CommunityEvent.WORKER_ENDED,
        obj=worker,
        region_code=worker.region_code,
        new={"ended_on": str(day)},
    )
    return worker


def worker_reveal_account(*, actor: Any, worker_id: Any) -> str:
    """The worker's full bank account, for someone who may see the worker; recorded as a sensitive read."""
    if is_system(actor):
        worker = Worker.objects.get(pk=worker_id)
    else:
        try:
            worker = Worker.objects.for_user(actor, VIEW).get(pk=int(worker_id))
        except (Worker.DoesNotExist, ValueError, TypeError) as exc:
            raise NotFound() from exc
        if not (actor.has_canlian_perm(RECORD) or actor.has_canlian_perm(PAY)):
            raise PermissionDenied()
    with transaction.atomic():
        audit_sensitive_read(
            actor=actor,
            event=CommunityEvent.ACCOUNT_REVEALED,
            obj=worker,
            region_code=worker.region_code,
            person=worker.person_id,
        )
    return worker.bank_account


@transaction.atomic
def output_record(
    *,
    actor: Any,
    worker_id: Any,
    month: Any,
    pieces: Any = 0,
    hours: Any = 0,
    project_id: Any = None,
    row: int | None = None,
) -> WorkOutput:
    """A worker's output of a project (pieces) or hours in a month; recording again replaces it."""
    worker = lock_for(actor, Worker, worker_id, act=RECORD)
    first = as_month(month, "month", row=row)
    if first > timezone.localdate():
        raise field_error("month", _("The month is in the future."), first, row=row)
    if first < worker.agreement_from.replace(day=1) or (worker.agreement_to and first > worker.agreement_to):
        raise field_error(
            "month", _("The month lies outside the worker's agreement."), f"{first:%Y-%m}", row=row
        )

    def number(value: Any, name: str) -> Decimal:
        try:
            d = Decimal(str(value if value not in (None, "") else 0).strip())
        except ArithmeticError as exc:
            raise field_error(name, _("Enter a number."), value, row=row) from exc
        if not d.is_finite() or d < 0 or d != d.quantize(Decimal("0.1")):
            raise field_error(
                name, _("Enter a number of at least 0 with at most one decimal."), value, row=row
            )
        return d

    pieces_d, hours_d = number(pieces, "pieces"), number(hours, "hours")
    project = None
    if project_id not in (None, ""):
        project = Project.objects.filter(pk=as_int(project_id, "project_id", row=row)).first()
        if project is None:
            raise field_error("project_id", _("Unknown project."), project_id, row=row)
    if worker.wage_basis == WageBasis.PIECE and project is None and pieces_d:
        raise field_error("project_id", _("Pieces count for a project: choose it."), project_id, row=row)
    WorkOutput.objects.filter(worker=worker, month=first, project=project).delete()
    output = WorkOutput.objects.create(
        worker=worker,
        institution_id=worker.institution_id,
        region_code=worker.region_code,
        month=first,
        project=project,
        pieces=pieces_d,
        hours=hours_d,
        recorded_by=user_or_none(actor),
    )
    audit_record(
        actor=actor,
        event=CommunityEvent.OUTPUT_RECORDED,
        obj=output,
        region_code=worker.region_code,
        new={
            "month": f"{first:%Y-%m}",
            "project": project.pk if project else None,
            "pieces": str(pieces_d),
            "hours": str(hours_d),
        },
    )
    return output


@transaction.atomic
def minimum_wage_save(
    *, actor: Any, region_code: Any, valid_from: Any, monthly_amount: Any, valid_to: Any = None
) -> MinimumWage:
    code = str(region_code or "").strip()
    authorize(actor, MANAGE, code)
    start = as_date(valid_from, "valid_from")
    end = as_date(valid_to, "valid_to", required=False)
    amount = as_amount(monthly_amount, "monthly_amount")
    row, _created = MinimumWage.objects.update_or_create(
        region_code=code, valid_from=start, defaults={"monthly_amount": amount, "valid_to": end}
    )
    audit_record(
        actor=actor,
        event=CommunityEvent.STANDARD_SAVED,
        obj=row,
        region_code=code,
        new={"kind": "minimum_wage", "amount": str(amount), "valid_from": str(start)},
    )
    return row


def minimum_wage_for(region_code: str, on: dt.date) -> MinimumWage | None:
    rows = list(MinimumWage.objects.filter(effective_q(on), region_code__in=region_prefixes(region_code)))
    rows.sort(key=lambda m: (len(m.region_code), m.valid_from), reverse=True)
    return rows[0] if rows else None


def compute_wages(institution: Institution, month: dt.date) -> list[dict[str, Any]]:
    """Each worker's wage for the month from their output rows: pieces × the project's piece rate, or
    hours × the worker's hourly rate (to the cent, half up). Two queries."""
    last = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    workers = {
        w.pk: w
        for w in Worker.objects.filter(institution=institution, agreement_from__lte=last)
        .filter(Q(agreement_to__isnull=True) | Q(agreement_to__gte=month))
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=month))
        .select_related("person")
    }
    totals: dict[int, dict[str, Any]] = defaultdict(
        lambda: {"pieces": Decimal(0), "hours": Decimal(0), "amount": Decimal(0), "parts": []}
    )
    for out in WorkOutput.objects.filter(worker_id__in=list(workers), month=month).select_related("project"):
        w = workers[out.worker_id]
        t = totals[w.pk]
        t["pieces"] += out.pieces
        t["hours"] += out.hours
        if w.wage_basis == WageBasis.PIECE:
            rate = out.project.piece_rate if out.project else Decimal(0)
            part = out.pieces * rate
            t["parts"].append(
                f"{out.project.name if out.project else '—'}: {out.pieces} × {rate} = {part.quantize(CENT)}"
            )
        else:
            part = out.hours * w.hourly_rate
            t["parts"].append(f"{out.hours} h × {w.hourly_rate} = {part.quantize(CENT)}")
        t["amount"] += part
    rows = []
    for pk, t in totals.items():
        w = workers[pk]
        rows.append(
            {
                "worker": w,
                "pieces": t["pieces"],
                "hours": t["hours"],
                "amount": t["amount"].quantize(CENT, rounding=ROUND_HALF_UP),
                "parts": t["parts"],
            }
        )
    rows.sort(key=lambda r: r["worker"].pk)
    return rows


_WAGES = "tmp_community_wages"


@transaction.atomic
def wage_sheet_generate(*, actor: Any, institution_id: Any, month: Any) -> WageSheet:
    """The month's wage sheet of an institution. Refused, naming each worker, when a wage is below
    the configured minimum or an account is not in the worker's own name (nothing written).
    Regenerating replaces a sheet not yet approved."""
    inst = institution_for(actor, institution_id, act=PAY, kinds=WORK_KINDS)
    first = as_month(month, "month")
    if first > timezone.localdate().replace(day=1):
        raise field_error("month", _("The month is in the future."), f"{first:%Y-%m}")
    rows = compute_wages(inst, first)
    if not rows:
        raise InvalidState(
            _("No output or hours are recorded for %(month)s.") % {"month": f"{first:%Y-%m}"},
            code="no_output",
        )
    minimum = minimum_wage_for(inst.region_code, first)
    errors: list[RowError] = []
    for r in rows:
        w = r["worker"]
        if _name(w.account_holder) != _name(w.person.name):
            errors.append(
                RowError(
                    None,
                    "account_holder",
                    _("%(name)s: the account is in the name of %(holder)s, not the worker's own.")
                    % {"name": w.person.name, "holder": w.account_holder},
                    w.account_holder,
                )
            )
        if minimum is not None and r["amount"] < minimum.monthly_amount:
            errors.append(
                RowError(
                    None,
                    "amount",
                    _("%(name)s: the wage %(amount)s is below the minimum of %(minimum)s.")
                    % {"name": w.person.name, "amount": r["amount"], "minimum": minimum.monthly_amount},
                    str(r["amount"]),
                )
            )
    if errors:
        raise ValidationFailed(errors=errors, field=errors[0].field, code="wages_refused")
    sheet = WageSheet.objects.select_for_update().filter(institution=inst, month=first).first()
    if sheet is not None and sheet.status != SheetStatus.GENERATED:
        raise InvalidState(
            _("The wage sheet of %(month)s is already approved.") % {"month": f"{first:%Y-%m}"},
            code="sheet_approved",
        )
    if sheet is None:
        sheet = WageSheet.objects.create(institution=inst, region_code=inst.region_code, month=first)
    else:
        sheet.lines.all().delete()
    sheet.mark_generated(actor)
    import json

    load_temp_table(
        _WAGES,
        [
            ("worker_id", "bigint"),
            ("person_id", "bigint"),
            ("basis", "varchar(6)"),
            ("pieces", "numeric(10,1)"),
            ("hours", "numeric(6,1)"),
            ("amount", "numeric(10,2)"),
            ("bank_name", "varchar(60)"),
            ("bank_account", "varchar(40)"),
            ("holder", "varchar(50)"),
            ("detail", "text"),
        ],
        [
            (
                r["worker"].pk,
                r["worker"].person_id,
                r["worker"].wage_basis,
                r["pieces"],
                r["hours"],
                r["amount"],
                r["worker"].bank_name,
                r["worker"].bank_account,
                r["worker"].account_holder,
                json.dumps(
                    {"parts": r["parts"], "minimum": str(minimum.monthly_amount) if minimum else None},
                    ensure_ascii=False,
                ),
            )
            for r in rows
        ],
    )
    try:
        with connection.cursor() as cursor:
            detail = "CAST(detail AS jsonb)" if connection.vendor == "postgresql" else "detail"
            cursor.execute(
                f"""INSERT INTO {WageLine._meta.db_table} (sheet_id, worker_id, person_id, institution_id, region_code,
                      basis, pieces, hours, amount, bank_name, bank_account, account_holder, status, paid_on,
                      failure_reason, detail)
                    SELECT %s, worker_id, person_id, %s, %s, basis, pieces, hours, amount, bank_name, bank_account,
                      holder, 'pending', NULL, '', {detail} FROM {_WAGES}""",
                [sheet.pk, inst.pk, inst.region_code],
            )
    finally:
        drop_temp_table(_WAGES)
    sheet.total_amount = sum((r["amount"] for r in rows), Decimal("0.00"))
    sheet.line_count = len(rows)
    sheet.save()
    audit_record(
        actor=actor,
        event=CommunityEvent.WAGES_GENERATED,
        obj=sheet,
        region_code=inst.region_code,
        new={"month": f"{first:%Y-%m}", "workers": len(rows), "total": str(sheet.total_amount)},
    )
    return sheet


@transaction.atomic
def wage_sheet_approve(*, actor: Any, sheet_id: Any) -> WageSheet:
    sheet = lock_for(actor, WageSheet, sheet_id, act=APPROVE)
    if sheet.status != SheetStatus.GENERATED:
        raise InvalidState(_("Only a generated sheet can be approved."), code="sheet_not_generated")
    sheet.mark_approved(
        actor, refusal=_("The wage sheet must be approved by someone other than the person who generated it.")
    )
    sheet.status = SheetStatus.APPROVED
    sheet.save()
    sources_changed("community", year=sheet.month.year, month=sheet.month.month)
    audit_record(
        actor=actor,
        event=CommunityEvent.WAGES_APPROVED,
        obj=sheet,
        region_code=sheet.region_code,
        new={"total": str(sheet.total_amount)},
    )
    return sheet


def _bank_rows(sheet: WageSheet, *, typed: bool) -> Any:
    lines = (
        WageLine.objects.filter(sheet=sheet)
        .exclude(status=WageLineStatus.FAILED)
        .order_by("id")
        .values_list(
            "id", "person__name", "person__id_number", "bank_name", "bank_account", "account_holder", "amount"
        )
    )
    for pk, name, id_number, bank, account, holder, amount in lines.iterator(chunk_size=2000):
        yield [
            pk,
            name,
            id_number,
            bank,
            account,
            holder,
            Decimal(amount) if typed else amount,
            f"{sheet.month:%Y-%m}",
            str(_("Regular")),
            WAGE_PROGRAM_NAME,
        ]


@transaction.atomic
def wage_sheet_export(*, actor: Any, sheet_id: Any, fmt: str = "xlsx") -> tuple[bytes, str]:
    """The bank payment file of an approved sheet in the engine's format (line, name, ID number, bank,
    account, holder, amount, period, kind, program), as (bytes, file name); audited, the sheet becomes
    "sent to the bank"."""
    if fmt not in ("xlsx", "csv"):
        raise field_error("fmt", _("Choose xlsx or csv."), fmt)
    sheet = lock_for(actor, WageSheet, sheet_id, act=PAY, related=("institution",))
    if sheet.status not in (SheetStatus.APPROVED, SheetStatus.EXPORTED):
        raise InvalidState(
            _("Only an approved sheet can be sent to the bank; this one is %(status)s.")
            % {"status": sheet.get_status_display()},
            code="sheet_not_approved",
        )
    header = [_(label) for _key, label in EXPORT_HEADER]
    if fmt == "csv":
        data, rows = csv_bytes(header, _bank_rows(sheet, typed=False))
    else:
        data, rows = xlsx_bytes([Sheet(f"{sheet.month:%Y-%m}", header, _bank_rows(sheet, typed=True))])
    old = sheet.status
    sheet.status, sheet.exported_at = SheetStatus.EXPORTED, timezone.now()
    sheet.save(update_fields=["status", "exported_at"])
    audit_record(
        actor=actor,
        event=CommunityEvent.WAGES_EXPORTED,
        obj=sheet,
        region_code=sheet.region_code,
        old={"status": old},
        new={"status": sheet.status, "format": fmt, "rows": rows, "total": str(sheet.total_amount)},
    )
    return data, f"wages-{sheet.institution.code}-{sheet.month:%Y%m}.{fmt}"


@transaction.atomic
def wage_sheet_record_results(*, actor: Any, sheet_id: Any, table: Table) -> dict[str, int]:
    """Mark the sheet's lines paid or failed from the bank's result file (the engine's columns: line,
    or ID number and period; status 成功/失败; reason; paid date). All or nothing."""
    sheet = lock_for(actor, WageSheet, sheet_id, act=PAY)
    if sheet.status not in (SheetStatus.EXPORTED, SheetStatus.CLOSED):
        raise InvalidState(
            _("Results can be recorded only after the file was sent to the bank."), code="sheet_not_exported"
        )
    parsed, errors = parse_bank_results(table)
    lines = {line.pk: line for line in WageLine.objects.filter(sheet=sheet).select_related("person")}
    by_id = {(line.person.id_number, sheet.month): pk for pk, line in lines.items()}
    updates: dict[int, tuple[str, str, Any]] = {}
    for number, line_id, id_number, period, status, reason, paid_on in parsed:
        key = line_id if line_id is not None else by_id.get((id_number, period))
        if key not in lines:
            errors.append(
                RowError(number, "line", _("No line of this sheet matches."), str(line_id or id_number))
            )
            continue
        if key in updates:
            errors.append(RowError(number, "line", _("The line appears more than once."), str(key)))
            continue
        current = lines[key].status
        if current != WageLineStatus.PENDING and current != status:
            errors.append(
                RowError(
                    number,
                    "status",
                    _("The line is already recorded as %(status)s.")
                    % {"status": WageLineStatus(current).label},
                    status,
                )
            )
            continue
        updates[key] = (status, reason, paid_on)
    if errors:
        errors.sort(key=lambda e: e.row or 0)
        raise ValidationFailed(errors=errors)
    today = timezone.localdate()
    for key, (status, reason, paid_on) in updates.items():
        WageLine.objects.filter(pk=key).update(
            status=status,
            paid_on=(paid_on or today) if status == WageLineStatus.PAID else None,
            failure_reason=reason if status == WageLineStatus.FAILED else "",
        )
    counts = dict(
        WageLine.objects.filter(sheet=sheet).values_list("status").annotate(n=Count("id")).order_by()
    )
    if not counts.get(WageLineStatus.PENDING):
        sheet.status = SheetStatus.CLOSED
        sheet.save(update_fields=["status"])
    sources_changed("community", year=sheet.month.year, month=sheet.month.month)
    paid = sum(1 for s, _r, _p in updates.values() if s == WageLineStatus.PAID)
    audit_record(
        actor=actor,
        event=CommunityEvent.WAGES_RESULTS,
        obj=sheet,
        region_code=sheet.region_code,
        new={"rows": len(updates), "paid": paid, "failed": len(updates) - paid, "status": sheet.status},
    )
    return {"paid": paid, "failed": len(updates) - paid, "pending": counts.get(WageLineStatus.PENDING, 0)}
