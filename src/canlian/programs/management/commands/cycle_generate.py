"""``canlian cycle-generate --program CODE --month YYYY-MM [--region CODE] [--user NAME]``: generate
(or complete) one month's payment cycle and print its counts and total."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import CommandError

from canlian.platform.commands import CanlianCommand
from canlian.platform.errors import ValidationFailed
from canlian.platform.inputs import as_month


class Command(CanlianCommand):
    help = (
        "Generate the payment lines of a monthly program for one month and region (set-based, in one "
        "transaction; a re-run adds only missing lines). Exits 2 when refused."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--program", required=True, help="program code, e.g. nursing-subsidy")
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--region", help="region code of the cycle (default: the user's only region)")
        parser.add_argument("--user", help="act as this user (their scope applies); default: the operator")

    def handle(self, *args: Any, **options: Any) -> None:
        from canlian.programs.cycles.actions import cycle_generate

        try:
            month = as_month(options["month"], "month")
        except ValidationFailed as exc:
            raise CommandError(f"--month takes YYYY-MM, not {options['month']!r}") from exc
        actor = self.actor_from(options.get("user"))
        region = options.get("region") or ""
        if not region:
            if actor is None:
                raise CommandError("Give --region (or --user with one region).")
            scope = actor.scope_for("payments.generate")
            if len(scope.prefixes) != 1:
                raise CommandError(
                    f"{actor.username} may generate in several regions or none: give --region."
                )
            region = next(iter(scope.prefixes))
        start = time.perf_counter()
        result = cycle_generate(actor=actor, program_code=options["program"], region_code=region, month=month)
        elapsed = time.perf_counter() - start
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(result.by_kind.items())) or "no lines"
        self.stdout.write(
            f"cycle {result.cycle.pk} {options['program']} {month:%Y-%m} {region}: {result.created} lines written, "
            f"{result.line_count} in the cycle ({kinds}), total {result.total_amount} ({elapsed:.1f} s)"
        )
        if result.no_standard:
            self.stderr.write(f"warning: {result.cycle.note}")
