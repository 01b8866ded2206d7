"""The pension premium paid on behalf of people (城乡居民养老保险代缴) as an engine program: its rule
family's options and how they compile into the engine's rule lists.

The premium is a yearly amount (the lowest contribution grade, e.g. 100 or 200 yuan a year) set by
region each year as the engine's ``Standard`` rows in force from 1 to 31 January of the year
(``actions.premium_year_set``; by grade or hardship where a region bands it). The program pays once
a year: its cycle is generated for January (``arrears_months = 0``, so a cycle pays only its own
month; a cycle of another month finds no standard in force and pays nobody), exported as the list sent to the social-insurance agency, and the
agency's result file is matched back through the cycle's results (paid, or failed with a reason, per
person).

Eligibility (configurable per region from a date, a ``RuleSetting``): alive, certificate valid, of
insurable age (16–59: from 60 the pension is drawn), and — the options — severe disability (grade
1–2) of any household, or any grade in a 低保 or 特困 household, optionally also low-income families.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

PENSION = "pension-premium"
FAMILY = PENSION
NAME = _("Pension premium paid on behalf of people with disabilities")
OFFICIAL_NAME = "城乡居民基本养老保险代缴"
SHORT_NAME = _("pension premium")


@dataclass(frozen=True)
class Option:
    key: str
    label: str | Promise
    default: bool


OPTIONS: list[Option] = [
    Option("severe_any_household", _("Every grade 1–2 certificate holder, whatever the household"), True),
    Option("hardship_any_grade", _("Certificate holders of any grade in 低保 or 特困 households"), True),
    Option("include_low_income", _("Also low-income (低收入) households"), False),
]


def default_options() -> dict[str, bool]:
    return {o.key: o.default for o in OPTIONS}


def compile_rules(options: dict[str, Any]) -> list[dict[str, Any]]:
    """The engine's rule list for the chosen options (missing options take their defaults)."""
    chosen = {**default_options(), **{k: bool(v) for k, v in options.items()}}
    rules: list[dict[str, Any]] = [
        {"rule": "alive"},
        {"rule": "certificate_valid"},
        {"rule": "age", "min": 16, "max": 59},
    ]
    paths: list[dict[str, Any]] = []
    if chosen["severe_any_household"]:
        paths.append({"rule": "certificate", "grades": [1, 2]})
    if chosen["hardship_any_grade"]:
        kinds = ["dibao", "tekun"] + (["low_income"] if chosen["include_low_income"] else [])
        paths.append({"rule": "hardship_any", "kinds": kinds})
    if not paths:
        paths.append({"rule": "certificate", "grades": [1, 2]})
    rules.append(paths[0] if len(paths) == 1 else {"rule": "any_of", "rules": paths})
    return rules
