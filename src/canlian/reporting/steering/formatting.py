"""How a figure reads on a page: by unit, people / person-times / counts as whole numbers, amounts in
万元 with two decimals (the exact yuan in the title), rates as a percentage; the target, the progress
bar with its 序时进度 mark, the change since last month and the "as of" time. Pure functions over a
``Figure``; the cards (``_cards.html``) and the charts (``charts.py``) both read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from canlian.platform.indicators import Indicator, Unit
from canlian.reporting.steering.progress import percent
from canlian.reporting.steering.selectors import Figure

TEN_THOUSAND = Decimal(10000)
CENT = Decimal("0.01")
DASH = "—"


def unit_label(indicator: Indicator) -> str:
    """The unit shown after a value (万元 for amounts, % for rates)."""
    return {
        Unit.PEOPLE: pgettext("unit", "people"),
        Unit.TIMES: pgettext("unit", "person-times"),
        Unit.COUNT: "",
        Unit.AMOUNT: _("10k yuan"),
        Unit.RATE: "%",
    }[indicator.unit]


def plain_number(indicator: Indicator, value: Decimal | None, *, fine: bool = False) -> Decimal | None:
    """The number as shown (and charted): whole units, 万元 to the cent, or percent to 0.1.
    ``fine``: a share of a target (target × time elapsed) keeps one decimal of a whole unit."""
    if value is None:
        return None
    if indicator.unit == Unit.AMOUNT:
        return (value / TEN_THOUSAND).quantize(CENT, rounding=ROUND_HALF_UP)
    if indicator.unit == Unit.RATE:
        return percent(value, 1)
    return value.quantize(Decimal("0.1") if fine else Decimal(1), rounding=ROUND_HALF_UP)


def number_text(
    indicator: Indicator, value: Decimal | None, *, signed: bool = False, fine: bool = False
) -> str:
    """The number without its unit, with thousands separators ("1,048.33", "98.2")."""
    shown = plain_number(indicator, value, fine=fine)
    if shown is None:
        return DASH
    sign = "+" if signed else ""
    if indicator.unit == Unit.AMOUNT:
        return f"{shown:{sign},.2f}"
    if indicator.unit == Unit.RATE or fine:
        return f"{shown:{sign},.1f}"
    return f"{int(shown):{sign},}"


def value_text(indicator: Indicator, value: Decimal | None) -> str:
    """A value with its unit: "1,234", "1,048.33 万元", "98.2%"."""
    text = number_text(indicator, value)
    if value is None:
        return text
    if indicator.unit == Unit.RATE:
        return f"{text}%"
    unit = unit_label(indicator)
    return f"{text} {unit}" if unit else text


def exact_text(indicator: Indicator, value: Decimal | None) -> str:
    """The exact value for a title: an amount in yuan to the cent ("10,483,300.00 元")."""
    if value is None:
        return ""
    if indicator.unit == Unit.AMOUNT:
        return _("%(amount)s yuan") % {"amount": f"{value.quantize(CENT, rounding=ROUND_HALF_UP):,.2f}"}
    return value_text(indicator, value)


def change_text(indicator: Indicator, change: Decimal | None) -> str:
    """Since last month: "+12", "-0.50 万元", "+1.2 个百分点" (a rate changes by percentage points)."""
    if change is None:
        return DASH
    text = number_text(indicator, change, signed=True)
    if indicator.unit == Unit.RATE:
        return _("%(n)s percentage points") % {"n": text}
    unit = unit_label(indicator)
    return f"{text} {unit}" if unit else text


def share_text(share: Decimal | None) -> str:
    """A share as a percentage: 0.7634 → "76.3%"."""
    value = percent(share, 1)
    return DASH if value is None else f"{value}%"


def _bar(share: Decimal | None) -> str:
    """A CSS width in percent (0–100) as a plain string, whatever the locale."""
    if share is None:
        return "0"
    capped = min(max(share, Decimal(0)), Decimal(1))
    return str((capped * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class FigureView:
    """The strings a card shows for one figure."""

    figure: Figure
    value: str
    value_title: str
    target: str
    progress: str
    bar: str
    #: Where the 序时进度 mark sits on the bar (percent), None for a rate (compared with its target).
    mark: str | None
    elapsed: str
    change: str
    change_sign: str
    status: str
    status_label: str
    as_of: str


def present(figure: Figure) -> FigureView:
    indicator = figure.indicator
    change = figure.change
    sign = "" if change is None or change == 0 else ("up" if change > 0 else "down")
    as_of = (
        _("as of %(time)s") % {"time": timezone.localtime(figure.as_of).strftime("%Y-%m-%d %H:%M")}
        if figure.as_of is not None
        else _("not computed yet")
    )
    return FigureView(
        figure=figure,
        value=value_text(indicator, figure.value),
        value_title=exact_text(indicator, figure.value),
        target=value_text(indicator, figure.target) if figure.target is not None else _("no target"),
        progress=share_text(figure.progress),
        bar=_bar(figure.progress),
        mark=None if indicator.is_rate else _bar(figure.elapsed),
        elapsed=share_text(figure.elapsed),
        change=change_text(indicator, change),
        change_sign=sign,
        status=str(figure.status),
        status_label=figure.status.label,
        as_of=as_of,
    )
