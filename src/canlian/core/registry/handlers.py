"""Job kinds of the registry: ledger imports run as persisted jobs with progress."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from canlian.core.jobs.registry import register_job_kind


@register_job_kind("persons.import", label=_("Import people"), permission="persons.import")
def persons_import_job(*, job: Any, progress: Any) -> dict[str, Any]:
    from canlian.core.registry.importing import persons_import_job_run

    return persons_import_job_run(job=job, progress=progress)
