"""Job kinds and the daily task of the program engine (registered at app start)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy as _

from canlian.core.jobs.daily import register_daily_task
from canlian.core.jobs.registry import register_job_kind
from canlian.platform.access import SYSTEM


@register_job_kind("payments.generate", label=_("Generate a payment cycle"), permission="payments.generate")
def payments_generate_job(*, job: Any, progress: Any) -> dict[str, Any]:
    """params: {"program": code, "month": "YYYY-MM-DD"}; the job's region is the cycle's. One
    transaction (the cycle's lines, totals and audit row), so a retry after a failure is safe."""
    from canlian.programs.cycles.actions import cycle_generate

    progress.start(None, str(_("Writing the payment lines")))
    result = cycle_generate(
        actor=job.actor,
        program_code=job.params.get("program"),
        region_code=job.region_code,
        month=dt.date.fromisoformat(str(job.params.get("month"))),
    )
    progress.count(written=result.created, lines=result.line_count, no_standard=result.no_standard)
    if result.no_standard:
        progress.log(result.cycle.note, level="warning")
    progress.close()
    return {
        "cycle_id": result.cycle.pk,
        "written": result.created,
        "line_count": result.line_count,
        "total_amount": str(result.total_amount),
        "by_kind": result.by_kind,
        "no_standard": result.no_standard,
    }


@register_daily_task(
    "enrollments.activate_due", label=_("Activate enrollments whose public notice has ended")
)
def _activate_due(today: dt.date) -> int:
    from canlian.programs.enrollments import enrollments_activate_due

    return enrollments_activate_due(actor=SYSTEM, today=today)


@register_daily_task("payments.recheck", label=_("Re-judge payments of people whose data changed (imports)"))
def _recheck_changed(today: dt.date) -> int:
    """Changes made by actions are judged at once (``recoveries.persons_changed``); an import writes
    set-based, so each day the people changed since the day before yesterday are judged again:
    lines of open cycles withdrawn, overpaid months of approved ones turned into recovery items."""
    from django.db.models import Q

    from canlian.core.registry.models import Certificate, HardshipStatus, Person
    from canlian.programs.recoveries.actions import _monthly_enrollments, recheck_enrollments

    since = today - dt.timedelta(days=2)
    person_ids = set(Person.objects.filter(updated_at__date__gte=since).values_list("pk", flat=True))
    person_ids |= set(
        Certificate.objects.filter(Q(updated_at__date__gte=since) | Q(created_at__date__gte=since))
        .values_list("person_id", flat=True)
        .distinct()
    )
    person_ids |= set(
        HardshipStatus.objects.filter(created_at__date__gte=since)
        .values_list("person_id", flat=True)
        .distinct()
    )
    found = 0
    ids = sorted(person_ids)
    for start in range(0, len(ids), 2000):
        enrollments = _monthly_enrollments(ids[start : start + 2000])
        _withdrawn, items = recheck_enrollments(
            actor=SYSTEM, enrollments=enrollments, reason=str(_("daily check")), on=today, mark=False
        )
        found += len(items)
    return found


#: Months ahead whose partitions of the payment lines exist before a cycle writes them.
PARTITION_MONTHS_AHEAD = 3


def payment_partitions_ensure(today: dt.date, *, ahead: int = PARTITION_MONTHS_AHEAD) -> list[str]:
    """PostgreSQL: the partitions of the payment lines for this month and ``ahead`` more, and for every
    month whose lines sit in the DEFAULT partition (they move into their own). Needs the table's
    owner; nothing on SQLite. Returns the partitions created."""
    from canlian.platform.dates import add_months, month_start
    from canlian.platform.partitions import ensure_months, months_in_default
    from canlian.programs.models import PaymentLine

    table = PaymentLine._meta.db_table
    this_month = month_start(today)
    wanted = [add_months(this_month, n) for n in range(ahead + 1)]
    return ensure_months(table, [*wanted, *months_in_default(table)])


@register_daily_task(
    "payments.partitions", label=_("Create the monthly partitions of the payment lines ahead of time")
)
def _payment_partitions(today: dt.date) -> int:
    """Where the daily task connects as the table's owner (a one-role site). Production's daily task
    runs as the application role, which may not: it says so, and the owner's
    ``canlian payment-partitions`` (cron, docs/deploy.md) does the work; until then new months' lines
    wait in the DEFAULT partition, correct but read with it."""
    import logging

    from canlian.platform.partitions import is_partitioned, may_manage
    from canlian.programs.models import PaymentLine

    table = PaymentLine._meta.db_table
    if not is_partitioned(table):
        return 0
    if not may_manage(table):
        logging.getLogger(__name__).warning(
            "The payment lines' partitions are the table owner's to create: run "
            "`canlian payment-partitions` as the owner (docs/deploy.md)."
        )
        return 0
    return len(payment_partitions_ensure(today))
