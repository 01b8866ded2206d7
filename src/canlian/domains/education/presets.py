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


# --- the kindergarten fee subsidy and the grants of vocational schools and universities ----------
#
# Both are paid per term through the cycles: the amount of a term is an engine ``Standard`` of the
# region in force for the whole of the term's paying month only (``TERM_MONTHS``; ``term_standard_set``
# in actions.py), and the programs keep ``arrears_months = 0``, so the cycle of the paying month pays
# the term once and a cycle of any other month finds no standard in force and pays nobody. The engine
# pays a flat amount per standard (by region, and by grade/hardship where a region bands it): it has no
# per-person amount, so the subsidy is not capped at the fee a kindergarten actually charges.
#
# Eligibility reads the placement of the school year of the paying day (the ``education_placement``
# rule of ``education/rules.py``): a March payment the placement of the school year that began the
# September before, a September payment the new year's.
#
# Children of disabled parents are not covered: the engine pays a registered person whose own
# certificate the rules read, and the registry records relationships to the household head only
# (no parent–child link between two people), so a rule "a parent holds a certificate" cannot be stated
# exactly. Both programs pay certified children and students.

#: The month of the year in which each term is paid.
TERM_MONTHS: dict[str, int] = {"spring": 3, "autumn": 9}
TERM_LABELS = {"spring": _("Spring term (paid in March)"), "autumn": _("Autumn term (paid in September)")}

KINDERGARTEN = "kindergarten-fee-subsidy"
KINDERGARTEN_FAMILY = KINDERGARTEN
KINDERGARTEN_NAME = _("Kindergarten fee subsidy for disabled children")
KINDERGARTEN_OFFICIAL_NAME = "学前教育残疾儿童资助"
KINDERGARTEN_SHORT_NAME = _("kindergarten fee subsidy")
#: Preschool age on the paying day (3 to 6 inclusive).
PRESCHOOL_AGE = (3, 6)

KINDERGARTEN_OPTIONS: list[Option] = [
    Option("hardship_only", _("Only children of 低保 or 特困 households"), False),
    Option("include_low_income", _("With hardship only: also low-income (低收入) households"), False),
]

STUDENT_GRANT = "student-grant"
STUDENT_GRANT_FAMILY = STUDENT_GRANT
STUDENT_GRANT_NAME = _("Grant for disabled students at vocational schools and universities")
STUDENT_GRANT_OFFICIAL_NAME = "中职及高校残疾学生助学金"
STUDENT_GRANT_SHORT_NAME = _("student grant")

STUDENT_GRANT_OPTIONS: list[Option] = [
    Option("vocational", _("Students at vocational schools (中职)"), True),
    Option("higher_education", _("Students at universities and colleges (高校)"), True),
    Option("hardship_only", _("Only students of 低保 or 特困 households"), False),
    Option("include_low_income", _("With hardship only: also low-income (低收入) households"), False),
]


def _chosen(options: list[Option], given: dict[str, Any]) -> dict[str, bool]:
    return {**{o.key: o.default for o in options}, **{k: bool(v) for k, v in given.items()}}


def _hardship(chosen: dict[str, bool]) -> list[dict[str, Any]]:
    if not chosen["hardship_only"]:
        return []
    kinds = ["dibao", "tekun"] + (["low_income"] if chosen["include_low_income"] else [])
    return [{"rule": "hardship_any", "kinds": kinds}]


def kindergarten_default_options() -> dict[str, bool]:
    return _chosen(KINDERGARTEN_OPTIONS, {})


def kindergarten_compile_rules(options: dict[str, Any]) -> list[dict[str, Any]]:
    """Alive, certificate valid, aged 3–6, placed in preschool in the school year (optionally a
    hardship household)."""
    chosen = _chosen(KINDERGARTEN_OPTIONS, options)
    low, high = PRESCHOOL_AGE
    return [
        {"rule": "alive"},
        {"rule": "certificate_valid"},
        {"rule": "age", "min": low, "max": high},
        {"rule": "education_placement", "placements": ["preschool"]},
        *_hardship(chosen),
    ]


def student_grant_default_options() -> dict[str, bool]:
    return _chosen(STUDENT_GRANT_OPTIONS, {})


def student_grant_compile_rules(options: dict[str, Any]) -> list[dict[str, Any]]:
    """Alive, certificate valid, placed at a vocational school or university in the school year (the
    chosen levels; at least one), optionally a hardship household."""
    chosen = _chosen(STUDENT_GRANT_OPTIONS, options)
    placements = [
        p
        for key, p in (("vocational", "vocational"), ("higher_education", "higher_education"))
        if chosen[key]
    ]
    return [
        {"rule": "alive"},
        {"rule": "certificate_valid"},
        {"rule": "education_placement", "placements": placements or ["vocational", "higher_education"]},
        *_hardship(chosen),
    ]


#: (code, family options, compile) of every rule family education registers.
FAMILIES = (
    (FAMILY, OPTIONS, compile_rules),
    (KINDERGARTEN_FAMILY, KINDERGARTEN_OPTIONS, kindergarten_compile_rules),
    (STUDENT_GRANT_FAMILY, STUDENT_GRANT_OPTIONS, student_grant_compile_rules),
)
#: The programs paid per term.
TERM_PROGRAMS = (KINDERGARTEN, STUDENT_GRANT)
