"""`canlian daily [--on DATE] [--only CODE]`: run every registered daily task (cron it once a day)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import CommandError
from django.utils import timezone

from canlian.core.jobs.daily import daily_tasks
from canlian.platform.commands import CanlianCommand


class Command(CanlianCommand):
    help = "Run the daily tasks: activate enrollments after their public notice, escalate overdue notices, …"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--on", help="the day to run for (YYYY-MM-DD; default today)")
        parser.add_argument(
            "--only", action="append", default=[], help="run only this task code (repeatable)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            today = dt.date.fromisoformat(options["on"]) if options["on"] else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--on: not a date: {options['on']!r}") from exc
        tasks = daily_tasks()
        unknown = set(options["only"]) - {t.code for t in tasks}
        if unknown:
            raise CommandError(f"--only: unknown tasks {', '.join(sorted(unknown))}")
        for task in tasks:
            if options["only"] and task.code not in options["only"]:
                continue
            done = task.run(today)
            self.stdout.write(f"{task.code}: {done} ({task.label})")
