"""Job kind of settlement: generate the batch of every institution of a region (e.g. a county) for a
period. Registered when this module is imported (the rehab app's ``ready()``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from canlian.core.jobs.registry import register_job_kind

JOB_KIND = "settlement.generate"


@register_job_kind(JOB_KIND, label=_("Generate settlement batches"), permission="settlements.generate")
def settlement_generate_job(*, job: Any, progress: Any) -> dict[str, Any]:
    """params: {"from": "YYYY-MM", "to": "YYYY-MM"}; the job's region selects the institutions. The
    region is generated set-based in one transaction (inputs read once for all its institutions, all
    lines written in one statement): a failure leaves nothing half done and a retry repeats nothing
    (a batch not yet approved is replaced; an approved or paid one is reported as skipped). Progress
    advances per batch once the transaction has committed."""
    from canlian.domains.rehab.settlement.actions import batches_generate_for_region

    progress.start(None, str(_("Generating the institutions' batches")))
    batches, skipped = batches_generate_for_region(
        actor=job.actor,
        region_code=job.region_code,
        period_start=job.params.get("from"),
        period_end=job.params.get("to"),
        on_done=lambda batch: progress.advance(1),
    )
    for message in skipped:
        progress.log(message, level="warning")
    progress.count(batches=len(batches), skipped=len(skipped), children=sum(b.line_count for b in batches))
    progress.close()
    return {
        "batches": [b.pk for b in batches],
        "skipped": skipped,
        "total_amount": str(sum((b.total_amount for b in batches), 0)),
    }
