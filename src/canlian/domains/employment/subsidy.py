"""The subsidy of an employer above the quota (超比例安排残疾人就业奖励), step by step.

    required = staff × quota ratio                     (the rule of the review; may be fractional)
    above    = counted − required                      (a grade 1–2 employee counts as 2)
    persons  = the whole persons of ``above`` (rounded down; nothing when ≤ 0)
    subsidy  = persons × the standard per person       (by region, in force on 1 January of the
                                                        levy year)

Exactly at the quota pays nothing; one above pays one standard. Pure arithmetic, like ``fund.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

from django.utils.translation import gettext as _

from canlian.domains.employment.fund import Step

CENT = Decimal("0.01")


@dataclass
class SubsidyResult:
    counted: int
    required: Decimal
    above: Decimal
    persons: int
    standard: Decimal | None
    amount: Decimal
    steps: list[Step] = field(default_factory=list)


def compute_subsidy(
    *, staff: Decimal, quota_ratio: Decimal, counted: int, standard: Decimal | None
) -> SubsidyResult:
    required = staff * quota_ratio
    above = Decimal(counted) - required
    persons = int(above.to_integral_value(rounding=ROUND_FLOOR)) if above > 0 else 0
    amount = (Decimal(persons) * standard).quantize(CENT) if standard is not None else Decimal("0.00")
    steps = [
        Step(_("Required"), f"{staff} × {quota_ratio:%}".replace("%", " %"), f"{required.normalize():f}"),
        Step(_("Counted"), _("grade 1–2 count as two"), str(counted)),
        Step(_("Above the quota"), f"{counted} − {required.normalize():f}", f"{above.normalize():f}"),
        Step(_("Whole persons above the quota"), _("rounded down, nothing when not above"), str(persons)),
        Step(
            _("Standard per person"),
            _("in force on 1 January of the levy year"),
            "—" if standard is None else str(standard),
        ),
        Step(_("Subsidy"), f"{persons} × {standard if standard is not None else '—'}", str(amount)),
    ]
    return SubsidyResult(
        counted=counted,
        required=required,
        above=above,
        persons=persons,
        standard=standard,
        amount=amount,
        steps=steps,
    )
