"""The bulletins across all domains: the monthly dispatch (月调度), the quarterly bulletin (季通报) and
the yearly summary (年总结), computed from the indicator summaries (``selectors.figures``).

A bulletin of a region for a period:

- states each figure of the region in the federation's words, grouped by work area (the care section
  is the care indicators: pairing coverage, on-track rate, contacts, visits, needs solved): "截至9月底，
  全市困难残疾人生活补贴发放3,412人，完成年度目标的76.3%，超序时进度（75.0%）1.3个百分点。" Counts
  with thousands separators, amounts in 万元 (two decimals, half up: ``to_wan``), rates in % with one
  decimal; the differences are taken between the rounded percentages, so the sentence adds up;
- ranks the sub-regions by the weighted score of a ``BulletinScheme`` (the region's own, else every
  visible indicator that has a target, weight 1): Σ weight × completion ÷ Σ weight, completion =
  value ÷ target (a rate: rate ÷ target rate; lower-is-better: target ÷ value), each capped at 120%.
  Scores are compared as shown (a percentage with one decimal): equal ones share a rank ("1, 2, 2, 4");
- names the lagging sub-regions: status *behind* (more than ``TOLERANCE`` below 序时进度, a rate more
  than ``TOLERANCE`` below its target) on any weighted indicator, with how many points behind.

A quarter is stated as of its last month, a year as of December; a period not yet over as of today.
The sentences, the title and the column headers are the federation's own (Chinese) documents, like
the care cadence's (reporting/cadence.py), not interface text.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from canlian.core.regions.models import Region
from canlian.domains.subsidies.statistics import to_wan
from canlian.platform.indicators import Indicator, Unit
from canlian.platform.inputs import as_choice, field_error
from canlian.reporting.cadence import QUARTER_ZH, whole_of
from canlian.reporting.models import BulletinKind, BulletinScheme
from canlian.reporting.steering.progress import (
    TOLERANCE,
    Status,
    competition_rank,
    elapsed,
    percent,
    weighted_score,
)
from canlian.reporting.steering.selectors import (
    Figure,
    check_region,
    child_regions,
    current_month,
    figures,
    indicators_visible,
    schemes_visible,
)

CAP = Decimal("1.2")
KINDS = tuple(BulletinKind.values)
UNIT_WORDS = {Unit.PEOPLE: "人", Unit.TIMES: "人次", Unit.COUNT: "个", Unit.AMOUNT: "万元", Unit.RATE: "%"}
#: How a bulletin names the sub-regions, by the length of the region's code.
CHILD_LABELS = {0: "各省", 2: "各市", 4: "各县（市、区）", 6: "各乡镇（街道）", 9: "各村（社区）"}
TITLE_WORDS = {
    BulletinKind.MONTHLY: "工作调度",
    BulletinKind.QUARTERLY: "工作通报",
    BulletinKind.YEARLY: "工作总结",
}


def last_month(kind: str, period: int | None) -> int:
    """The month a bulletin is stated as of: the month itself, a quarter's last month, December."""
    if kind == BulletinKind.MONTHLY:
        if period is None or not 1 <= period <= 12:
            raise field_error("period", _("Enter a month from 1 to 12."), period)
        return period
    if kind == BulletinKind.QUARTERLY:
        if period is None or not 1 <= period <= 4:
            raise field_error("period", _("Enter a quarter from 1 to 4."), period)
        return 3 * period
    return 12


def default_period(kind: str, year: int, today: dt.date | None = None) -> int:
    """This month or quarter for this year; the last one of a past year (a year's period is 1)."""
    month = current_month(year, today or timezone.localdate())
    if kind == BulletinKind.MONTHLY:
        return month
    if kind == BulletinKind.QUARTERLY:
        return (month - 1) // 3 + 1
    return 1


# --- numbers in words -----------------------------------------------------------------------------


def _plain(value: Decimal) -> str:
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value:,.2f}"


def amount_text(indicator: Indicator, value: Decimal) -> str:
    """A figure with its unit: 3,412人, 1,048.33万元, 87.5%."""
    if indicator.is_rate:
        return f"{percent(value)}%"
    if indicator.unit == Unit.AMOUNT:
        return f"{to_wan(value):,.2f}万元"
    return f"{_plain(value)}{UNIT_WORDS.get(indicator.unit, '')}"


def completion(figure: Figure) -> Decimal | None:
    """Value ÷ target (rate ÷ target rate; lower-is-better: target ÷ value), for the score."""
    value, target = figure.value, figure.target
    if value is None or target is None:
        return None
    if figure.indicator.lower_is_better:
        return CAP if value == 0 else target / value
    if target == 0:
        return None
    return value / target


def has_data(figure: Figure) -> bool:
    return figure.target is not None or any(v is not None for _m, v in figure.series)


def figure_sentence(figure: Figure, *, when: str, whole: str) -> str | None:
    """The report sentence of one figure (None when there is nothing to state)."""
    indicator = figure.indicator
    value = figure.value
    if value is None:
        return None
    text = f"{when}，{whole}{indicator.name}{amount_text(indicator, value)}"
    target = figure.target
    if target is None:
        return text + "。"
    if indicator.is_rate:
        t, r = percent(target), percent(value)
        assert t is not None and r is not None
        if indicator.lower_is_better:
            text += f"，控制在目标（{t}%）以内" if r <= t else f"，高于目标（{t}%）{r - t}个百分点"
        elif r >= t:
            text += f"，达到目标（{t}%）" + (f"，高出{r - t}个百分点" if r > t else "")
        else:
            text += f"，低于目标（{t}%）{t - r}个百分点"
        return text + "。"
    if indicator.lower_is_better:
        if value <= target:
            text += f"，控制在年度目标（{amount_text(indicator, target)}）以内"
        else:
            text += (
                f"，超出年度目标（{amount_text(indicator, target)}）{amount_text(indicator, value - target)}"
            )
        return text + "。"
    if figure.progress is None:
        return text + "。"
    p, e = percent(figure.progress), percent(figure.elapsed)
    assert p is not None and e is not None
    text += f"，完成年度目标的{p}%"
    if p > e:
        text += f"，超序时进度（{e}%）{p - e}个百分点"
    elif p == e:
        text += f"，与序时进度（{e}%）持平"
    else:
        text += f"，落后序时进度（{e}%）{e - p}个百分点"
    return text + "。"


# --- the bulletin ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SchemeItem:
    indicator: Indicator
    weight: Decimal


@dataclass
class Lag:
    """A weighted indicator on which a sub-region is behind, and by how many percentage points."""

    figure: Figure
    points: Decimal

    def text(self) -> str:
        indicator = self.figure.indicator
        value = self.figure.value
        assert value is not None
        name = indicator.name
        if indicator.is_rate:
            side = "高于" if indicator.lower_is_better else "低于"
            return f"{name}{amount_text(indicator, value)}，{side}目标{self.points}个百分点"
        progress = percent(self.figure.progress)
        if indicator.lower_is_better:  # an allowance used faster than the year goes
            return f"{name}已达年度控制目标的{progress}%，超出序时进度{self.points}个百分点"
        return f"{name}完成年度目标的{progress}%，落后序时进度{self.points}个百分点"


def lag_of(figure: Figure) -> Lag | None:
    if figure.status != Status.BEHIND:
        return None
    value, target = figure.value, figure.target
    assert value is not None and target is not None
    if figure.indicator.is_rate:
        v, t = percent(value), percent(target)
        assert v is not None and t is not None
        return Lag(figure=figure, points=(v - t) if figure.indicator.lower_is_better else (t - v))
    p, e = percent(figure.progress), percent(figure.elapsed)
    assert p is not None and e is not None
    return Lag(figure=figure, points=(p - e) if figure.indicator.lower_is_better else (e - p))


@dataclass
class RegionRow:
    region: Region
    figures: list[Figure]
    score: Decimal | None
    lags: list[Lag] = field(default_factory=list)
    rank: int = 0

    @property
    def score_percent(self) -> Decimal | None:
        return percent(self.score)


@dataclass
class Section:
    area: str
    sentences: list[str]


@dataclass
class Bulletin:
    kind: str
    year: int
    period: int
    month: int
    as_of: dt.date
    elapsed: Decimal
    region_code: str
    region_name: str
    whole: str
    child_label: str
    title: str
    when: str
    scheme: BulletinScheme | None
    items: list[SchemeItem]
    own: list[Figure]
    sections: list[Section]
    ranking: list[RegionRow]
    ranking_text: str
    lagging_text: str

    @property
    def scheme_name(self) -> str:
        return self.scheme.name if self.scheme is not None else "默认方案（有目标的指标，权重均为1）"

    @property
    def sentences(self) -> list[str]:
        out = [s for section in self.sections for s in section.sentences]
        return out + [t for t in (self.ranking_text, self.lagging_text) if t]

    @property
    def lagging(self) -> list[RegionRow]:
        return [r for r in self.ranking if r.lags]

    def ranking_header(self) -> list[str]:
        header = ["排名", "地区", "综合得分"]
        with translation.override("zh-hans"):
            for item in self.items:
                name = str(item.indicator.name)
                header += [f"{name}（权重{item.weight.normalize():f}）", f"{name}完成率", f"{name}状态"]
        return header

    def ranking_cells(self, row: RegionRow) -> list[Any]:
        """One ranking row as the documents show it (text: the workbook and the .docx alike)."""
        cells: list[Any] = [
            row.rank or "—",
            row.region.name,
            f"{row.score_percent}" if row.score is not None else "—",
        ]
        for figure in row.figures:
            value = figure.value
            cells.append(amount_text(figure.indicator, value) if value is not None else "—")
            cells.append(f"{percent(figure.progress)}%" if figure.progress is not None else "—")
            cells.append(STATUS_ZH[figure.status])
        return cells

    def as_dict(self) -> dict[str, Any]:
        def number(value: Decimal | None) -> str | None:
            return None if value is None else str(value)

        return {
            "kind": self.kind,
            "year": self.year,
            "period": self.period,
            "month": self.month,
            "as_of": self.as_of.isoformat(),
            "elapsed": number(self.elapsed),
            "region": self.region_code,
            "region_name": self.region_name,
            "title": self.title,
            "scheme": {
                "id": self.scheme.pk if self.scheme is not None else None,
                "name": self.scheme_name,
                "items": [{"indicator": i.indicator.code, "weight": str(i.weight)} for i in self.items],
            },
            "sections": [{"area": s.area, "sentences": s.sentences} for s in self.sections],
            "sentences": self.sentences,
            "ranking": [
                {
                    "rank": r.rank or None,
                    "region": r.region.code,
                    "region_name": r.region.name,
                    "score": number(r.score),
                    "score_percent": number(r.score_percent),
                    "figures": [
                        {
                            "indicator": f.indicator.code,
                            "value": number(f.value),
                            "target": number(f.target),
                            "progress": number(f.progress),
                            "status": str(f.status),
                        }
                        for f in r.figures
                    ],
                    "lagging": [
                        {"indicator": lag.figure.indicator.code, "points_behind": str(lag.points)}
                        for lag in r.lags
                    ],
                }
                for r in self.ranking
            ],
        }


STATUS_ZH = {
    Status.AHEAD: "超进度",
    Status.ON_TRACK: "符合进度",
    Status.BEHIND: "落后",
    Status.NO_TARGET: "无目标",
}


def _scheme(user: Any, region_code: str, scheme_id: Any) -> BulletinScheme | None:
    rows = schemes_visible(user=user).filter(region_code=region_code).order_by("name", "pk")
    if scheme_id not in (None, ""):
        try:
            return rows.filter(pk=int(scheme_id)).first()
        except (TypeError, ValueError):
            return None
    return rows.first()


def _items(
    scheme: BulletinScheme | None,
    visible: list[Indicator],
    found: dict[tuple[str, str], Figure],
    regions: list[str],
) -> list[SchemeItem]:
    by_code = {i.code: i for i in visible}
    if scheme is not None:
        items = []
        for item in scheme.items or []:
            indicator = by_code.get(str(item.get("indicator")))
            if indicator is not None:
                items.append(SchemeItem(indicator=indicator, weight=Decimal(str(item.get("weight", 1)))))
        return items
    return [
        SchemeItem(indicator=i, weight=Decimal(1))
        for i in visible
        if any(found[(i.code, r)].target is not None for r in regions)
    ]


def _when(kind: str, year: int, month: int, as_of: dt.date) -> str:
    if as_of.day == calendar.monthrange(year, month)[1]:
        if kind == BulletinKind.YEARLY and month == 12:
            return f"{year}年"
        return f"截至{month}月底"
    return f"截至{month}月{as_of.day}日"


def _title(kind: str, year: int, period: int, name: str) -> str:
    if kind == BulletinKind.MONTHLY:
        when = f"{year}年{period}月"
    elif kind == BulletinKind.QUARTERLY:
        when = f"{year}年{QUARTER_ZH[period]}"
    else:
        when = f"{year}年"
    return f"{name}{when}{TITLE_WORDS[BulletinKind(kind)]}"


def _names(rows: list[RegionRow]) -> str:
    return "、".join(f"{r.region.name}（{r.score_percent}分）" for r in rows)


def ranking_text(ranked: list[RegionRow]) -> str:
    scored = [r for r in ranked if r.score is not None]
    if len(scored) < 2:
        return ""
    if len(scored) >= 6:
        return f"按综合得分排名，前三位的是{_names(scored[:3])}，后三位的是{_names(scored[-3:])}。"
    top = [r for r in scored if r.rank == scored[0].rank]
    bottom = [r for r in scored if r.rank == scored[-1].rank]
    if top == scored:
        return f"按综合得分排名，{_names(top)}并列第一。"
    return f"按综合得分排名，第一位的是{_names(top)}，最后一位的是{_names(bottom)}。"


def lagging_text(ranked: list[RegionRow], child_label: str) -> str:
    tolerance = percent(TOLERANCE, 0)
    lagging = [r for r in ranked if r.lags]
    if not lagging:
        if any(r.score is not None for r in ranked):
            return f"{child_label}均未落后序时进度{tolerance}个百分点以上。"
        return ""
    parts = "、".join(f"{r.region.name}（{'；'.join(lag.text() for lag in r.lags)}）" for r in lagging)
    return f"落后序时进度{tolerance}个百分点以上的有：{parts}。"


def bulletin(
    *,
    user: Any,
    region_code: str,
    year: int,
    period_kind: str,
    period: int | None = None,
    scheme_id: Any = None,
    today: dt.date | None = None,
) -> Bulletin:
    """The bulletin of ``region_code`` (in the user's steering scope, else NotFound) for a month
    (``period`` 1–12), a quarter (1–4) or a year."""
    today = today or timezone.localdate()
    period_kind = as_choice(period_kind, "kind", KINDS)
    if period is None or period_kind == BulletinKind.YEARLY:
        period = default_period(period_kind, year, today)
    check_region(user=user, region_code=region_code)
    month = min(last_month(period_kind, period), current_month(year, today))
    month_end = dt.date(year, month, calendar.monthrange(year, month)[1])
    as_of = min(month_end, today) if (year, month) == (today.year, today.month) else month_end
    share = elapsed(year, month, today)
    visible = indicators_visible(user=user)
    children = child_regions(region_code, today)
    codes = [region_code, *[c.code for c in children]]
    found = figures(user=user, regions=codes, year=year, month=month, indicators=visible, today=today)
    region = Region.objects.filter(code=region_code).first() if region_code else None
    name = region.name if region is not None else "全国"
    whole = whole_of(region) if region is not None else "全国"
    scheme = _scheme(user, region_code, scheme_id)
    items = _items(scheme, visible, found, codes)
    when = _when(period_kind, year, month, as_of)
    with translation.override("zh-hans"):
        own = [found[(i.code, region_code)] for i in visible if has_data(found[(i.code, region_code)])]
        sections: list[Section] = []
        for figure in own:
            sentence = figure_sentence(figure, when=when, whole=whole)
            if sentence is None:
                continue
            area = str(figure.indicator.area)
            if not sections or sections[-1].area != area:
                sections.append(Section(area=area, sentences=[]))
            sections[-1].sentences.append(sentence)
        rows = []
        for child in children:
            parts = [found[(item.indicator.code, child.code)] for item in items]
            score = weighted_score(
                [(completion(f), item.weight) for f, item in zip(parts, items, strict=True)]
            )
            lags = [lag for lag in (lag_of(f) for f in parts) if lag is not None]
            rows.append(RegionRow(region=child, figures=parts, score=score, lags=lags))
        ranked = []
        for entry in competition_rank(rows, score=lambda r: percent(r.score), key=lambda r: r.region.code):
            row: RegionRow = entry.item  # type: ignore[assignment]
            row.rank = entry.rank
            ranked.append(row)
        child_label = CHILD_LABELS.get(len(region_code), "各地")
        return Bulletin(
            kind=period_kind,
            year=year,
            period=period,
            month=month,
            as_of=as_of,
            elapsed=share,
            region_code=region_code,
            region_name=name,
            whole=whole,
            child_label=child_label,
            title=_title(period_kind, year, period, name),
            when=when,
            scheme=scheme,
            items=items,
            own=own,
            sections=sections,
            ranking=ranked,
            ranking_text=ranking_text(ranked),
            lagging_text=lagging_text(ranked, child_label),
        )
