"""Monthly payment cycles: generate (one set-based INSERT … SELECT), approve (maker-checker), export
the bank file, record the bank's results.

Generation writes every payment line of a program, region and month in one statement, inside one
transaction with the cycle's totals and its audit row: a crash leaves nothing, a re-run adds only
the lines still missing. The partial unique key (period, enrollment) over lines that did not fail is
the guarantee against duplicates (``ON CONFLICT DO NOTHING``); the ``NOT EXISTS`` keeps a re-run
from even trying. The standard of each line is chosen in SQL exactly as ``eligibility.standard_for``
chooses it (longest region prefix, then most keys, then latest start), with ``ROW_NUMBER``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from canlian.core.audit.actions import audit_record
from canlian.core.permissions import Perm
from canlian.core.registry.models import Person
from canlian.platform.access import authorize, lock_for
from canlian.platform.bulk import drop_temp_table, is_postgres, load_temp_table, without_jit
from canlian.platform.dates import date_of as _as_date
from canlian.platform.errors import InvalidState, NotFound, RowError, ValidationFailed
from canlian.platform.exports import Sheet, csv_bytes, xlsx_bytes
from canlian.platform.indicators import sources_changed
from canlian.platform.tabular import Table
from canlian.programs.choices import CycleStatus, EnrollmentStatus, LineKind, LineStatus, ProgramKind
from canlian.programs.cycles.month_sql import verdict_ctes
from canlian.programs.models import (
    Enrollment,
    PaymentCycle,
    PaymentLine,
    Program,
    add_months,
    month_start,
)

#: Audit event codes of cycles (stable strings; see canlian.core.audit.events).
EVENT_GENERATED = "cycle.generated"
EVENT_APPROVED = "cycle.approved"
EVENT_EXPORTED = "cycle.exported"
EVENT_RESULTS = "cycle.results_recorded"

CENT = Decimal("0.01")

#: Statuses in which a cycle may no longer be (re)generated.
FROZEN = (CycleStatus.APPROVED, CycleStatus.EXPORTED, CycleStatus.CLOSED)


@dataclass
class GenerateResult:
    cycle: PaymentCycle
    created: int  # lines written by this run
    line_count: int  # lines of the cycle
    total_amount: Decimal
    no_standard: int  # enrollments owed a month for which no standard is in force
    by_kind: dict[str, int] = field(default_factory=dict)


def _program(program_code: str | None, program: Program | None) -> Program:
    if program is None:
        program = Program.objects.filter(code=program_code or "").first()
        if program is None:
            raise NotFound(_("No program has the code %(code)s.") % {"code": program_code}, field="program")
    if program.kind != ProgramKind.MONTHLY_CASH:
        raise InvalidState(
            _("%(program)s is not a monthly cash program.") % {"program": program.label}, code="not_monthly"
        )
    return program


def months_of(program: Program, month: dt.date) -> list[dt.date]:
    """The periods a cycle of ``month`` may pay: the arrears window up to the month itself."""
    return [add_months(month, -n) for n in range(program.arrears_months, -1, -1)]


# --- the SQL ---------------------------------------------------------------------------------------


def owed_pairs_sql(
    *,
    program: Program,
    region_code: str,
    enrollment_ids: list[int] | None = None,
    periods: list[dt.date] | None = None,
) -> tuple[str, list[Any]]:
    """``cand`` of a cycle: every month of the window an active enrollment is owed by its dates and
    not yet paid (a line that did not fail). Whether the rules pay it is ``month_sql``'s question.
    ``periods`` (the window) bounds the probe of the lines by constants: on PostgreSQL only the
    window's monthly partitions are read, not every month ever paid."""
    e, p, line = Enrollment._meta.db_table, Person._meta.db_table, PaymentLine._meta.db_table
    only = ""
    params: list[Any] = [program.pk, EnrollmentStatus.ACTIVE, f"{region_code}%"]
    if enrollment_ids is not None:
        only = f"AND e.id IN ({', '.join(['%s'] * len(enrollment_ids)) or 'NULL'})"
        params += list(enrollment_ids)
    window = ""
    if periods:
        window = "AND l.period >= %s AND l.period <= %s"
        params += [min(periods), max(periods)]
    sql = f"""
  SELECT e.id AS enrollment_id, e.person_id, e.region_code, e.bank_account, e.care_tier,
         p.birth_date, m.period, m.period_end
  FROM {e} e
  JOIN {p} p ON p.id = e.person_id
  JOIN months m ON m.period >= e.application_month
  WHERE e.program_id = %s AND e.status = %s AND e.region_code LIKE %s {only}
    AND (e.stopped_from IS NULL OR m.period < e.stopped_from)
    AND (p.life_status = 'living' OR p.life_status_date >= m.period)
    AND NOT EXISTS (SELECT 1 FROM {line} l WHERE l.period = m.period AND l.enrollment_id = e.id
                    AND l.status <> 'failed' {window})"""
    return sql, params


def candidates_sql(
    *, program: Program, region_code: str, month: dt.date, enrollment_ids: list[int] | None = None
) -> tuple[str, list[Any]]:
    """The CTEs of ``month_sql.verdict_ctes`` over the owed, unpaid months of the cycle's window."""
    periods = months_of(program, month)
    cand, cand_params = owed_pairs_sql(
        program=program, region_code=region_code, enrollment_ids=enrollment_ids, periods=periods
    )
    return verdict_ctes(
        program=program,
        region_code=region_code,
        periods=periods,
        cand_sql=cand,
        cand_params=cand_params,
    )


def _insert_parts(cycle: PaymentCycle, program: Program) -> tuple[str, str, list[Any]]:
    """The INSERT's head (table and columns) and its SELECT over ``ranked``, with the SELECT's
    parameters (after the CTEs'). The ORDER BY makes every read of the lines table (NOT EXISTS, the
    failed line to re-issue) finish before the first row is written: a scan interleaved with the
    inserts would wade through the statement's own new rows (quadratic on a table without
    statistics); it also appends to the (period, enrollment) key in order."""
    line = PaymentLine._meta.db_table
    periods = months_of(program, cycle.month)
    head = f"""INSERT INTO {line} (cycle_id, program_id, enrollment_id, person_id, region_code, period, amount,
                    standard_id, kind, status, reissue_of_id, bank_account, paid_on, failure_reason)"""
    select = f"""SELECT %s, %s, x.enrollment_id, x.person_id, x.region_code, x.period, x.amount, x.standard_id,
       CASE WHEN x.failed_id IS NOT NULL THEN %s WHEN x.period < %s THEN %s ELSE %s END,
       %s, x.failed_id, x.bank_account, NULL, ''
FROM (SELECT r.enrollment_id, r.person_id, r.region_code, r.period, r.bank_account,
             s.amount, s.id AS standard_id,
             (SELECT MAX(f.id) FROM {line} f WHERE f.enrollment_id = r.enrollment_id
              AND f.period = r.period AND f.status = 'failed'
              AND f.period >= %s AND f.period <= %s) AS failed_id
      FROM ranked r JOIN std s ON s.precedence = r.precedence) x
WHERE x.amount IS NOT NULL
ORDER BY x.period, x.enrollment_id
ON CONFLICT (period, enrollment_id) WHERE NOT (status = 'failed') DO NOTHING"""
    params = [
        cycle.pk,
        program.pk,
        LineKind.REISSUE,
        cycle.month,
        LineKind.ARREARS,
        LineKind.REGULAR,
        LineStatus.PENDING,
        periods[0],
        periods[-1],
    ]
    return head, select, params


def insert_lines_sql(
    *, cycle: PaymentCycle, program: Program, enrollment_ids: list[int] | None = None
) -> tuple[str, list[Any]]:
    """The one statement that writes a cycle's missing lines (see ``_insert_parts``)."""
    ctes, params = candidates_sql(
        program=program, region_code=cycle.region_code, month=cycle.month, enrollment_ids=enrollment_ids
    )
    head, select, select_params = _insert_parts(cycle, program)
    # INSERT first, then the CTEs: SQLite's driver reports the row count only for statements that
    # start with INSERT; both databases accept a WITH query as the INSERT's source.
    return f"{head}\n{ctes}\n{select}", params + select_params


def insert_and_unpaid_sql(
    *, cycle: PaymentCycle, program: Program, enrollment_ids: list[int] | None = None
) -> tuple[str, list[Any]]:
    """PostgreSQL: the INSERT of ``insert_lines_sql`` as a data-modifying CTE, and in the same
    statement what ``_unpaid_after_insert`` would read afterwards — the owed months it did not pay
    (the months the rules refuse, and those qualifying with no standard) — from the same verdicts,
    computed once. One row (enrollment NULL) carries the count of lines written; the others, one
    per enrollment with an unpaid month: (enrollment, first refused month, 1 when a month qualified)."""
    ctes, params = candidates_sql(
        program=program, region_code=cycle.region_code, month=cycle.month, enrollment_ids=enrollment_ids
    )
    head, select, select_params = _insert_parts(cycle, program)
    sql = f"""{ctes},
ins AS ({head}
{select}
RETURNING enrollment_id, period)
SELECT NULL, NULL, NULL, (SELECT COUNT(*) FROM ins)
UNION ALL
SELECT r.enrollment_id, MIN(CASE WHEN r.ok = 0 THEN r.period END), MAX(r.ok), NULL
FROM ranked r
WHERE NOT EXISTS (SELECT 1 FROM ins i WHERE i.enrollment_id = r.enrollment_id AND i.period = r.period)
GROUP BY r.enrollment_id"""
    return sql, params + select_params


def _unpaid_after_insert(
    *, program: Program, region_code: str, month: dt.date, enrollment_ids: list[int] | None = None
) -> tuple[int, dict[int, dt.date]]:
    """After the insert, the owed months still without a line: those the rules refuse (per enrollment,
    its first refused month) and the count of enrollments qualifying with no standard in force."""
    ctes, params = candidates_sql(
        program=program, region_code=region_code, month=month, enrollment_ids=enrollment_ids
    )
    sql = f"""{ctes}
SELECT enrollment_id, MIN(CASE WHEN ok = 0 THEN period END), MAX(ok)
FROM ranked GROUP BY enrollment_id"""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return _unpaid_of(cursor.fetchall())


def _unpaid_of(rows: Any) -> tuple[int, dict[int, dt.date]]:
    """(enrollments qualifying with no standard, {enrollment: first refused month}) from rows of
    (enrollment, first refused month, 1 when a month qualified)."""
    refused: dict[int, dt.date] = {}
    no_standard = 0
    for enrollment_id, first_refused, qualified in rows:
        if first_refused is not None:
            refused[enrollment_id] = _as_date(first_refused)
        if qualified:
            no_standard += 1
    return no_standard, refused


def month_verdicts(
    *, program: Program, region_code: str, month: dt.date, enrollment_ids: list[int] | None = None
) -> dict[tuple[int, dt.date], tuple[bool, int | None]]:
    """For every owed, unpaid (enrollment, month) of the cycle's window: whether the rules pay it and
    the standard that would (None when none is in force). What the cycle would write, without writing
    (the proof that the SQL and ``eligibility.explain_month`` agree reads it)."""
    ctes, params = candidates_sql(
        program=program, region_code=region_code, month=month_start(month), enrollment_ids=enrollment_ids
    )
    sql = f"""{ctes}
SELECT r.enrollment_id, r.period, r.ok, s.id
FROM ranked r LEFT JOIN std s ON s.precedence = r.precedence"""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {
            (enrollment_id, _as_date(period)): (bool(qualified), standard_id)
            for enrollment_id, period, qualified, standard_id in cursor.fetchall()
        }


def write_lines(
    *,
    cycle: PaymentCycle,
    program: Program,
    enrollment_ids: list[int] | None = None,
    fail_after_insert: bool = False,
) -> tuple[int, int, dict[int, dt.date]]:
    """Write the cycle's missing lines (of the given enrollments only, when named) and keep each
    enrollment's "no longer eligible since" mark: set to its first refused month, cleared when the
    cycle's own month is paid. Returns (lines written, enrollments without a standard, refused)."""
    window_start = months_of(program, cycle.month)[0]
    if cycle.first_period is None or window_start < cycle.first_period:
        # Before the lines: the bounds that reads of the cycle's lines name (PaymentLine.of_cycle).
        cycle.first_period = window_start
        PaymentCycle.objects.filter(pk=cycle.pk).update(first_period=window_start)
    if is_postgres():
        # One statement: the verdicts are computed once for the INSERT and for what it left unpaid.
        without_jit()  # the transaction is the cycle's (or the recovery's): see platform.bulk
        sql, params = insert_and_unpaid_sql(cycle=cycle, program=program, enrollment_ids=enrollment_ids)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        written = next(row[3] for row in rows if row[0] is None)
        no_standard, refused = _unpaid_of(row[:3] for row in rows if row[0] is not None)
    else:
        sql, params = insert_lines_sql(cycle=cycle, program=program, enrollment_ids=enrollment_ids)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            written = max(cursor.rowcount, 0)
        no_standard, refused = _unpaid_after_insert(
            program=program, region_code=cycle.region_code, month=cycle.month, enrollment_ids=enrollment_ids
        )
    if fail_after_insert:
        raise RuntimeError("forced failure after the INSERT (test)")
    paid_now = PaymentLine.objects.filter(cycle=cycle, period=cycle.month).exclude(status=LineStatus.FAILED)
    if enrollment_ids is not None:
        paid_now = paid_now.filter(enrollment_id__in=enrollment_ids)
    Enrollment.objects.filter(ineligible_since__isnull=False, pk__in=paid_now.values("enrollment_id")).update(
        ineligible_since=None
    )
    by_month: dict[dt.date, list[int]] = {}
    for enrollment_id, since in refused.items():
        by_month.setdefault(since, []).append(enrollment_id)
    for since, ids in by_month.items():
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            Enrollment.objects.filter(pk__in=chunk).filter(
                Q(ineligible_since__isnull=True) | Q(ineligible_since__gt=since)
            ).update(ineligible_since=since)
    return written, no_standard, refused


def cycle_retotal(cycle: PaymentCycle) -> dict[str, int]:
    """Recount the cycle's lines and total (saved by the caller); returns the lines per kind."""
    per_kind = list(
        PaymentLine.objects.of_cycle(cycle)
        .values_list("kind")
        .annotate(n=Count("id"), total=Sum("amount"))
        .order_by()
    )  # one read of the lines: the totals are the sums of the kinds'
    cycle.line_count = sum(n for _kind, n, _total in per_kind)
    cycle.total_amount = sum((total for _kind, _n, total in per_kind), Decimal("0")).quantize(CENT)
    return {kind: n for kind, n, _total in per_kind}


# --- actions ---------------------------------------------------------------------------------------


def cycle_generate(
    *,
    actor: Any,
    region_code: str,
    month: dt.date,
    program_code: str | None = None,
    program: Program | None = None,
    fail_after_insert: bool = False,
) -> GenerateResult:
    """Create or reuse the cycle of (program, region, month) and write its missing lines, all in one
    transaction. Refused once the cycle is approved. ``fail_after_insert`` raises after the INSERT
    (tests prove a crash there leaves nothing)."""
    program = _program(program_code, program)
    month = month_start(month)
    region_code = (region_code or "").strip()
    if not region_code:
        raise ValidationFailed(_("Choose the region of the cycle."), field="region_code")
    authorize(actor, Perm.PAYMENTS_GENERATE, region_code)
    from canlian.core.regions.models import Region

    if not Region.objects.filter(code=region_code).exists():
        raise ValidationFailed(_("Unknown region %(code)s.") % {"code": region_code}, field="region_code")
    with transaction.atomic():
        cycle, created = PaymentCycle.objects.select_for_update().get_or_create(
            program=program, region_code=region_code, month=month
        )
        if cycle.status in FROZEN:
            raise InvalidState(
                _("The cycle of %(month)s is already %(status)s: it cannot be generated again.")
                % {"month": f"{month:%Y-%m}", "status": cycle.get_status_display()},
                code="cycle_frozen",
            )
        before = {"status": cycle.status, "line_count": cycle.line_count, "total_amount": cycle.total_amount}
        written, no_standard, refused = write_lines(
            cycle=cycle, program=program, fail_after_insert=fail_after_insert
        )
        by_kind = cycle_retotal(cycle)
        if not cycle.line_count:
            # An empty cycle would go to approval and to the bank for nothing: refused (the
            # transaction rolls back, so not even the cycle row stays), saying why when it can.
            reasons = []
            if no_standard:
                reasons.append(_("%(count)s enrollments have no standard in force.") % {"count": no_standard})
            if refused:
                reasons.append(
                    _("%(count)s enrollments no longer meet the rules (see the warnings).")
                    % {"count": len(refused)}
                )
            raise InvalidState(
                " ".join(
                    [
                        str(
                            _("Nobody in %(region)s is due %(program)s for %(month)s: no cycle was created.")
                            % {"region": region_code, "program": program.label, "month": f"{month:%Y-%m}"}
                        ),
                        *map(str, reasons),
                    ]
                ),
                code="cycle_empty",
                details={"no_standard": no_standard, "no_longer_eligible": len(refused)},
            )
        cycle.status = CycleStatus.GENERATED
        cycle.mark_generated(actor)
        notes = []
        if refused:
            notes.append(
                _("%(count)s enrollments no longer meet the rules for some month (see the warnings).")
                % {"count": len(refused)}
            )
        if no_standard:
            notes.append(_("%(count)s enrollments have no standard in force.") % {"count": no_standard})
        cycle.note = " ".join(str(n) for n in notes)[:300]
        cycle.save(
            update_fields=["line_count", "total_amount", "status", "generated_by", "generated_at", "note"]
        )
        audit_record(
            actor=actor,
            event=EVENT_GENERATED,
            obj=cycle,
            old=None if created else before,
            new={
                "program": program.code,
                "month": month,
                "written": written,
                "line_count": cycle.line_count,
                "total_amount": cycle.total_amount,
                "by_kind": by_kind,
                "no_standard": no_standard,
                "no_longer_eligible": len(refused),
                "rerun": not created,
            },
        )
    return GenerateResult(
        cycle=cycle,
        created=written,
        line_count=cycle.line_count,
        total_amount=cycle.total_amount,
        no_standard=no_standard,
        by_kind=by_kind,
    )


@transaction.atomic
def cycle_approve(*, actor: Any, cycle_id: int) -> PaymentCycle:
    """Maker-checker: someone other than the generator approves a generated cycle."""
    cycle = lock_for(actor, PaymentCycle, cycle_id, permission=Perm.PAYMENTS_APPROVE, related=("program",))
    if cycle.status != CycleStatus.GENERATED:
        raise InvalidState(
            _("Only a generated cycle can be approved; this one is %(status)s.")
            % {"status": cycle.get_status_display()},
            code="cycle_not_generated",
        )
    cycle.mark_approved(
        actor,
        refusal=_(
            "The person who generated a cycle cannot approve it: another user must check and approve it."
        ),
    )
    cycle.status = CycleStatus.APPROVED
    cycle.save(update_fields=["status", "approved_by", "approved_at"])
    sources_changed("payments", year=cycle.month.year, month=cycle.month.month)  # its lines now count as paid
    audit_record(
        actor=actor,
        event=EVENT_APPROVED,
        obj=cycle,
        old={"status": CycleStatus.GENERATED},
        new={"status": cycle.status, "line_count": cycle.line_count, "total_amount": cycle.total_amount},
    )
    return cycle


#: Columns of the bank payment file.
EXPORT_HEADER = (
    ("line", gettext_noop("Line")),
    ("name", gettext_noop("Name")),
    ("id_number", gettext_noop("ID number")),
    ("bank", gettext_noop("Bank")),
    ("account", gettext_noop("Bank account")),
    ("holder", gettext_noop("Account holder")),
    ("amount", gettext_noop("Amount")),
    ("period", gettext_noop("Period")),
    ("kind", gettext_noop("Kind")),
    ("program", gettext_noop("Program")),
)


def _export_rows(cycle: PaymentCycle, *, typed: bool = False) -> Any:
    lines = (
        PaymentLine.objects.of_cycle(cycle)
        .exclude(status=LineStatus.FAILED)
        .order_by("id")
        .values_list(
            "id",
            "person__name",
            "person__id_number",
            "enrollment__bank_name",
            "bank_account",
            "enrollment__account_holder",
            "amount",
            "period",
            "kind",
        )
    )
    kinds = dict(LineKind.choices)
    # The bank file names the program officially (重度残疾人护理补贴), whatever the user's language.
    program_name = cycle.program.official_name or cycle.program.label
    for pk, name, id_number, bank, account, holder, amount, period, kind in lines.iterator(chunk_size=5000):
        yield [
            pk,
            name,
            id_number,
            bank,
            account,
            holder or name,
            Decimal(amount) if typed else amount,
            f"{period:%Y-%m}",
            str(kinds[kind]),
            program_name,
        ]


@transaction.atomic
def cycle_export(*, actor: Any, cycle_id: int, fmt: str = "xlsx") -> tuple[bytes, str]:
    """The bank payment file of an approved (or already exported) cycle, as (bytes, file name). The
    export of identities is recorded in the audit log; the cycle becomes "sent to the bank"."""
    if fmt not in ("xlsx", "csv"):
        raise ValidationFailed(_("Choose xlsx or csv."), field="fmt")
    cycle = lock_for(actor, PaymentCycle, cycle_id, permission=Perm.PAYMENTS_EXPORT, related=("program",))
    if cycle.status not in (CycleStatus.APPROVED, CycleStatus.EXPORTED):
        raise InvalidState(
            _("Only an approved cycle can be sent to the bank; this one is %(status)s.")
            % {"status": cycle.get_status_display()},
            code="cycle_not_approved",
        )
    header = [_(label) for _key, label in EXPORT_HEADER]
    if fmt == "csv":
        data, rows = csv_bytes(header, _export_rows(cycle))
    else:
        data, rows = xlsx_bytes([Sheet(f"{cycle.month:%Y-%m}", header, _export_rows(cycle, typed=True))])
    old_status = cycle.status
    cycle.status = CycleStatus.EXPORTED
    cycle.exported_at = timezone.now()
    cycle.save(update_fields=["status", "exported_at"])
    audit_record(
        actor=actor,
        event=EVENT_EXPORTED,
        obj=cycle,
        old={"status": old_status},
        new={"status": cycle.status, "format": fmt, "rows": rows, "total_amount": cycle.total_amount},
    )
    name = f"{cycle.program.code}-{cycle.region_code}-{cycle.month:%Y%m}.{fmt}"
    return data, name


# --- the bank's results ----------------------------------------------------------------------------

_COLUMNS = {
    "line": ("line", "line id", "line_id", "明细号", "明细编号", "流水号", "序号id"),
    "id_number": ("id number", "id_number", "身份证号", "身份证号码", "证件号码", "公民身份号码"),
    "period": ("period", "所属期", "所属月份", "发放月份", "月份"),
    "status": ("status", "result", "结果", "状态", "发放结果", "处理结果"),
    "reason": ("reason", "failure reason", "失败原因", "原因", "备注"),
    "paid_on": ("paid date", "paid on", "paid_on", "到账日期", "入账日期", "发放日期"),
}
_PAID = {"成功", "paid", "success", "ok", "已发放", "发放成功"}
_FAILED = {"失败", "failed", "failure", "fail", "发放失败", "退回"}


@dataclass
class ResultsOutcome:
    cycle: PaymentCycle
    paid: int
    failed: int
    pending: int


def _columns(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, raw in enumerate(header):
        name = raw.strip().lower()
        for key, aliases in _COLUMNS.items():
            if key not in found and name in aliases:
                found[key] = index
    return found


def _parse_period(text: str) -> dt.date | None:
    m = re.fullmatch(r"(\d{4})[-/.年]?(\d{1,2})(?:月)?(?:[-/.]\d{1,2}(?:日)?)?", text.strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        return None
    return dt.date(int(m.group(1)), int(m.group(2)), 1)


def _parse_date(text: str) -> dt.date | None:
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T].*)?", text.strip()) or re.fullmatch(
        r"(\d{4})(\d{2})(\d{2})", text.strip()
    )
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def parse_bank_results(table: Table) -> tuple[list[tuple[Any, ...]], list[RowError]]:
    cols = _columns(table.header)
    if "status" not in cols or ("line" not in cols and not {"id_number", "period"} <= cols.keys()):
        raise ValidationFailed(
            _("The file needs a status column and either a line column or ID number and period columns."),
            code="missing_columns",
        )
    rows: list[tuple[Any, ...]] = []
    errors: list[RowError] = []

    def cell(values: list[str], key: str) -> str:
        index = cols.get(key)
        return values[index].strip() if index is not None and index < len(values) else ""

    for offset, values in enumerate(table.rows):
        number = table.first_row + offset
        if not any(v.strip() for v in values):
            continue
        line_text, id_number = cell(values, "line"), cell(values, "id_number").upper()
        line_id = period = None
        if line_text:
            try:
                line_id = int(Decimal(line_text))
            except (InvalidOperation, ValueError):
                errors.append(RowError(number, "line", _("Not a line number."), line_text))
                continue
        else:
            period_text = cell(values, "period")
            period = _parse_period(period_text)
            if not id_number:
                errors.append(
                    RowError(number, "id_number", _("Give the line or the ID number and period."), "")
                )
                continue
            if period is None:
                errors.append(RowError(number, "period", _("Not a month (YYYY-MM)."), period_text))
                continue
        status_text = cell(values, "status")
        if status_text.lower() in _PAID:
            status = LineStatus.PAID
        elif status_text.lower() in _FAILED:
            status = LineStatus.FAILED
        else:
            errors.append(
                RowError(number, "status", _("Status must be 成功/失败 (paid/failed)."), status_text)
            )
            continue
        paid_text = cell(values, "paid_on")
        paid_on = _parse_date(paid_text) if paid_text else None
        if paid_text and paid_on is None:
            errors.append(RowError(number, "paid_on", _("Not a date."), paid_text))
            continue
        reason = cell(values, "reason")[:200]
        if status == LineStatus.FAILED and not reason:
            reason = _("Failed at the bank")
        rows.append((number, line_id, id_number, period, str(status), reason, paid_on))
    return rows, errors


_TEMP = "tmp_bank_results"


@transaction.atomic
def cycle_record_results(*, actor: Any, cycle_id: int, table: Table) -> ResultsOutcome:
    """Mark the cycle's lines paid or failed from the bank's result file. All or nothing: any
    rejected row (unknown line, bad status, a line named twice, a line already settled otherwise)
    is reported with its row number and nothing is written. The cycle closes when no line is
    pending; failed lines are re-issued by the next month's cycle."""
    cycle = lock_for(actor, PaymentCycle, cycle_id, permission=Perm.PAYMENTS_GENERATE, related=("program",))
    if cycle.status not in (CycleStatus.EXPORTED, CycleStatus.CLOSED):
        raise InvalidState(
            _("Results can be recorded only after the file was sent to the bank; this cycle is %(status)s.")
            % {"status": cycle.get_status_display()},
            code="cycle_not_exported",
        )
    rows, errors = parse_bank_results(table)
    line, person = PaymentLine._meta.db_table, Person._meta.db_table
    # The months the cycle's lines pay for: each statement names them, so that on PostgreSQL it
    # reads only those partitions of the lines (PaymentLine.of_cycle).
    bounds = list(cycle.line_periods())
    load_temp_table(
        _TEMP,
        [
            ("row_no", "integer"),
            ("line_id", "bigint"),
            ("id_number", "varchar(18)"),
            ("period", "date"),
            ("status", "varchar(12)"),
            ("reason", "varchar(200)"),
            ("paid_on", "date"),
        ],
        rows,
    )
    try:
        with connection.cursor() as cursor:
            # Rows naming ID number and period: find the cycle's line of that person and month.
            cursor.execute(
                f"""UPDATE {_TEMP} SET line_id = (
                      SELECT MAX(l.id) FROM {line} l JOIN {person} p ON p.id = l.person_id
                      WHERE l.cycle_id = %s AND p.id_number = {_TEMP}.id_number AND l.period = {_TEMP}.period
                        AND l.period BETWEEN %s AND %s)
                    WHERE line_id IS NULL""",
                [cycle.pk, *bounds],
            )
            cursor.execute(
                # One grouped pass for the duplicates (a correlated count per row is quadratic).
                f"""WITH dup AS (SELECT line_id, COUNT(*) AS times FROM {_TEMP}
                                 WHERE line_id IS NOT NULL GROUP BY line_id)
                    SELECT t.row_no, t.line_id, t.id_number, t.period,
                           l.id, l.status, t.status, COALESCE(d.times, 1) AS times
                    FROM {_TEMP} t
                    LEFT JOIN dup d ON d.line_id = t.line_id
                    LEFT JOIN {line} l ON l.id = t.line_id AND l.cycle_id = %s
                                          AND l.period BETWEEN %s AND %s
                    WHERE l.id IS NULL OR (l.status <> 'pending' AND l.status <> t.status)
                       OR d.times > 1
                    ORDER BY t.row_no""",
                [cycle.pk, *bounds],
            )
            for row_no, line_id, id_number, period, found, current, wanted, times in cursor.fetchall():
                if found is None:
                    what = str(line_id) if line_id and not id_number else f"{id_number} {str(period)[:7]}"
                    errors.append(RowError(row_no, "line", _("No line of this cycle matches."), what))
                elif times > 1:
                    errors.append(
                        RowError(row_no, "line", _("The line appears more than once."), str(line_id))
                    )
                else:
                    errors.append(
                        RowError(
                            row_no,
                            "status",
                            _("The line is already recorded as %(status)s.")
                            % {"status": LineStatus(current).label},
                            wanted,
                        )
                    )
            if errors:
                errors.sort(key=lambda e: e.row or 0)
                raise ValidationFailed(errors=errors)
            cursor.execute(
                f"""UPDATE {line} SET status = t.status,
                      paid_on = CASE WHEN t.status = 'paid' THEN COALESCE(t.paid_on, %s) ELSE NULL END,
                      failure_reason = CASE WHEN t.status = 'failed' THEN t.reason ELSE '' END
                    FROM {_TEMP} t
                    WHERE {line}.id = t.line_id AND {line}.cycle_id = %s
                      AND {line}.period BETWEEN %s AND %s""",
                [timezone.localdate(), cycle.pk, *bounds],
            )
            written = max(cursor.rowcount, 0)
    finally:
        drop_temp_table(_TEMP)
    counts = dict(
        PaymentLine.objects.of_cycle(cycle).values_list("status").annotate(n=Count("id")).order_by()
    )
    pending = counts.get(LineStatus.PENDING, 0)
    old_status = cycle.status
    if pending == 0 and cycle.status != CycleStatus.CLOSED:
        cycle.status = CycleStatus.CLOSED
        cycle.closed_at = timezone.now()
        cycle.save(update_fields=["status", "closed_at"])
    paid = sum(1 for r in rows if r[4] == LineStatus.PAID)
    failed = len(rows) - paid
    sources_changed(
        "payments", year=cycle.month.year, month=cycle.month.month
    )  # failed lines no longer count
    audit_record(
        actor=actor,
        event=EVENT_RESULTS,
        obj=cycle,
        old={"status": old_status},
        new={"status": cycle.status, "rows": len(rows), "written": written, "paid": paid, "failed": failed},
    )
    return ResultsOutcome(cycle=cycle, paid=paid, failed=failed, pending=pending)
