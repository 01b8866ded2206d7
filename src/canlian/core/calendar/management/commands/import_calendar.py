"""`canlian import-calendar FILE [--year YYYY] [--user NAME]`: import a year's holiday schedule."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from canlian.core.calendar.actions import calendar_import
from canlian.platform.commands import CanlianCommand


class Command(CanlianCommand):
    help = (
        "Import holidays and make-up working days from a .xlsx/.xls/.csv file with the columns date, "
        "kind (休/班 or holiday/workday) and name. Each year in the file is replaced wholly; all or "
        "nothing, every bad row named, exit 2 on rejection."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--year", type=int, help="the year of the schedule: every date must be in it")
        parser.add_argument("--user", help="act as this user (needs calendar.manage); default: the operator")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"]).resolve()
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        actor = self.actor_from(options.get("user"))
        result = calendar_import(actor=actor, path=path, name=path.name, year=options.get("year"))
        self.stdout.write(
            f"imported {', '.join(str(y) for y in result.years)}: {result.holidays} holidays, "
            f"{result.workdays} make-up working days; provisional deadlines settled: {result.recomputed}"
        )
