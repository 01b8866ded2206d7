"""canlian eligibility --program CODE --person ID [--date YYYY-MM-DD | --month YYYY-MM] [--json]

Prints one person's verdict for a program and each rule's reason. ID is a resident ID number or a
database id. ``--month`` judges a month as the monthly cycle does (paid when the person qualified on
one of its days; the declarations of the person's latest application count). Exit status: 0
eligible, 1 not eligible, 2 error (unknown program or person, bad date).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from canlian.core.registry.models import Person
from canlian.platform.commands import CanlianCommand
from canlian.platform.errors import NotFound, ValidationFailed
from canlian.programs.eligibility import explain, explain_month, program_by_code, verdict_as_data
from canlian.programs.models import Enrollment

MARKS = {True: "✓", False: "✗", None: "·"}


def find_person(value: str) -> Person:
    text = value.strip().upper()
    person = None
    if len(text) >= 15:
        person = Person.objects.filter(id_number=text).first()
    elif text.isdigit():
        person = Person.objects.filter(pk=int(text)).first()
    if person is None:
        raise NotFound(_("No person has the ID %(id)s.") % {"id": value})
    return person


class Command(CanlianCommand):
    help = "Explain one person's eligibility for a program, rule by rule (exit 0 eligible, 1 not, 2 error)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--program", required=True, help="program code, e.g. nursing-subsidy")
        parser.add_argument("--person", required=True, help="resident ID number or database id")
        parser.add_argument("--date", default="", help="YYYY-MM-DD (default today)")
        parser.add_argument("--month", default="", help="YYYY-MM: the month as the payment cycle judges it")
        parser.add_argument("--json", action="store_true", help="print the verdict as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        on = None
        if options["date"]:
            try:
                on = dt.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise ValidationFailed(_("Give the date as YYYY-MM-DD."), field="date") from exc
        program = program_by_code(options["program"])
        person = find_person(options["person"])
        if options["month"]:
            try:
                month = dt.date.fromisoformat(f"{options['month'][:7]}-01")
            except ValueError as exc:
                raise ValidationFailed(_("Give the month as YYYY-MM."), field="month") from exc
            enrollment = Enrollment.objects.filter(program=program, person=person).order_by("-id").first()
            verdict = explain_month(program, person, month, enrollment=enrollment)
        else:
            verdict = explain(program, person, on)
        if options["json"]:
            data = {"program": program.code, "person": person.pk, **verdict_as_data(verdict)}
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            head = _("ELIGIBLE") if verdict.eligible else _("NOT ELIGIBLE")
            self.stdout.write(f"{head}: {program.code} · {person.name} ({person.masked_id}) · {verdict.on}")
            if verdict.setting_id:
                self.stdout.write(
                    _("Rules: %(label)s (setting #%(id)s)")
                    % {"label": verdict.setting_label, "id": verdict.setting_id}
                )
            for result in verdict.results:
                self.stdout.write(f"  {MARKS[result.passed]} {result.label}: {result.reason}")
        self.stdout.flush()
        if not verdict.eligible:
            raise CommandError(_("Not eligible."), returncode=1)
