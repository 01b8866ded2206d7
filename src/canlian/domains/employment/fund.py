"""The employment security fund (残疾人就业保障金) of one declaration, computed step by step.

    required  = staff × quota ratio                      (may be fractional)
    shortfall = max(0, required − counted)               (a grade 1–2 employee counts as 2)
    wage base = min(employer's average wage, cap multiple × local average wage)
    gross     = shortfall × wage base                    (to the cent, half up)
    share     = 0 if staff ≤ the exemption threshold;
                else, where the rule has reduction bands: band share if counted ÷ staff ≥ band
                ratio, else below-band share (2023–2027: ≥1% pays 50%, <1% pays 90%); else 1
    fund due  = gross × share                            (to the cent, half up)

A non-reporter is reviewed with counted = 0. The rule and the wage figures are effective-dated data
(``QuotaRule``, ``LocalWage``); this module is pure arithmetic over them, so tests give worked
examples with exact amounts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

CENT = Decimal("0.01")
ONE = Decimal("1")
ZERO = Decimal("0")


@dataclass(frozen=True)
class RuleFigures:
    quota_ratio: Decimal
    wage_cap_multiple: Decimal
    exempt_staff_max: int | None = None
    band_ratio: Decimal | None = None
    band_share: Decimal | None = None
    below_band_share: Decimal | None = None


@dataclass(frozen=True)
class Step:
    label: str
    formula: str
    value: str


@dataclass
class FundResult:
    staff: Decimal
    counted: int
    required: Decimal
    shortfall: Decimal
    wage_base: Decimal
    capped: bool
    gross: Decimal
    achieved_ratio: Decimal
    exempt: bool
    share: Decimal
    fund_due: Decimal
    steps: list[Step] = field(default_factory=list)


def _pct(value: Decimal) -> str:
    return f"{(value * 100).quantize(Decimal('0.01'))}%"


def _n(value: Decimal) -> str:
    """A number without trailing zeros (100.00 → 100, 0.4650 → 0.465)."""
    return f"{Decimal(value).normalize():f}"


def compute_fund(
    *,
    staff: Decimal,
    counted: int,
    average_wage: Decimal,
    local_average_wage: Decimal,
    rule: RuleFigures,
) -> FundResult:
    staff = Decimal(staff)
    required = staff * rule.quota_ratio
    shortfall = max(ZERO, required - Decimal(counted))
    cap = (rule.wage_cap_multiple * local_average_wage).quantize(CENT, ROUND_HALF_UP)
    capped = average_wage > cap
    wage_base = cap if capped else average_wage
    gross = (shortfall * wage_base).quantize(CENT, ROUND_HALF_UP)
    achieved = (Decimal(counted) / staff) if staff else ZERO
    exempt = rule.exempt_staff_max is not None and staff <= rule.exempt_staff_max
    if exempt:
        share = ZERO
    elif rule.band_ratio is not None:
        share = rule.band_share if achieved >= rule.band_ratio else rule.below_band_share
    else:
        share = ONE
    fund_due = (gross * share).quantize(CENT, ROUND_HALF_UP) if shortfall > 0 else ZERO.quantize(CENT)
    steps = [
        Step(_("Average in-post staff"), "", _n(staff)),
        Step(_("Disabled employees counted (grade 1–2 count as two)"), "", f"{counted}"),
        Step(_("Required"), f"{_n(staff)} × {_pct(rule.quota_ratio)}", _n(required)),
        Step(_("Shortfall"), f"max(0, {_n(required)} − {counted})", _n(shortfall)),
        Step(
            _("Wage base"),
            f"min({average_wage}, {_n(rule.wage_cap_multiple)} × {local_average_wage} = {cap})",
            f"{wage_base}" + (f" ({_('capped')})" if capped else ""),
        ),
        Step(_("Fund before reduction"), f"{_n(shortfall)} × {wage_base}", f"{gross}"),
        Step(_("Achieved ratio"), f"{counted} ÷ {_n(staff)}", _pct(achieved)),
    ]
    if exempt:
        steps.append(
            Step(
                _("Small employer exempt"),
                _("%(staff)s ≤ %(max)s staff") % {"staff": _n(staff), "max": rule.exempt_staff_max},
                "0%",
            )
        )
    elif rule.band_ratio is not None:
        above = achieved >= rule.band_ratio
        steps.append(
            Step(
                _("Reduction band"),
                (
                    f"{_pct(achieved)} ≥ {_pct(rule.band_ratio)}"
                    if above
                    else f"{_pct(achieved)} < {_pct(rule.band_ratio)}"
                ),
                _("pays %(share)s") % {"share": _pct(share)},
            )
        )
    steps.append(Step(_("Fund due"), f"{gross} × {_pct(share)}", f"{fund_due}"))
    return FundResult(
        staff=staff,
        counted=counted,
        required=required,
        shortfall=shortfall,
        wage_base=wage_base,
        capped=capped,
        gross=gross,
        achieved_ratio=achieved,
        exempt=exempt,
        share=share,
        fund_due=fund_due,
        steps=steps,
    )


def rule_figures(rule: object) -> RuleFigures:
    return RuleFigures(
        quota_ratio=rule.quota_ratio,  # type: ignore[attr-defined]
        wage_cap_multiple=rule.wage_cap_multiple,  # type: ignore[attr-defined]
        exempt_staff_max=rule.exempt_staff_max,  # type: ignore[attr-defined]
        band_ratio=rule.band_ratio,  # type: ignore[attr-defined]
        band_share=rule.band_share,  # type: ignore[attr-defined]
        below_band_share=rule.below_band_share,  # type: ignore[attr-defined]
    )
