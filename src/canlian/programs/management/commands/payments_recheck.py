"""``canlian payments-recheck --program CODE --region CODE [--user NAME]``: judge every line of the
region's approved cycles again by the rules and the standards in force for its month, and turn what
was paid without entitlement into recovery items (追缴). For changes that came in set-based (an
import of deaths or certificates): changes made through the pages are judged at once."""

from __future__ import annotations

from typing import Any

from canlian.platform.commands import CanlianCommand


class Command(CanlianCommand):
    help = (
        "Re-judge the region's paid lines of a monthly program and record what is to be recovered "
        "(set-based; a line is never recovered twice). Exits 2 when refused."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--program", required=True, help="program code, e.g. nursing-subsidy")
        parser.add_argument("--region", required=True, help="region code, e.g. 370502")
        parser.add_argument("--user", help="act as this user (their scope applies); default: the operator")

    def handle(self, *args: Any, **options: Any) -> None:
        from canlian.programs.cycles.actions import _program
        from canlian.programs.recoveries.actions import recoveries_detect

        program = _program(options["program"], None)
        actor = self.actor_from(options.get("user"))
        items = recoveries_detect(actor=actor, program=program, region_code=options["region"].strip())
        total = sum((i.amount for i in items), start=0)
        self.stdout.write(f"{len(items)} recovery items, {total} yuan to recover")
        for item in items:
            self.stdout.write(
                f"  #{item.pk} {item.person.masked_id} {', '.join(item.months)}: {item.amount} · {item.reason}"
            )
