"""``canlian settlement-generate (--institution ID | --region CODE) --from YYYY-MM --to YYYY-MM
[--user NAME]``: generate (or generate again, while not approved) the settlement batch of one
institution, or of every institution with plans in the year in a region, and print the totals."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import CommandError

from canlian.platform.commands import CanlianCommand


class Command(CanlianCommand):
    help = (
        "Generate children's rehabilitation settlement batches for whole months of one year (set-based; "
        "a batch not yet approved is replaced). Exits 2 when refused."
    )

    def add_arguments(self, parser: Any) -> None:
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--institution", type=int, help="institution id")
        target.add_argument("--region", help="every institution with plans in the year in this region")
        parser.add_argument("--from", dest="period_start", required=True, help="first month, YYYY-MM")
        parser.add_argument("--to", dest="period_end", required=True, help="last month, YYYY-MM")
        parser.add_argument("--user", help="act as this user (their scope applies); default: the operator")

    def handle(self, *args: Any, **options: Any) -> None:
        from canlian.domains.rehab.settlement.actions import batch_generate, batches_generate_for_region

        actor = self.actor_from(options.get("user"))
        start = time.perf_counter()
        if options.get("institution") is not None:
            batches = [
                batch_generate(
                    actor=actor,
                    institution_id=options["institution"],
                    period_start=options["period_start"],
                    period_end=options["period_end"],
                )
            ]
            skipped: list[str] = []
        else:
            region = str(options.get("region") or "").strip()
            if not region:
                raise CommandError("Give --institution or --region.")
            batches, skipped = batches_generate_for_region(
                actor=actor,
                region_code=region,
                period_start=options["period_start"],
                period_end=options["period_end"],
            )
        elapsed = time.perf_counter() - start
        for batch in batches:
            self.stdout.write(
                f"batch {batch.pk} institution {batch.institution_id} "
                f"{batch.period_start:%Y-%m}..{batch.period_end:%Y-%m}: {batch.line_count} children, "
                f"total {batch.total_amount}"
            )
        for message in skipped:
            self.stderr.write(f"skipped {message}")
        total = sum((b.total_amount for b in batches), 0)
        self.stdout.write(f"{len(batches)} batches, total {total} ({elapsed:.1f} s)")
