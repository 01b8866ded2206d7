"""The configured mix of the demo population and small helpers."""

from __future__ import annotations

import bisect
import datetime as dt
import random
from collections.abc import Iterable
from dataclasses import dataclass, field

from canlian.core.registry.choices import (
    CERTIFICATE_YEARS,
    MonitoredType,
    RiskCause,
    ScreeningOutcome,
    ScreeningSource,
)
from canlian.platform.dates import add_years

YEAR = 365.2425

# --- the configured mix ----------------------------------------------------------------------------


def _default_category_weights() -> dict[str, dict[int, float]]:
    # Shares in percent by age group. With the age mix below the whole population comes out at about
    # physical 51, visual 11, hearing 10, intellectual 8.5, mental 8.3, multiple 8, speech 2: the order
    # of the national certificate-holder statistics (physical about half). Children are more often
    # intellectual, hearing or speech; the elderly more often visual and hearing.
    return {
        "child": {1: 5, 2: 12, 3: 8, 4: 25, 5: 30, 6: 8, 7: 12},
        "adult": {1: 8, 2: 6, 3: 2, 4: 52, 5: 13, 6: 12, 7: 7},
        "elderly": {1: 15, 2: 14, 3: 1.5, 4: 54, 5: 2, 6: 5, 7: 8.5},
    }


@dataclass(frozen=True)
class DemoMix:
    """The shares the generator draws from (probabilities unless noted)."""

    #: (youngest, oldest, weight): certificate holders are mostly older people.
    age_bands: tuple[tuple[int, int, float], ...] = (
        (1, 6, 1.5),
        (7, 17, 4.5),
        (18, 44, 18),
        (45, 59, 26),
        (60, 74, 32),
        (75, 84, 13.5),
        (85, 96, 4.5),
    )
    category_weights: dict[str, dict[int, float]] = field(default_factory=_default_category_weights)
    #: More mild and moderate than severe; a multiple disability takes its most severe grade.
    grade_weights: dict[int, float] = field(default_factory=lambda: {1: 12, 2: 22, 3: 28, 4: 38})
    male: float = 0.56
    # Households (shares of household units drawn).
    no_household: float = 0.03
    alone: float = 0.06
    multi_disabled: float = 0.035
    orphan_child: float = 0.04
    # Certificates (shares of people).
    expired: float = 0.03
    reassessed: float = 0.06
    renewed: float = 0.08
    # Life status: deaths are weighted towards the elderly (×2.2 at 60+, ×0.3 below).
    deceased: float = 0.025
    deceased_still_active: float = 0.15
    moved_out: float = 0.015
    cancelled_other: float = 0.006
    # Hardship (shares of households; urban = 街道 townships and 社区 communities).
    dibao_rural: float = 0.25
    dibao_urban: float = 0.10
    tekun_alone: float = 0.30
    tekun_other: float = 0.005
    low_income: float = 0.07
    monitored_rural: float = 0.05
    dibao_ended: float = 0.03
    # People.
    hukou_elsewhere: float = 0.08
    phone: float = 0.82
    #: Screening records per person generated.
    screening: float = 0.02


MIX = DemoMix()

_ETHNICITIES = (("汉族", 95.0), ("回族", 2.0), ("满族", 1.2), ("蒙古族", 0.6), ("壮族", 0.6), ("苗族", 0.6))
_MOBILE_PREFIXES = (
    "130 131 132 133 134 135 136 137 138 139 150 151 152 153 155 156 157 158 159 176 177 178 "
    "180 181 182 183 184 185 186 187 188 189 198 199"
).split()
_STREETS = (
    "幸福路",
    "建设路",
    "人民路",
    "胜利路",
    "黄河路",
    "府前街",
    "新华路",
    "和平路",
    "育才路",
    "民主街",
)
_MONITORED_TYPES = ((MonitoredType.UNSTABLE, 35), (MonitoredType.MARGINAL, 45), (MonitoredType.SUDDEN, 20))
_RISK_CAUSES = (
    (RiskCause.DISABILITY, 45),
    (RiskCause.ILLNESS, 30),
    (RiskCause.NO_LABOUR, 10),
    (RiskCause.ACCIDENT, 5),
    (RiskCause.SCHOOLING, 4),
    (RiskCause.DISASTER, 2),
    (RiskCause.BUSINESS, 2),
    (RiskCause.UNSTABLE_WORK, 2),
)
_SCREENING_OUTCOMES = (
    (ScreeningOutcome.PENDING, 35),
    (ScreeningOutcome.SCHEDULED, 25),
    (ScreeningOutcome.CERTIFIED, 18),
    (ScreeningOutcome.NOT_DISABLED, 12),
    (ScreeningOutcome.DECLINED, 5),
    (ScreeningOutcome.UNREACHABLE, 5),
)
_SCREENING_SOURCES = (
    (ScreeningSource.VILLAGE, 60),
    (ScreeningSource.HOSPITAL, 15),
    (ScreeningSource.CIVIL_AFFAIRS, 10),
    (ScreeningSource.EDUCATION, 5),
    (ScreeningSource.SELF, 8),
    (ScreeningSource.OTHER, 2),
)
_SEEN = {
    1: "视物模糊，行走需人引导",
    2: "听不清说话，需大声交流",
    3: "说话不清，交流困难",
    4: "行走不便，需拄拐或轮椅",
    5: "反应迟缓，生活需人照料",
    6: "情绪不稳，曾住院治疗",
    7: "多种功能障碍，长期卧床",
}
_OUTCOME_NOTES = {
    ScreeningOutcome.NOT_DISABLED: "评定未达到残疾标准",
    ScreeningOutcome.DECLINED: "家属暂不同意评定",
    ScreeningOutcome.UNREACHABLE: "多次联系未果，已外出务工",
    ScreeningOutcome.CERTIFIED: "入户评定后办证",
}


# --- small helpers ---------------------------------------------------------------------------------


class _Weighted:
    """Weighted choice by bisecting a cumulative table (one ``random()`` per pick)."""

    __slots__ = ("cum", "items", "total")

    def __init__(self, pairs: Iterable[tuple[object, float]]) -> None:
        self.items: list = []
        self.cum: list[float] = []
        total = 0.0
        for item, weight in pairs:
            if weight > 0:
                total += weight
                self.items.append(item)
                self.cum.append(total)
        self.total = total

    def pick(self, rng: random.Random):  # type: ignore[no-untyped-def]
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


_add_years = add_years


def _valid_until(issue: dt.date) -> dt.date:
    """The last day of a certificate issued on ``issue`` (as ``certificate_issue`` computes it)."""
    return _add_years(issue, CERTIFICATE_YEARS) - dt.timedelta(days=1)


def _cert_json(number: str, category: int, grade: int, issue: str, until: str) -> str:
    """A certificate in force as the registry actions record it in events (written without
    json.dumps: this is the hot path)."""
    return (
        f'{{"number": "{number}", "category": {category}, "grade": {grade}, '
        f'"issue_date": "{issue}", "valid_until": "{until}", "state": "active"}}'
    )
