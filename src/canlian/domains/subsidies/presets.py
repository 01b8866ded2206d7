"""The two subsidies' rule options and how they compile into the engine's rule lists.

国发〔2015〕52号 sets the national rules; provinces extend or relax them (../shared/DOMAIN.md). Each
option below is a switch an administrator sets per region from a date (a ``RuleSetting``); the
compiled rule list is what the engine evaluates and explains.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

LIVING = "living-subsidy"
NURSING = "nursing-subsidy"


@dataclass(frozen=True)
class Option:
    key: str
    label: str | Promise
    default: bool


OPTIONS: dict[str, list[Option]] = {
    LIVING: [
        Option("include_low_income", _("Also low-income families (低收入), not only 低保"), False),
        Option("exclude_tekun", _("Exclude people on extreme-poverty support (特困)"), True),
        Option("exclude_orphans", _("Exclude orphans (they receive the nursing subsidy only)"), True),
    ],
    NURSING: [
        Option(
            "include_grade_3_4_intellectual_mental",
            _("Also grade 3–4 intellectual and mental disability"),
            False,
        ),
        Option("exclude_hearing_speech", _("Exclude hearing and speech disability"), False),
        Option(
            "require_long_term_care", _("Require a declared need of long-term care (over 6 months)"), True
        ),
        Option("exclude_tekun", _("Exclude people on extreme-poverty support (特困)"), True),
        Option("exclude_work_injury", _("Exclude people receiving work-injury nursing pay"), True),
    ],
}

NAMES = {
    LIVING: (
        _("Living subsidy for people with disabilities in hardship"),
        "困难残疾人生活补贴",
        _("living subsidy"),
    ),
    NURSING: (
        _("Nursing subsidy for people with severe disabilities"),
        "重度残疾人护理补贴",
        _("nursing subsidy"),
    ),
}


def default_options(program_code: str) -> dict[str, bool]:
    return {o.key: o.default for o in OPTIONS[program_code]}


def compile_rules(program_code: str, options: dict[str, Any]) -> list[dict[str, Any]]:
    """The engine's rule list for the chosen options (missing options take their defaults)."""
    chosen = {**default_options(program_code), **{k: bool(v) for k, v in options.items()}}
    rules: list[dict[str, Any]] = [{"rule": "alive"}, {"rule": "certificate_valid"}]
    if program_code == LIVING:
        kinds = ["dibao", "low_income"] if chosen["include_low_income"] else ["dibao"]
        rules.append({"rule": "hardship_any", "kinds": kinds})
        if chosen["exclude_tekun"]:
            rules.append({"rule": "hardship_none", "kinds": ["tekun"]})
        if chosen["exclude_orphans"]:
            rules.append({"rule": "hardship_none", "kinds": ["orphan"]})
        return rules
    severe: dict[str, Any] = {"rule": "certificate", "grades": [1, 2]}
    if chosen["exclude_hearing_speech"]:
        severe["exclude_categories"] = [2, 3]
    if chosen["include_grade_3_4_intellectual_mental"]:
        rules.append(
            {
                "rule": "any_of",
                "rules": [severe, {"rule": "certificate", "grades": [3, 4], "categories": [5, 6]}],
            }
        )
    else:
        rules.append(severe)
    if chosen["require_long_term_care"]:
        rules.append({"rule": "declared", "field": "needs_long_term_care", "value": True})
    if chosen["exclude_tekun"]:
        rules.append({"rule": "hardship_none", "kinds": ["tekun"]})
    if chosen["exclude_work_injury"]:
        rules.append({"rule": "declared", "field": "work_injury_nursing", "value": False})
    return rules


#: Provincial variants seen in practice, as option sets (DOMAIN.md; amounts go in standards).
VARIANTS: dict[str, dict[str, dict[str, bool]]] = {
    "national": {LIVING: {}, NURSING: {}},
    "extended": {
        LIVING: {"include_low_income": True},
        NURSING: {"include_grade_3_4_intellectual_mental": True},
    },
    "extended-no-hearing-speech": {
        LIVING: {"include_low_income": True},
        NURSING: {"include_grade_3_4_intellectual_mental": True, "exclude_hearing_speech": True},
    },
    "relaxed-exclusions": {
        LIVING: {"exclude_tekun": False},
        NURSING: {"exclude_tekun": False, "exclude_work_injury": False},
    },
}
