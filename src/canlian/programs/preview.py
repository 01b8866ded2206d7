"""Eligibility preview over a region: how many people the rules in force select, how many fail each
rule, and a sample of those selected.

One aggregate statement counts everything (plus one for the sample). A region may hold
sub-regions with their own rule settings (a county stricter than its province): each setting
counts over its own area (its prefix minus the areas of more specific settings inside it), in the
same statement. Declarations made only in an application (long-term care need) cannot be seen in a
preview: those rules are listed as not checked and never fail.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Case, Count, IntegerField, Q, Sum, Value, When
from django.utils.translation import gettext as _

from canlian.core.registry.models import Person
from canlian.platform.bulk import without_jit
from canlian.programs.eligibility import rule_setting_for
from canlian.programs.models import Program, RuleSetting
from canlian.programs.rules.engine import Declared, Rule, annotate_facts, build_rules, eligible_q


@dataclass
class RuleCount:
    code: str
    label: str
    failed: int | None  # None: not checked in a preview (a declaration)


@dataclass
class SettingCount:
    """One rule setting's share of the preview: its area, people, eligible and failures per rule."""

    setting: RuleSetting
    area: str  # the region prefix it covers here
    people: int = 0
    eligible: int = 0
    rules: list[RuleCount] = field(default_factory=list)


@dataclass
class Preview:
    program: Program
    region_code: str
    on: dt.date
    people: int = 0
    eligible: int = 0
    settings: list[SettingCount] = field(default_factory=list)
    sample: list[Person] = field(default_factory=list)
    uncovered: int = 0  # people under no rule setting (none in force where they live)

    @property
    def rules(self) -> list[RuleCount]:
        """Failures per rule when one setting covers the whole region (the usual case)."""
        return self.settings[0].rules if len(self.settings) == 1 else []


def _settings_in(program: Program, region_code: str, on: dt.date) -> list[tuple[str, RuleSetting]]:
    """(area prefix, setting): the setting in force for the region itself, then each more specific
    region inside it that has its own setting in force (latest start per region)."""
    found: list[tuple[str, RuleSetting]] = []
    base = rule_setting_for(program, region_code, on)
    if base is not None:
        found.append((region_code, base))
    inside = (
        RuleSetting.objects.filter(program=program, region_code__startswith=region_code, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .exclude(region_code=region_code)
        .exclude(region_code="")
        .order_by("region_code", "-valid_from")
    )
    seen: set[str] = set()
    for setting in inside:
        if setting.region_code not in seen and len(setting.region_code) in (2, 4, 6, 9, 12):
            seen.add(setting.region_code)
            found.append((setting.region_code, setting))
    return found


def _area_q(area: str, all_areas: list[str], region_code: str) -> Q:
    # The people are already those of ``region_code``: its own area needs no prefix test.
    q = Q(region_code__startswith=area) if area and area != region_code else Q()
    for other in all_areas:
        if other != area and other.startswith(area) and len(other) > len(area):
            q &= ~Q(region_code__startswith=other)
    return q


def _cond(q: Q) -> Q:
    """``When`` refuses an empty Q (which selects everyone)."""
    return q if q else Q(pk__isnull=False)


def _one(q: Q) -> Sum:
    return Sum(Case(When(_cond(q), then=Value(1)), default=Value(0), output_field=IntegerField()))


def preview(
    program: Program, region_code: str, on: dt.date, *, user: Any = None, sample: int = 20
) -> Preview:
    """Counts over the people living in the region's subtree (in ``user``'s persons.view scope when
    a user is given): eligible, and per rule how many fail it; and up to ``sample`` eligible people."""
    people = Person.objects.for_user(user, "view") if user is not None else Person.objects.all()
    if region_code:
        people = people.filter(region_code__startswith=region_code)
    result = Preview(program=program, region_code=region_code, on=on)
    settings = _settings_in(program, region_code, on)
    areas = [a for a, _s in settings]
    compiled: list[tuple[str, RuleSetting, list[Rule], Q]] = []
    all_rules: list[Rule] = []
    for area, setting in settings:
        rules = build_rules(setting.rules)
        all_rules.extend(rules)
        compiled.append((area, setting, rules, _area_q(area, areas, region_code)))
    # The counts join each hardship kind once (hashed over the whole region); the sample walks people
    # in key order with a probe per person and stops at ``sample`` (see ``annotate_facts``).
    annotated = annotate_facts(people, all_rules, on, join_hardship=True)

    aggregates: dict[str, Any] = {"people": Count("pk")}
    eligible_any = Q(pk__in=[])
    for i, (_area, _setting, rules, area_q) in enumerate(compiled):
        chosen = area_q & eligible_q(rules, on)
        eligible_any |= chosen
        aggregates[f"s{i}_people"] = _one(area_q)
        aggregates[f"s{i}_eligible"] = _one(chosen)
        for j, rule in enumerate(rules):
            if not isinstance(rule, Declared):
                # Failing = in the area and not selected by the rule (NULL counts as failing).
                aggregates[f"s{i}_r{j}"] = Sum(
                    Case(
                        When(_cond(area_q & rule.q(on)), then=Value(0)),
                        When(_cond(area_q), then=Value(1)),
                        default=Value(0),
                        output_field=IntegerField(),
                    )
                )
    with transaction.atomic():
        without_jit()  # compiling this one-off statement costs more than it saves
        counts = annotated.aggregate(**aggregates)

    result.people = counts["people"] or 0
    covered = 0
    for i, (area, setting, rules, _q) in enumerate(compiled):
        share = SettingCount(
            setting=setting,
            area=area,
            people=counts[f"s{i}_people"] or 0,
            eligible=counts[f"s{i}_eligible"] or 0,
        )
        for j, rule in enumerate(rules):
            failed = None if isinstance(rule, Declared) else counts[f"s{i}_r{j}"] or 0
            share.rules.append(RuleCount(code=rule.code, label=rule.label(), failed=failed))
        covered += share.people
        result.eligible += share.eligible
        result.settings.append(share)
    result.uncovered = result.people - covered
    if sample and compiled:
        result.sample = list(
            annotate_facts(people, all_rules, on)
            .filter(eligible_any)
            .order_by("pk")
            .only("pk", "name", "id_number", "region_code")[:sample]
        )
    return result


def describe(result: Preview) -> dict[str, Any]:
    """The preview as JSON-able data (API, command line)."""
    return {
        "program": result.program.code,
        "region": result.region_code,
        "on": result.on.isoformat(),
        "people": result.people,
        "eligible": result.eligible,
        "uncovered": result.uncovered,
        "settings": [
            {
                "setting": s.setting.pk,
                "setting_region": s.setting.region_code,
                "setting_from": s.setting.valid_from.isoformat(),
                "area": s.area,
                "people": s.people,
                "eligible": s.eligible,
                "rules": [{"code": r.code, "label": r.label, "failed": r.failed} for r in s.rules],
            }
            for s in result.settings
        ],
        "sample": [
            {"id": p.pk, "name": p.name, "id_number": p.masked_id, "region_code": p.region_code}
            for p in result.sample
        ],
        "note": _("Declarations made in an application are not checked in a preview."),
    }
