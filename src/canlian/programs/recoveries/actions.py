"""Withdrawal and recovery: what a change to a person does to money not yet paid and already paid.

* **Withdrawal.** A stop, a death, a move, a re-assessment or a lost status recorded while a cycle is
  not yet approved re-judges that person's lines in every such cycle: the lines of months no longer
  owed (or owed at another amount) are withdrawn and the months still owed written again by the same
  statement as the cycle (``cycles.write_lines``). Audited per cycle with the reason and the months.
* **Recovery (追缴).** Lines of approved cycles (sent to the bank or paid) for months the person was
  not entitled to become a ``RecoveryItem`` per enrollment: the months, what was paid, what was due,
  the amount to recover and the reason (the rule that fails, in the words ``canlian eligibility``
  prints, or the stop). A worker records it as recovered, or waived with a reason.

Both run inside the transaction of the change (registry actions call ``persons_changed``, which the
engine registered; ``enrollment_stop`` calls ``recheck_enrollments``), so a change and its
consequences commit together. ``recoveries_detect`` is the same judgement over a whole region (the
command ``canlian payments-recheck`` and the daily task, for changes that came in by import).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_record
from canlian.core.permissions import Perm
from canlian.core.registry.models import Person
from canlian.platform.access import authorize, lock_for, user_or_none
from canlian.platform.dates import date_of as _as_date
from canlian.platform.errors import InvalidState, ValidationFailed
from canlian.programs.choices import (
    CycleStatus,
    EnrollmentStatus,
    LineStatus,
    ProgramKind,
    RecoveryStatus,
    StopReason,
)
from canlian.programs.cycles.actions import CENT, FROZEN, cycle_retotal, write_lines
from canlian.programs.cycles.month_sql import verdict_ctes
from canlian.programs.eligibility import explain_month, refusal_text
from canlian.programs.models import (
    Enrollment,
    PaymentCycle,
    PaymentLine,
    Program,
    RecoveryItem,
    RecoveryLine,
    month_start,
)

EVENT_WITHDRAWN = "cycle.lines_withdrawn"
EVENT_RECOVERY_FOUND = "recovery.found"
EVENT_RECOVERY_RESOLVED = "recovery.resolved"

OPEN_CYCLE = (CycleStatus.GENERATING, CycleStatus.GENERATED)
_MAX_IDS = 2000  # enrollments judged per statement (IN lists stay small)


def _covers(cycle: PaymentCycle, enrollment: Enrollment) -> bool:
    return cycle.program_id == enrollment.program_id and enrollment.region_code.startswith(cycle.region_code)


def _line_key(line: PaymentLine) -> tuple[int, dt.date]:
    return (line.enrollment_id, line.period)


def _withdraw_in_open_cycles(*, actor: Any, enrollments: list[Enrollment], reason: str) -> int:
    """Re-judge the enrollments' pending lines in cycles not yet approved: withdraw each line whose
    month is no longer due at its amount (after the stop, refused by the rules, a lower or higher
    standard), then let the cycle's own statement write what is due now (the corrected amount).
    Returns the lines withdrawn."""
    if not enrollments:
        return 0
    programs = {e.program_id for e in enrollments}
    cycles = [
        c
        for c in PaymentCycle.objects.select_for_update()
        .filter(program_id__in=programs, status__in=OPEN_CYCLE)
        .select_related("program")
        .order_by("month", "pk")
        if any(_covers(c, e) for e in enrollments)
    ]
    withdrawn_total = 0
    for cycle in cycles:
        ids = [e.pk for e in enrollments if _covers(cycle, e)]
        rows = _judge_lines(
            program=cycle.program, region_code=cycle.region_code, enrollment_ids=ids, cycle_ids=[cycle.pk]
        )
        stale = [r for r in rows if r.due != r.paid]
        if not stale:
            continue
        PaymentLine.objects.filter(pk__in=[r.line_id for r in stale]).delete()
        write_lines(cycle=cycle, program=cycle.program, enrollment_ids=ids)
        rewritten = {
            (line.enrollment_id, line.period): line.amount
            for line in PaymentLine.objects.filter(
                cycle=cycle, enrollment_id__in={r.enrollment_id for r in stale}
            )
        }
        old_total = cycle.total_amount
        cycle_retotal(cycle)
        cycle.save(update_fields=["line_count", "total_amount"])
        withdrawn_total += len(stale)
        audit_record(
            actor=actor,
            event=EVENT_WITHDRAWN,
            obj=cycle,
            old={
                "total_amount": old_total,
                "lines": [
                    {"enrollment": r.enrollment_id, "period": f"{r.period:%Y-%m}", "amount": r.paid}
                    for r in stale
                ],
            },
            new={
                "total_amount": cycle.total_amount,
                "reason": reason,
                "rewritten": [
                    {"enrollment": k[0], "period": f"{k[1]:%Y-%m}", "amount": amount}
                    for k, amount in sorted(rewritten.items())
                    if any(r.enrollment_id == k[0] and r.period == k[1] for r in stale)
                ],
            },
        )
    return withdrawn_total


@dataclass(frozen=True)
class JudgedLine:
    line_id: int
    enrollment_id: int
    person_id: int
    region_code: str
    period: dt.date
    paid: Decimal
    due: Decimal
    after_stop: bool


def _judge_lines(
    *,
    program: Program,
    region_code: str,
    enrollment_ids: list[int] | None,
    cycle_ids: list[int] | None = None,
) -> list[JudgedLine]:
    """Lines (of the given cycles, or of every approved cycle) not under recovery, each with what is
    due for its month now: nothing after the stop or when the rules refuse the month, else the
    standard in force (a qualifying month with no standard in force is taken as due as paid)."""
    periods = _periods(program, region_code, enrollment_ids, cycle_ids)
    if not periods:
        return []
    sql, params = _overpaid_sql(
        program=program,
        region_code=region_code,
        periods=periods,
        enrollment_ids=enrollment_ids,
        cycle_ids=cycle_ids,
    )
    judged = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for line_id, enrollment_id, person_id, region, period, paid, after_stop, qualified, amount in cursor:
            paid = Decimal(str(paid)).quantize(CENT)
            if after_stop or not qualified:
                due = Decimal("0.00")
            else:
                due = Decimal(str(amount)).quantize(CENT) if amount is not None else paid
            judged.append(
                JudgedLine(
                    line_id, enrollment_id, person_id, region, _as_date(period), paid, due, bool(after_stop)
                )
            )
    return judged


def _overpaid_sql(
    *,
    program: Program,
    region_code: str,
    periods: list[dt.date],
    enrollment_ids: list[int] | None,
    cycle_ids: list[int] | None,
) -> tuple[str, list[Any]]:
    """Each line (of the cycles named, else of every approved cycle) not yet under recovery, with
    what was paid and the month's verdict and standard now."""
    e, p = Enrollment._meta.db_table, Person._meta.db_table
    line, cycle, rline = PaymentLine._meta.db_table, PaymentCycle._meta.db_table, RecoveryLine._meta.db_table
    only, only_params = "", []
    if enrollment_ids is not None:
        only = f"AND l.enrollment_id IN ({', '.join(['%s'] * len(enrollment_ids)) or 'NULL'})"
        only_params = list(enrollment_ids)
    if cycle_ids is not None:
        which, which_params = f"cy.id IN ({', '.join(['%s'] * len(cycle_ids))})", list(cycle_ids)
    else:
        which, which_params = f"cy.status IN ({', '.join(['%s'] * len(FROZEN))})", list(FROZEN)
    cand = f"""
  SELECT l.id AS line_id, l.enrollment_id, l.person_id, l.region_code, e.care_tier, p.birth_date,
         m.period, m.period_end, l.amount AS paid,
         CASE WHEN e.stopped_from IS NOT NULL AND m.period >= e.stopped_from THEN 1 ELSE 0 END AS after_stop
  FROM {line} l
  JOIN {cycle} cy ON cy.id = l.cycle_id
  JOIN {e} e ON e.id = l.enrollment_id
  JOIN {p} p ON p.id = l.person_id
  JOIN months m ON m.period = l.period
  WHERE l.program_id = %s AND l.status <> 'failed' AND l.region_code LIKE %s {only}
    AND {which}
    AND NOT EXISTS (SELECT 1 FROM {rline} r WHERE r.line_id = l.id)"""
    cand_params = [program.pk, f"{region_code}%", *only_params, *which_params]
    ctes, params = verdict_ctes(
        program=program, region_code=region_code, periods=periods, cand_sql=cand, cand_params=cand_params
    )
    sql = f"""{ctes}
SELECT r.line_id, r.enrollment_id, r.person_id, r.region_code, r.period, r.paid, r.after_stop, r.ok, s.amount
FROM ranked r LEFT JOIN std s ON s.precedence = r.precedence
ORDER BY r.enrollment_id, r.period"""
    return sql, params


def _periods(
    program: Program, region_code: str, enrollment_ids: list[int] | None, cycle_ids: list[int] | None
) -> list[dt.date]:
    lines = PaymentLine.objects.filter(program=program, region_code__startswith=region_code).exclude(
        status=LineStatus.FAILED
    )
    lines = (
        lines.filter(cycle_id__in=cycle_ids)
        if cycle_ids is not None
        else lines.filter(cycle__status__in=FROZEN)
    )
    if enrollment_ids is not None:
        lines = lines.filter(enrollment_id__in=enrollment_ids)
    return sorted(set(lines.values_list("period", flat=True).distinct()))


def _find(
    *, actor: Any, program: Program, region_code: str, enrollment_ids: list[int] | None, reason: str
) -> list[RecoveryItem]:
    found: dict[int, list[JudgedLine]] = defaultdict(list)
    for row in _judge_lines(program=program, region_code=region_code, enrollment_ids=enrollment_ids):
        if row.paid > row.due:
            found[row.enrollment_id].append(row)
    items = []
    today = timezone.localdate()
    enrollments = Enrollment.objects.select_related("person").in_bulk(list(found))
    for enrollment_id, rows in found.items():
        enrollment = enrollments[enrollment_id]
        why = _reason(program, enrollment, rows, reason)
        total = sum((r.paid - r.due for r in rows), Decimal("0"))
        item = RecoveryItem.objects.create(
            program=program,
            enrollment=enrollment,
            person_id=rows[0].person_id,
            region_code=rows[0].region_code,
            amount=total,
            months=[f"{r.period:%Y-%m}" for r in rows],
            reason=why[:300],
            detected_on=today,
            detected_by=user_or_none(actor),
        )
        RecoveryLine.objects.bulk_create(
            [
                RecoveryLine(
                    item=item,
                    line_id=r.line_id,
                    period=r.period,
                    paid=r.paid,
                    due=r.due,
                    amount=r.paid - r.due,
                )
                for r in rows
            ]
        )
        audit_record(
            actor=actor,
            event=EVENT_RECOVERY_FOUND,
            obj=item,
            new={
                "program": program.code,
                "enrollment": enrollment_id,
                "months": item.months,
                "amount": total,
                "reason": item.reason,
            },
        )
        items.append(item)
    return items


def _reason(program: Program, enrollment: Enrollment, rows: list[JudgedLine], trigger: str) -> str:
    """Why the months were not due: the stop, the rule that fails (first month), or the lower standard."""
    if all(r.after_stop for r in rows):
        return _("Stopped from %(month)s (%(reason)s).") % {
            "month": f"{enrollment.stopped_from:%Y-%m}",
            "reason": StopReason(enrollment.stop_reason).label if enrollment.stop_reason else "",
        }
    first = next(r for r in rows if not r.after_stop)
    verdict = explain_month(program, enrollment.person, first.period, enrollment=enrollment)
    if not verdict.eligible:
        text = _("%(month)s: %(rules)s") % {"month": f"{first.period:%Y-%m}", "rules": refusal_text(verdict)}
    else:
        text = _("%(month)s: the standard in force is %(due)s yuan, %(paid)s was paid.") % {
            "month": f"{first.period:%Y-%m}",
            "due": first.due,
            "paid": first.paid,
        }
    return f"{text} {trigger}".strip() if trigger else text


def _monthly_enrollments(person_ids: list[int]) -> list[Enrollment]:
    return list(
        Enrollment.objects.select_for_update()
        .filter(person_id__in=person_ids, program__kind=ProgramKind.MONTHLY_CASH)
        .filter(status__in=(EnrollmentStatus.ACTIVE, EnrollmentStatus.STOPPED))
        .select_related("program", "person")
        .order_by("pk")
    )


def _mark_ineligible(enrollments: list[Enrollment], on: dt.date) -> None:
    """The "no longer eligible since" mark of active enrollments, judged for the current month."""
    month = month_start(on)
    for enrollment in enrollments:
        if enrollment.status != EnrollmentStatus.ACTIVE or month < enrollment.application_month:
            continue
        verdict = explain_month(enrollment.program, enrollment.person, month, enrollment=enrollment)
        since = None if verdict.eligible else min(enrollment.ineligible_since or month, month)
        if since != enrollment.ineligible_since:
            Enrollment.objects.filter(pk=enrollment.pk).update(ineligible_since=since)
            enrollment.ineligible_since = since


def recheck_enrollments(
    *, actor: Any, enrollments: list[Enrollment], reason: str, on: dt.date | None = None, mark: bool = True
) -> tuple[int, list[RecoveryItem]]:
    """Withdraw what open cycles no longer owe these enrollments, turn what approved cycles paid
    without entitlement into recovery items, refresh their warning mark. Inside the caller's
    transaction. Returns (lines withdrawn, recovery items found)."""
    if not enrollments:
        return 0, []
    with transaction.atomic():
        withdrawn = _withdraw_in_open_cycles(actor=actor, enrollments=enrollments, reason=reason)
        items: list[RecoveryItem] = []
        by_program: dict[int, list[Enrollment]] = defaultdict(list)
        for enrollment in enrollments:
            by_program[enrollment.program_id].append(enrollment)
        for group in by_program.values():
            items += _find(
                actor=actor,
                program=group[0].program,
                region_code="",
                enrollment_ids=[e.pk for e in group],
                reason=reason,
            )
        if mark:
            _mark_ineligible(enrollments, on or timezone.localdate())
    return withdrawn, items


def persons_changed(*, actor: Any, person_ids: list[int], reason: str) -> None:
    """The registry's hook (``canlian.core.registry.hooks``): a person's facts changed."""
    enrollments = _monthly_enrollments(list(person_ids))
    recheck_enrollments(actor=actor, enrollments=enrollments, reason=reason)


def recoveries_detect(
    *, actor: Any, program: Program, region_code: str, person_ids: list[int] | None = None
) -> list[RecoveryItem]:
    """Recovery items for every overpaid line of approved cycles in the region (set-based), e.g.
    after an import recorded deaths with earlier dates."""
    authorize(actor, Perm.PAYMENTS_GENERATE, region_code)
    with transaction.atomic():
        if person_ids is None:
            return _find(
                actor=actor, program=program, region_code=region_code, enrollment_ids=None, reason=""
            )
        ids = list(
            Enrollment.objects.filter(program=program, person_id__in=person_ids).values_list("pk", flat=True)
        )
        items: list[RecoveryItem] = []
        for start in range(0, len(ids), _MAX_IDS):
            items += _find(
                actor=actor,
                program=program,
                region_code=region_code,
                enrollment_ids=ids[start : start + _MAX_IDS],
                reason="",
            )
        return items


@transaction.atomic
def recovery_resolve(
    *, actor: Any, item_id: Any, status: str, on: dt.date | None = None, note: str = ""
) -> RecoveryItem:
    """Record a recovery item as recovered (``payments.generate``) or waived with a reason
    (``payments.approve``: a decision someone accountable takes)."""
    item = lock_for(actor, RecoveryItem, item_id)
    if status not in (RecoveryStatus.RECOVERED, RecoveryStatus.WAIVED):
        raise ValidationFailed(_("Choose recovered or waived."), field="status")
    permission = Perm.PAYMENTS_APPROVE if status == RecoveryStatus.WAIVED else Perm.PAYMENTS_GENERATE
    authorize(actor, permission, item.region_code)
    if item.status != RecoveryStatus.TO_RECOVER:
        raise InvalidState(
            _("This item is already %(status)s.") % {"status": item.get_status_display()},
            code="recovery_resolved",
        )
    note = (note or "").strip()
    if status == RecoveryStatus.WAIVED and not note:
        raise ValidationFailed(_("Give the reason for waiving the recovery."), field="note")
    on = on or timezone.localdate()
    if on < item.detected_on:
        raise ValidationFailed(_("The date cannot be before the item was found."), field="on")
    old = {"status": item.status}
    item.status, item.resolved_on, item.resolution_note = status, on, note[:300]
    item.resolved_by = user_or_none(actor)
    item.save(update_fields=["status", "resolved_on", "resolution_note", "resolved_by"])
    audit_record(
        actor=actor,
        event=EVENT_RECOVERY_RESOLVED,
        obj=item,
        old=old,
        new={"status": status, "on": on, "note": item.resolution_note, "amount": item.amount},
    )
    return item
