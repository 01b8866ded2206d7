"""The dashboard's charts as Apache ECharts options, built here (never in a template) and handed to
``static/canlian/charts.js`` through ``json_script``. Each chart carries the table of the same
numbers that the page prints right under it (for screen readers and for paper).

- ``progress_chart``: the year-to-date value at each month's end (bars) against the target × time
  elapsed (序时进度, a dashed line); a rate against its target rate.
- ``ranking_chart``: the sub-regions ranked (competition ranking, 1, 2, 2, 4) by progress against
  their targets when any has one, else by value; bars coloured by status.

Charts are drawn as SVG without animation on a white background, so a printed page matches the
screen.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from canlian.core.regions.models import Region
from canlian.platform.indicators import Indicator
from canlian.reporting.steering.formatting import (
    FigureView,
    number_text,
    plain_number,
    present,
    share_text,
    unit_label,
)
from canlian.reporting.steering.progress import Status, competition_rank, elapsed, percent
from canlian.reporting.steering.selectors import Dashboard, Figure

#: Colours that stay apart on a grey printout (value bars dark, the expected line dashed).
INK = "#1f2933"
MUTED = "#616e7c"
VALUE_COLOUR = "#1f6feb"
STATUS_COLOURS = {
    Status.AHEAD: "#1a7f37",
    Status.ON_TRACK: "#1f6feb",
    Status.BEHIND: "#cf222e",
    Status.NO_TARGET: "#8895a7",
}
FONT = '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif'


@dataclass
class Chart:
    """One chart: the ECharts option, the suffix of its values in tooltips, and its data table."""

    dom_id: str
    title: str
    option: dict[str, Any]
    headers: list[str]
    rows: list[list[str]]
    suffix: str = ""
    height: int = 300
    caption: str = ""

    @property
    def script_id(self) -> str:
        return f"{self.dom_id}-data"

    @property
    def payload(self) -> dict[str, Any]:
        return {"option": self.option, "suffix": self.suffix}


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _base() -> dict[str, Any]:
    return {
        "animation": False,
        "backgroundColor": "#ffffff",
        "textStyle": {"fontFamily": FONT, "color": INK},
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0, "textStyle": {"color": INK}},
    }


def month_label(month: int) -> str:
    return _("Month %(month)s") % {"month": month}


def _suffix(indicator: Indicator) -> str:
    unit = unit_label(indicator)
    return "%" if indicator.is_rate else (f" {unit}" if unit else "")


def chart_id(kind: str, code: str) -> str:
    return f"chart-{kind}-{code.replace('.', '-').replace('_', '-')}"


def progress_chart(figure: Figure, today: dt.date | None = None) -> Chart:
    """The year to date by month against the expected line (target × 序时进度; a rate: its target)."""
    today = today or timezone.localdate()
    indicator = figure.indicator
    months = [m for m, _v in figure.series]
    values = [plain_number(indicator, v) for _m, v in figure.series]
    if figure.target is None:
        expected: list[Decimal | None] = []
    elif indicator.is_rate:
        expected = [figure.target for _m in months]
    else:
        expected = [figure.target * elapsed(figure.year, m, today) for m in months]
    expected_shown = [plain_number(indicator, v, fine=True) for v in expected]
    value_name = _("Year to date")
    expected_name = _("Target") if indicator.is_rate else _("Target × time elapsed")
    series: list[dict[str, Any]] = [
        {
            "type": "bar",
            "name": value_name,
            "data": [_float(v) for v in values],
            "itemStyle": {"color": VALUE_COLOUR},
            "barMaxWidth": 36,
        }
    ]
    if expected:
        series.append(
            {
                "type": "line",
                "name": expected_name,
                "data": [_float(v) for v in expected_shown],
                "lineStyle": {"type": "dashed", "color": INK, "width": 2},
                "itemStyle": {"color": INK},
                "symbol": "circle",
                "symbolSize": 5,
            }
        )
    y_axis: dict[str, Any] = {"type": "value", "axisLabel": {"color": MUTED}}
    if indicator.is_rate:
        y_axis["axisLabel"]["formatter"] = "{value}%"
        y_axis["max"] = 100
    unit = unit_label(indicator)
    if unit and not indicator.is_rate:
        y_axis["name"] = unit
    option = {
        **_base(),
        "grid": {"left": 64, "right": 24, "top": 48, "bottom": 36},
        "xAxis": {
            "type": "category",
            "data": [month_label(m) for m in months],
            "axisLabel": {"color": INK},
        },
        "yAxis": y_axis,
        "series": series,
    }
    headers = [_("Month"), value_name + (f" ({unit})" if unit else "")]
    if expected:
        headers.append(expected_name + (f" ({unit})" if unit else ""))
    rows = []
    for i, m in enumerate(months):
        row = [month_label(m), number_text(indicator, figure.series[i][1])]
        if expected:
            row.append(number_text(indicator, expected[i], fine=True))
        rows.append(row)
    return Chart(
        dom_id=chart_id("progress", indicator.code),
        title=_("%(indicator)s by month") % {"indicator": indicator.name},
        caption=_("%(indicator)s, year to date at the end of each month") % {"indicator": indicator.name},
        option=option,
        headers=headers,
        rows=rows,
        suffix=_suffix(indicator),
    )


@dataclass
class RankedRow:
    """One sub-region of a ranking (``rank`` 0: no score, listed last)."""

    rank: int
    region: Region
    figure: Figure
    view: FigureView = field(init=False)
    #: The same page one level down (set by the indicator page).
    url: str = ""

    def __post_init__(self) -> None:
        self.view = present(self.figure)


def ranked_children(board: Dashboard, code: str) -> tuple[list[RankedRow], bool]:
    """The sub-regions ranked for one indicator, and whether by progress (True) or by value."""
    pairs = board.child_figures(code)
    by_progress = any(f.target is not None for _r, f in pairs)
    indicator = next(i for i in board.indicators if i.code == code)

    def score(pair: tuple[Region, Figure]) -> Decimal | None:
        return pair[1].progress if by_progress else pair[1].value

    ranked = competition_rank(
        pairs, score=score, key=lambda pair: pair[0].code, descending=not indicator.lower_is_better
    )
    rows = [RankedRow(rank=r.rank, region=r.item[0], figure=r.item[1]) for r in ranked]  # type: ignore[index]
    return rows, by_progress


def ranking_chart(board: Dashboard, code: str) -> Chart:
    rows, by_progress = ranked_children(board, code)
    indicator = next(i for i in board.indicators if i.code == code)
    unit = unit_label(indicator)
    if by_progress:
        data = [
            {
                "value": _float(percent(r.figure.progress, 1)),
                "itemStyle": {"color": STATUS_COLOURS[r.figure.status]},
            }
            for r in rows
        ]
        axis_name = _("Share of the target")
        suffix = "%"
        formatter = "{value}%"
    else:
        data = [
            {"value": _float(plain_number(indicator, r.figure.value)), "itemStyle": {"color": VALUE_COLOUR}}
            for r in rows
        ]
        axis_name = unit if not indicator.is_rate else ""
        suffix = _suffix(indicator)
        formatter = "{value}%" if indicator.is_rate else "{value}"
    series: dict[str, Any] = {
        "type": "bar",
        "name": axis_name or str(indicator.name),
        "data": data,
        "barMaxWidth": 22,
        "label": {
            "show": True,
            "position": "right",
            "color": INK,
            "formatter": formatter.replace("value", "c"),
        },
    }
    if by_progress and not indicator.is_rate:
        series["markLine"] = {
            "symbol": "none",
            "silent": True,
            "lineStyle": {"type": "dashed", "color": INK},
            "label": {
                "position": "end",
                "color": INK,
                "formatter": _("Time elapsed %(share)s") % {"share": share_text(board.elapsed)},
            },
            "data": [{"xAxis": _float(percent(board.elapsed, 1))}],
        }
    option = {
        **_base(),
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"show": False},
        "grid": {"left": 100, "right": 64, "top": 32, "bottom": 28},
        "xAxis": {"type": "value", "axisLabel": {"color": MUTED, "formatter": formatter}},
        "yAxis": {
            "type": "category",
            "inverse": True,
            "data": [r.region.name for r in rows],
            "axisLabel": {"color": INK},
        },
        "series": [series],
    }
    headers = [_("Rank"), _("Region"), pgettext("figure", "Value") + (f" ({unit})" if unit else "")]
    headers += [_("Target"), pgettext("figure", "Progress"), _("Status")]
    table = [
        [
            str(r.rank) if r.rank else "—",
            r.region.name,
            number_text(indicator, r.figure.value),
            number_text(indicator, r.figure.target) if r.figure.target is not None else "—",
            r.view.progress,
            r.view.status_label,
        ]
        for r in rows
    ]
    return Chart(
        dom_id=chart_id("ranking", indicator.code),
        title=_("Ranking of the sub-regions: %(indicator)s") % {"indicator": indicator.name},
        caption=(
            _("Sub-regions ranked by progress against their targets")
            if by_progress
            else _("Sub-regions ranked by value")
        ),
        option=option,
        headers=headers,
        rows=table,
        suffix=suffix,
        height=max(160, 34 * len(rows) + 64),
    )
