"""Commercial insurance bought for certified people (残疾人商业保险: accident or health insurance) as an
engine program, built exactly like the pension premium (``presets.py``): its rule family's options,
how they compile into the engine's rule list, and the yearly premium of a region.

The premium is a yearly amount per insured person set by region each year as the engine's
``Standard`` rows in force from 1 to 31 January (``insurance_year_set``; by grade or hardship where a
region bands it). The program pays once a year: its January cycle (``arrears_months = 0``) is exported
as the list sent to the insurer, and the insurer's result file (insured, or refused with a reason, per
person) is matched back through the cycle's results (engine ``cycle_record_results``). A cycle of
another month finds no standard in force and pays nobody.

Eligibility (configurable per region from a date, a ``RuleSetting``): alive, certificate valid, and —
the options — severe disability (grade 1–2) of any household, any grade in a 低保 or 特困 household
(optionally also low-income), or every certificate holder; optionally only of working age (16–59).

The family is registered from ``EmploymentConfig.ready()`` through ``register()``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from canlian.domains.employment.presets import Option

INSURANCE = "commercial-insurance"
FAMILY = INSURANCE
NAME = _("Commercial insurance bought for people with disabilities")
OFFICIAL_NAME = "残疾人商业保险"
SHORT_NAME = _("commercial insurance")

OPTIONS: list[Option] = [
    Option("severe_any_household", _("Every grade 1–2 certificate holder, whatever the household"), True),
    Option("hardship_any_grade", _("Certificate holders of any grade in 低保 or 特困 households"), True),
    Option("include_low_income", _("Also low-income (低收入) households"), False),
    Option("all_grades", _("Every certificate holder, whatever the grade and household"), False),
    Option("working_age_only", _("Only people of working age (16–59)"), False),
]


def default_options() -> dict[str, bool]:
    return {o.key: o.default for o in OPTIONS}


def compile_rules(options: dict[str, Any]) -> list[dict[str, Any]]:
    """The engine's rule list for the chosen options (missing options take their defaults)."""
    chosen = {**default_options(), **{k: bool(v) for k, v in options.items()}}
    rules: list[dict[str, Any]] = [{"rule": "alive"}, {"rule": "certificate_valid"}]
    if chosen["working_age_only"]:
        rules.append({"rule": "age", "min": 16, "max": 59})
    if chosen["all_grades"]:
        return rules
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


def register() -> None:
    """Register the rule family with the engine (from ``EmploymentConfig.ready()``)."""
    from canlian.programs.families import register_family

    register_family(FAMILY, options=OPTIONS, compile=compile_rules)


@transaction.atomic
def insurance_year_set(
    *,
    actor: Any,
    region_code: str,
    year: Any,
    amount: Any,
    grades: str = "",
    hardship: str = "",
    note: str = "",
) -> Any:
    """The yearly commercial-insurance premium per person of a region for ``year``: an engine standard
    in force 1–31 January of the year, so the January cycle pays it once (audited by the engine,
    refused there without the programs' permission in the region)."""
    from canlian.platform.inputs import as_int
    from canlian.programs.rules.actions import standard_create

    year = as_int(year, "year", low=2000, high=2100)
    return standard_create(
        actor=actor,
        program=INSURANCE,
        region_code=region_code,
        valid_from=dt.date(year, 1, 1),
        valid_to=dt.date(year, 1, 31),
        amount=amount,
        grades=grades,
        hardship=hardship,
        note=note or f"{year} 残疾人商业保险",
    )
