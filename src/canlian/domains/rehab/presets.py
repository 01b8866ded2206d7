"""The children's rehabilitation rule options and how they compile into the engine's rule lists.

国发〔2018〕20号 (the national children's rehabilitation assistance system, from 2018-10-01) covers
children aged 0–6 with visual, hearing, speech, physical or intellectual disability or autism;
provinces widen the age band (Shandong: 0–17), require a certificate, or restrict to hardship
families (../shared/DOMAIN.md). Each option is a switch an administrator sets per region from a date
(a ``RuleSetting``); the compiled rule list is what the engine evaluates and explains.

A child not yet certified may apply with a designated hospital's diagnosis, declared in the
application (``Enrollment.diagnosis_confirmed``). Hardship is *priority* by default, not a condition:
the applications page shows hardship families first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from canlian.domains.rehab.choices import PROGRAM_CODE

FAMILY = PROGRAM_CODE

#: Certificate categories covered (registry Category codes): visual, hearing, speech, physical,
#: intellectual, mental (autism is certified as mental disability) and multiple.
CERTIFICATE_CATEGORIES = [1, 2, 3, 4, 5, 6, 7]

#: Hardship kinds that give a child priority (or, with the option, are required).
PRIORITY_HARDSHIP = ["dibao", "low_income", "tekun", "orphan", "monitored"]


@dataclass(frozen=True)
class Option:
    key: str
    label: str | Promise
    default: bool


OPTIONS: list[Option] = [
    Option("ages_0_17", _("Widen the age band to 0–17 (Shandong), not only 0–6"), False),
    Option(
        "require_certificate",
        _("Require a disability certificate (no designated hospital's diagnosis instead)"),
        False,
    ),
    Option(
        "hardship_only",
        _("Only children of hardship families (otherwise hardship is priority, not a condition)"),
        False,
    ),
]

NAME = (_("Children's rehabilitation assistance"), "残疾儿童康复救助", _("child rehabilitation"))


def default_options() -> dict[str, bool]:
    return {o.key: o.default for o in OPTIONS}


def compile_rules(options: dict[str, Any]) -> list[dict[str, Any]]:
    """The engine's rule list for the chosen options (missing options take their defaults)."""
    chosen = {**default_options(), **{k: bool(v) for k, v in options.items()}}
    rules: list[dict[str, Any]] = [
        {"rule": "alive"},
        {"rule": "age", "min": 0, "max": 17 if chosen["ages_0_17"] else 6},
    ]
    certified = {"rule": "certificate", "categories": list(CERTIFICATE_CATEGORIES)}
    if chosen["require_certificate"]:
        rules += [{"rule": "certificate_valid"}, certified]
    else:
        rules.append(
            {
                "rule": "any_of",
                "rules": [certified, {"rule": "declared", "field": "diagnosis_confirmed", "value": True}],
            }
        )
    if chosen["hardship_only"]:
        rules.append({"rule": "hardship_any", "kinds": list(PRIORITY_HARDSHIP)})
    return rules


#: Variants seen in practice, as option sets.
VARIANTS: dict[str, dict[str, bool]] = {
    "national": {},
    "shandong": {"ages_0_17": True},
    "certificate-only": {"require_certificate": True},
    "hardship-only": {"hardship_only": True},
}
