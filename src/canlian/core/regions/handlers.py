"""Job kinds of the regions app (registered from RegionsConfig.ready())."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from canlian.core.jobs.models import Job
from canlian.core.jobs.registry import register_job_kind


@register_job_kind("regions.import", label=_("Import regions"), permission="regions.import")
def regions_import_job(*, job: Job, progress: Any) -> dict[str, Any]:
    from canlian.core.regions.actions import regions_import
    from canlian.platform.tabular import read_table

    table = read_table(job.params["path"], name=job.params.get("filename"))
    result = regions_import(
        actor=job.actor,
        table=table,
        dry_run=bool(job.params.get("dry_run")),
        progress=progress,
        source_name=job.params.get("filename", ""),
    )
    progress.log(
        str(_("%(created)s created, %(updated)s updated, %(unchanged)s unchanged")) % result.as_counts()
    )
    return result.as_counts()
