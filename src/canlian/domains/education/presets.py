"""The living allowance of 50 yuan a month for disabled pupils in compulsory education from poor
families as an engine program: its rule family's options and the compiled rule list. The amount is
the engine's ``Standard`` (effective-dated, by region); the program is paid monthly by the cycles.

Eligibility: alive, certificate valid, of compulsory school age (6–15), in a 低保 or 特困 household
(optionally also low-income). Whether the child is actually enrolled is the placement of the school
year (the township checks it when applying; the not-enrolled list shows the gaps).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

ALLOWANCE = "pupil-living-allowance"
FAMILY = ALLOWANCE
NAME = _("Living allowance for disabled pupils of poor families")
OFFICIAL_NAME = "家庭经济困难残疾学生生活补助"
SHORT_NAME = _("pupil living allowance")


@dataclass(frozen=True)
class Option:
    key: str
    label: str | Promise
    default: bool


OPTIONS: list[Option] = [
    Option("include_low_income", _("Also low-income (低收入) households"), False),
    Option("include_tekun", _("Also extreme-poverty support (特困) households"), True),
]


def default_options() -> dict[str, bool]:
    return {o.key: o.default for o in OPTIONS}


def compile_rules(options: dict[str, Any]) -> list[dict[str, Any]]:
    chosen = {**default_options(), **{k: bool(v) for k, v in options.items()}}
    kinds = ["dibao"]
    if chosen["include_tekun"]:
        kinds.append("tekun")
    if chosen["include_low_income"]:
        kinds.append("low_income")
    return [
        {"rule": "alive"},
        {"rule": "certificate_valid"},
        {"rule": "age", "min": 6, "max": 15},
        {"rule": "hardship_any", "kinds": kinds},
    ]
