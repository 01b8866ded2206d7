from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from canlian.core.jobs.actions import job_submit
from canlian.core.jobs.choices import JobStatus
from canlian.core.jobs.runner import run_job
from canlian.platform.access import is_system, scope_roots
from canlian.platform.commands import CanlianCommand
from canlian.platform.progress import TerminalProgress


def _home_code(actor: Any) -> str:
    if is_system(actor):
        return ""
    roots = scope_roots(actor, "regions.import")
    return min(roots, key=len) if roots else ""


class Command(CanlianCommand):
    help = (
        "Import townships and villages from a .xlsx/.xls/.csv file with columns code,name (all or nothing)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="check the file, write nothing")
        parser.add_argument("--user", help="act as this user (their scope applies); default: the operator")
        parser.add_argument(
            "--background", action="store_true", help="queue the job for the worker and return"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"]).resolve()
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        actor = self.actor_from(options.get("user"))
        job = job_submit(
            actor=actor,
            kind="regions.import",
            params={"path": str(path), "filename": path.name, "dry_run": options["dry_run"]},
            region_code=_home_code(actor),
            enqueue=options["background"],
        )
        if options["background"]:
            self.stdout.write(f"job {job.pk} queued")
            return
        finished = run_job(
            job.pk, progress=lambda inner: TerminalProgress(mirror=inner, stream=self.stderr._out)
        )
        assert finished is not None  # submitted without enqueueing: no worker claims it first
        job = finished
        if job.status != JobStatus.SUCCEEDED:
            for error in (job.result or {}).get("errors", [])[:200]:
                where = f"row {error['row']}" if error.get("row") else ""
                self.stderr.write(
                    f"{where}, {error.get('field') or ''}: {error['message']} [{error.get('value') or ''}]"
                )
            raise CommandError(f"job {job.pk} failed: {job.error_code}: {job.error}", returncode=2)
        counts = job.counts
        prefix = "dry run: " if options["dry_run"] else ""
        self.stdout.write(
            f"{prefix}{counts.get('created', 0)} created, {counts.get('updated', 0)} updated, "
            f"{counts.get('unchanged', 0)} unchanged (job {job.pk})"
        )
