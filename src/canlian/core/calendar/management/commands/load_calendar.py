"""`canlian load-calendar [--replace] [--user NAME]`: load every year the installed chinese-calendar
package knows into the calendar tables (idempotent: a re-run writes nothing)."""

from __future__ import annotations

from typing import Any

from canlian.core.calendar.actions import calendar_load_package
from canlian.platform.commands import CanlianCommand


def _years(years: list[int]) -> str:
    return ", ".join(str(y) for y in years) or "none"


class Command(CanlianCommand):
    help = (
        "Load the holidays and make-up working days of every year the chinese-calendar package knows. "
        "Years imported or edited here are kept unless --replace."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--replace",
            action="store_true",
            help="also replace years that were imported or edited by hand when the package differs",
        )
        parser.add_argument("--user", help="act as this user (needs calendar.manage); default: the operator")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = self.actor_from(options.get("user"))
        result = calendar_load_package(actor=actor, replace=options["replace"])
        self.stdout.write(f"loaded: {_years(result.loaded)}")
        self.stdout.write(f"changed: {_years(result.changed)}")
        self.stdout.write(f"unchanged: {len(result.unchanged)} years")
        if result.kept:
            self.stdout.write(
                f"kept (imported or edited here, different from the package; --replace to overwrite): "
                f"{_years(result.kept)}"
            )
        self.stdout.write(f"provisional deadlines settled: {result.recomputed}")
