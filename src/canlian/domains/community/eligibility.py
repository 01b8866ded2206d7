"""Who may join a home, enter care or work in assisted employment: the rule list in force for the
purpose, region and day (``EligibilityRuleSet``, longest region prefix first), evaluated with the
engine's rule primitives (``canlian.programs.rules.engine``) so that each verdict says why."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from canlian.domains.community.models import EligibilityRuleSet
from canlian.domains.community.models._base import effective_q, region_prefixes
from canlian.platform.errors import ValidationFailed
from canlian.programs.rules.engine import Facts, RuleResult, build_rules, evaluate, validate_rules


@dataclass
class Eligibility:
    eligible: bool
    results: list[RuleResult]
    rule_set: EligibilityRuleSet | None

    @property
    def refusal(self) -> str:
        return "；".join(f"{r.label}：{r.reason}" for r in self.results if r.passed is False)


def rule_set_for(purpose: str, region_code: str, on: dt.date) -> EligibilityRuleSet | None:
    candidates = list(
        EligibilityRuleSet.objects.filter(
            effective_q(on), purpose=purpose, region_code__in=region_prefixes(region_code)
        )
    )
    candidates.sort(key=lambda r: (len(r.region_code), r.valid_from), reverse=True)
    return candidates[0] if candidates else None


def check(purpose: str, person: Any, on: dt.date, region_code: str | None = None) -> Eligibility:
    """The verdict for ``person`` on ``on`` (no rule list in force: not eligible, said so)."""
    rule_set = rule_set_for(purpose, region_code or person.region_code, on)
    if rule_set is None:
        return Eligibility(
            False,
            [RuleResult("rules", _("Rule list"), False, _("No eligibility rule list is in force."))],
            None,
        )
    ok, results = evaluate(build_rules(rule_set.rules), Facts.load(person, on))
    return Eligibility(ok, results, rule_set)


def require(
    purpose: str, person: Any, on: dt.date, *, field: str = "person_id", region_code: str | None = None
) -> Eligibility:
    """``check`` that raises a ValidationFailed naming ``field`` with every failed rule's reason."""
    verdict = check(purpose, person, on, region_code)
    if not verdict.eligible:
        raise ValidationFailed(
            _("%(name)s is not eligible: %(why)s") % {"name": person.name, "why": verdict.refusal},
            field=field,
            code="not_eligible",
        )
    return verdict


def clean_rules(rules: Any) -> list[dict[str, Any]]:
    validate_rules(rules)
    return list(rules)
