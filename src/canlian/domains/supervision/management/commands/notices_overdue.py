"""``canlian notices-overdue [--on YYYY-MM-DD] [--escalate] [--user NAME]``: list the rectification
notices past their deadline and not closed; with ``--escalate`` escalate each once (idempotent: an
escalation gives the notice a new deadline, so a re-run the same day escalates nothing)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import CommandError
from django.utils import timezone

from canlian.platform.commands import CanlianCommand


class Command(CanlianCommand):
    help = (
        "List overdue rectification notices (past their deadline, not closed). --escalate moves each "
        "institution one step along warning → suspension → removal, once per overdue period."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--on", help="the day to check (YYYY-MM-DD); default today")
        parser.add_argument("--escalate", action="store_true", help="escalate each overdue notice once")
        parser.add_argument("--user", help="act as this user (their scope applies); default: the operator")

    def handle(self, *args: Any, **options: Any) -> None:
        from canlian.domains.supervision.actions import escalate_overdue
        from canlian.domains.supervision.selectors import notices_overdue

        day = timezone.localdate()
        if options.get("on"):
            try:
                day = dt.date.fromisoformat(options["on"])
            except ValueError as exc:
                raise CommandError(f"--on takes YYYY-MM-DD, not {options['on']!r}") from exc
        actor = self.actor_from(options.get("user"))
        rows = list(notices_overdue(user=actor, on=day))
        for n in rows:
            late = (day - n.due_on).days
            self.stdout.write(
                f"{n.number}\t{n.institution.name}\t{n.institution.status}\tdue {n.due_on}\t{late} days late\t{n.status}"
            )
        self.stdout.write(f"{len(rows)} overdue notice(s) on {day}")
        if options["escalate"]:
            done = escalate_overdue(actor=actor, on=day)
            for n in done:
                self.stdout.write(
                    f"escalated {n.number}: {n.institution.name} -> {n.escalated_to}, new deadline {n.due_on}"
                )
            self.stdout.write(f"{len(done)} escalated")
