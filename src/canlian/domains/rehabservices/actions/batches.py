"""Payment of accepted modification projects to their contractors as maker-checker batches (the shape
of ``domains/rehab/settlement``): one user generates a batch of every accepted project of a region
not yet in a batch (one INSERT … SELECT), another approves it (``MakerCheckerBatch.mark_approved``),
then it is marked paid, which moves its projects to *paid* (one UPDATE and one INSERT … SELECT of
their step rows)."""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_record
from canlian.domains.rehabservices.actions._common import APPROVE, PAY, require
from canlian.domains.rehabservices.choices import BatchStatus, ModStatus
from canlian.domains.rehabservices.events import ServicesEvent
from canlian.domains.rehabservices.models import (
    ContractorBatch,
    ContractorPayment,
    ModificationProject,
    ModificationStep,
)
from canlian.platform.access import authorize, is_system, lock_for, user_or_none
from canlian.platform.errors import InvalidState
from canlian.platform.indicators import sources_changed
from canlian.platform.inputs import as_date, as_text, field_error
from canlian.platform.numbering import allocate_yearly

PREFIX = "WZF"


def _region(actor: Any, region_code: Any) -> str:
    code = str(region_code or "").strip()
    if not code:
        raise field_error("region_code", _("Choose the region of the batch."))
    authorize(actor, PAY, code)
    return code


@transaction.atomic
def batch_generate(*, actor: Any, region_code: Any, note: Any = "") -> ContractorBatch:
    """A batch of every accepted project of ``region_code`` not yet in a batch; refused when none."""
    require(actor, PAY)
    code = _region(actor, region_code)
    today = timezone.localdate()
    ready = ModificationProject.objects.select_for_update(of=("self",)).filter(
        status=ModStatus.ACCEPTED,
        region_code__startswith=code,
    )
    ready = ready.exclude(pk__in=ContractorPayment.objects.values("project_id"))
    ids = list(ready.order_by("pk").values_list("pk", flat=True))
    if not ids:
        raise InvalidState(_("No accepted project of this region waits for payment."), code="nothing_to_pay")

    def next_sequence() -> int:
        return (ContractorBatch.objects.filter(year=today.year).aggregate(m=Max("sequence"))["m"] or 0) + 1

    def create(sequence: int) -> ContractorBatch:
        batch = ContractorBatch(
            number=f"{PREFIX}-{today.year}-{sequence:03d}",
            year=today.year,
            sequence=sequence,
            region_code=code,
            note=as_text(note, "note", max_length=300),
        )
        batch.mark_generated(actor)
        batch.save()
        return batch

    batch = allocate_yearly(next_sequence=next_sequence, create=create)
    projects = ModificationProject._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {ContractorPayment._meta.db_table} (batch_id, project_id, region_code, contractor, contractor_account, amount) "
            f"SELECT %s, id, region_code, contractor, contractor_account, payable FROM {projects} "
            "WHERE status = %s AND region_code LIKE %s AND id NOT IN (SELECT project_id FROM "
            f"{ContractorPayment._meta.db_table})",
            [batch.pk, ModStatus.ACCEPTED, code + "%"],
        )
    totals = batch.lines.aggregate(n=Count("id"), s=Sum("amount"))
    batch.line_count = totals["n"] or 0
    batch.total_amount = totals["s"] or 0
    batch.save(update_fields=["line_count", "total_amount"])
    _move(batch, ModStatus.BATCHED, today, actor, _("In payment batch %(number)s") % {"number": batch.number})
    audit_record(
        actor=actor,
        event=ServicesEvent.BATCH_GENERATED,
        obj=batch,
        new={"projects": batch.line_count, "total": batch.total_amount},
    )
    return batch


def _move(batch: ContractorBatch, status: str, on: Any, actor: Any, note: str, **fields: Any) -> None:
    """Move every project of the batch to ``status`` and write their step rows, set-based."""
    in_batch = ContractorPayment.objects.filter(batch=batch).values("project_id")
    update: dict[str, Any] = {"status": status, **fields}
    if status == ModStatus.PAID:
        update.update(step_due_on=None, step_started_on=on)
    ModificationProject.objects.filter(pk__in=in_batch).update(**update)
    user = user_or_none(actor)
    with connection.cursor() as cur:
        on_column = connection.ops.quote_name("on")
        cur.execute(
            f"INSERT INTO {ModificationStep._meta.db_table} (project_id, status, {on_column}, note, due_on, actor_id, created_at) "
            f"SELECT p.id, %s, %s, %s, p.step_due_on, %s, %s FROM {ModificationProject._meta.db_table} p "
            f"JOIN {ContractorPayment._meta.db_table} l ON l.project_id = p.id WHERE l.batch_id = %s",
            [status, on, note[:300], user.pk if user else None, timezone.now(), batch.pk],
        )


def _locked_batch(actor: Any, batch_id: Any, permission: str) -> ContractorBatch:
    require(actor, permission)
    batch = lock_for(actor, ContractorBatch, batch_id, view=permission)
    return batch


@transaction.atomic
def batch_approve(*, actor: Any, batch_id: Any) -> ContractorBatch:
    """Maker-checker: someone other than the generator approves a generated batch."""
    batch = _locked_batch(actor, batch_id, APPROVE)
    if batch.status != BatchStatus.GENERATED:
        raise InvalidState(_("Only a generated batch can be approved."), code="batch_not_generated")
    if is_system(actor):
        batch.approved_at = timezone.now()
    else:
        batch.mark_approved(
            actor,
            refusal=_(
                "The person who generated a batch cannot approve it: another user must check and approve it."
            ),
        )
    batch.status = BatchStatus.APPROVED
    batch.save(update_fields=["status", "approved_by", "approved_at"])
    audit_record(
        actor=actor,
        event=ServicesEvent.BATCH_APPROVED,
        obj=batch,
        old={"status": BatchStatus.GENERATED},
        new={"status": batch.status, "total": batch.total_amount},
    )
    return batch


@transaction.atomic
def batch_mark_paid(*, actor: Any, batch_id: Any, paid_on: Any = None) -> ContractorBatch:
    """Record the payment of an approved batch: its projects become *paid* (archive is next)."""
    batch = _locked_batch(actor, batch_id, PAY)
    if batch.status != BatchStatus.APPROVED:
        raise InvalidState(_("Only an approved batch can be marked paid."), code="batch_not_approved")
    day = as_date(paid_on, "paid_on", required=False) or timezone.localdate()
    if day > timezone.localdate():
        raise field_error("paid_on", _("The payment date cannot be in the future."), day)
    if batch.approved_at is not None and day < timezone.localtime(batch.approved_at).date():
        raise field_error("paid_on", _("A batch cannot be paid before it was approved."), day)
    batch.status = BatchStatus.PAID
    batch.paid_on = day
    batch.save(update_fields=["status", "paid_on"])
    _move(
        batch,
        ModStatus.PAID,
        day,
        actor,
        _("Paid in batch %(number)s") % {"number": batch.number},
        paid_on=day,
    )
    sources_changed("services", year=day.year, month=day.month)
    audit_record(
        actor=actor,
        event=ServicesEvent.BATCH_PAID,
        obj=batch,
        old={"status": BatchStatus.APPROVED},
        new={"status": batch.status, "paid_on": day, "total": batch.total_amount},
    )
    return batch
