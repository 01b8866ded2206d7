"""``canlian import-persons FILE``: import a ledger of people through a job, with a progress bar."""

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from canlian.core.jobs.actions import job_submit, job_upload_dir
from canlian.core.jobs.choices import JobStatus
from canlian.core.jobs.runner import run_job
from canlian.core.registry.importing import FIELDS_BY_KEY, REJECTED_WORKBOOK
from canlian.platform.access import is_system
from canlian.platform.commands import CanlianCommand
from canlian.platform.progress import TerminalProgress


def _mapping(pairs: list[str]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        key, sep, column = pair.partition("=")
        if not sep or key not in FIELDS_BY_KEY:
            raise CommandError(f"--map takes FIELD=COLUMN with FIELD one of: {', '.join(FIELDS_BY_KEY)}")
        mapping[key] = column
    return mapping


def _print_errors(command: CanlianCommand, errors: list[dict[str, Any]], total: int) -> None:
    for error in errors[:200]:
        where = f"row {error['row']}" if error.get("row") else ""
        value = f" [{error['value']}]" if error.get("value") else ""
        command.stderr.write(f"{where}, {error.get('field') or ''}: {error['message']}{value}")
    if total > 200:
        command.stderr.write(f"… {total - 200} more")


class Command(CanlianCommand):
    help = (
        "Import people (with certificates and hardship statuses) from a ledger (.xlsx/.xls/.csv). Valid rows "
        "are imported, rejected rows listed and written to a workbook; exits 2 when rows were rejected."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        parser.add_argument("--strict", action="store_true", help="import nothing if any row is rejected")
        parser.add_argument(
            "--region", help="region code: look up villages inside it (a village: all rows there)"
        )
        parser.add_argument("--user", help="act as this user (their scope applies); default: the operator")
        parser.add_argument(
            "--map", action="append", default=[], metavar="FIELD=COLUMN", help="map a column to a field"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"]).resolve()
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        actor = self.actor_from(options.get("user"))
        region = options.get("region") or ""
        if not region and not is_system(actor):
            scope = actor.scope_for("persons.import")
            if len(scope.prefixes) == 1:
                region = next(iter(scope.prefixes))
            elif not scope.everything:
                raise CommandError(
                    f"{actor.username} may import in several regions ({', '.join(sorted(scope.prefixes))}) "
                    "or none: give --region."
                )
        job = job_submit(
            actor=actor,
            kind="persons.import",
            params={
                "path": str(path),
                "filename": path.name,
                "dry_run": options["dry_run"],
                "strict": options["strict"],
                "mapping": _mapping(options["map"]),
            },
            region_code=region,
            enqueue=False,
        )
        finished = run_job(
            job.pk, progress=lambda inner: TerminalProgress(mirror=inner, stream=self.stderr._out)
        )
        assert finished is not None  # submitted without enqueueing: no worker claims it first
        job = finished
        result = job.result or {}
        if job.status != JobStatus.SUCCEEDED:
            _print_errors(self, result.get("errors", []), result.get("error_count", 0))
            rejected = job_upload_dir(job) / REJECTED_WORKBOOK
            if rejected.exists():
                self.stderr.write(f"rejected rows: {rejected}")
            raise CommandError(f"job {job.pk} failed: {job.error_code}: {job.error}", returncode=2)
        for warning in result.get("warnings", []):
            self.stderr.write(f"warning: row {warning['row']}, {warning['field']}: {warning['message']}")
        prefix = "dry run: " if result.get("dry_run") else ""
        self.stdout.write(
            f"{prefix}{result['new']} new, {result['updated']} updated, {result['unchanged']} unchanged, "
            f"{result['rejected']} rejected (job {job.pk})"
        )
        if result.get("rejected"):
            _print_errors(self, result.get("errors", []), result.get("error_count", 0))
            self.stdout.write(f"rejected rows: {job_upload_dir(job) / result['rejected_file']}")
            raise CommandError(f"{result['rejected']} rows were rejected", returncode=2)
