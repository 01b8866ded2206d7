"""The engine rule primitive ``education_placement``: the person's placement in the school year of the
day is one of the listed placements, e.g. ``{"rule": "education_placement", "placements":
["preschool"]}``. It lets the education programs (kindergarten fees, student grants) pay only the
children and students the placements of the year show.

The school year of a day starts on 1 September (``2025`` = 1 September 2025 – 31 August 2026), so a
March payment reads the placement of the school year that began the September before and a September
payment the placement of the new one. Like every primitive it explains one person in Python, filters
people as a ``Q`` (previews, gaps) and is an SQL predicate for one day of a month (the cycle); the three
agree (``tests/test_education_programs.py``).

The engine has no public registry of primitives: ``register()`` (called from ``EducationConfig.ready``)
registers the class with ``canlian.programs.rules.engine.register_rule``; ``build_rule`` reads it at call time.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from canlian.domains.education.choices import Placement
from canlian.domains.education.models import PlacementRecord
from canlian.platform.bulk import is_postgres
from canlian.platform.errors import ValidationFailed
from canlian.programs.rules.engine import Facts, Rule, RuleResult, SqlContext, register_rule

CODE = "education_placement"


def school_year_of(day: dt.date) -> int:
    """The school year a day belongs to (it starts on 1 September)."""
    return day.year if day.month >= 9 else day.year - 1


def _school_year_sql(day: str) -> str:
    if is_postgres():
        year = f"CAST(EXTRACT(YEAR FROM {day}) AS integer)"
        month = f"CAST(EXTRACT(MONTH FROM {day}) AS integer)"
    else:
        year = f"CAST(strftime('%%Y', {day}) AS integer)"
        month = f"CAST(strftime('%%m', {day}) AS integer)"
    return f"({year} - CASE WHEN {month} < 9 THEN 1 ELSE 0 END)"


class InPlacement(Rule):
    """The person's placement in the day's school year is one of ``placements``."""

    code = CODE

    @property
    def placements(self) -> list[str]:
        values = self.spec.get("placements") or []
        if not isinstance(values, list) or not values or any(v not in Placement.values for v in values):
            raise ValidationFailed(
                _("Unknown placements %(values)s.") % {"values": values}, field="placements"
            )
        return [str(v) for v in values]

    def label(self) -> str:
        names = dict(Placement.choices)
        return _("Placed in the school year: %(placements)s") % {
            "placements": "、".join(str(names[p]) for p in self.placements)
        }

    def explain(self, facts: Facts) -> RuleResult:
        year = school_year_of(facts.on)
        record = (
            PlacementRecord.objects.filter(person=facts.person, school_year=year)
            .values_list("placement", flat=True)
            .first()
        )
        if record is None:
            return self.result(
                False,
                _("No placement recorded for the school year %(year)s.") % {"year": year},
                school_year=year,
            )
        label = str(dict(Placement.choices).get(record, record))
        return self.result(
            record in self.placements,
            _("Placement in the school year %(year)s: %(placement)s.") % {"year": year, "placement": label},
            school_year=year,
            placement=record,
        )

    def q(self, on: dt.date) -> Q:
        placed = PlacementRecord.objects.filter(
            person=OuterRef("pk"), school_year=school_year_of(on), placement__in=self.placements
        )
        return Q(Exists(placed))

    def sql(self, ctx: SqlContext) -> tuple[str, list[Any]]:
        table = PlacementRecord._meta.db_table
        marks = ", ".join(["%s"] * len(self.placements))
        return (
            f"EXISTS (SELECT 1 FROM {table} pr WHERE pr.person_id = {ctx.person}.id"
            f" AND pr.school_year = {_school_year_sql(ctx.day)} AND pr.placement IN ({marks}))",
            list(self.placements),
        )


def register() -> None:
    """Make the primitive known to the engine (idempotent: a second ``ready()`` re-registers it)."""
    register_rule(InPlacement)
