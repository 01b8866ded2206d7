"""Progress against a target, time elapsed (序时进度), status colours and rankings. Pure functions.

- **序时进度** (the share of the year gone): ``elapsed(year, month)`` at a month's end is month ÷ 12
  (by 30 June half the year is gone); inside the current month it counts the days gone of that month.
- **Progress** of a count or amount = value ÷ target. It is *ahead* when it is at least
  ``TOLERANCE`` above the time elapsed, *behind* when more than ``TOLERANCE`` below, else *on track*.
- A **rate** target (≥98%) is compared with the rate itself, not with time: ahead when reached,
  on track within ``TOLERANCE`` below it, behind otherwise. For a figure where lower is better the
  comparisons turn round.
- **Ranking**: competition ranking ("1, 2, 2, 4"): equal scores share a rank, the next rank skips;
  equal scores are listed by region code so the order is stable.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import TypeVar

from django.utils.translation import gettext_lazy as _

TOLERANCE = Decimal("0.05")
ONE = Decimal(1)
ZERO = Decimal(0)


class Status(StrEnum):
    AHEAD = "ahead"
    ON_TRACK = "on_track"
    BEHIND = "behind"
    NO_TARGET = "no_target"

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])


STATUS_LABELS = {
    Status.AHEAD: _("Ahead"),
    Status.ON_TRACK: _("On track"),
    Status.BEHIND: _("Behind"),
    Status.NO_TARGET: _("No target"),
}


def elapsed(year: int, month: int, today: dt.date | None = None) -> Decimal:
    """The share of ``year`` gone at the end of ``month`` (or today, inside the current month)."""
    if today is not None and (today.year, today.month) == (year, month):
        days = calendar.monthrange(year, month)[1]
        return (Decimal(month - 1) + Decimal(today.day) / Decimal(days)) / Decimal(12)
    return Decimal(month) / Decimal(12)


def ratio(numerator: Decimal | int | None, denominator: Decimal | int | None) -> Decimal | None:
    if numerator is None or not denominator:
        return None
    return Decimal(numerator) / Decimal(denominator)


def percent(value: Decimal | None, places: int = 1) -> Decimal | None:
    """0.76345 → 76.3 (half up)."""
    if value is None:
        return None
    return (value * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def status_of(
    *,
    value: Decimal | None,
    target: Decimal | None,
    is_rate: bool,
    elapsed_share: Decimal,
    lower_is_better: bool = False,
) -> Status:
    if target is None or value is None:
        return Status.NO_TARGET
    if is_rate:
        gap = (target - value) if not lower_is_better else (value - target)
        if gap <= 0:
            return Status.AHEAD
        return Status.ON_TRACK if gap <= TOLERANCE else Status.BEHIND
    if target == 0:
        return Status.AHEAD if value >= 0 and not lower_is_better else Status.NO_TARGET
    share = value / target
    if lower_is_better:
        share, elapsed_share = elapsed_share, share
    if share >= elapsed_share + TOLERANCE:
        return Status.AHEAD
    if share >= elapsed_share - TOLERANCE:
        return Status.ON_TRACK
    return Status.BEHIND


T = TypeVar("T")


@dataclass(frozen=True)
class Ranked:
    rank: int
    item: object
    score: Decimal | None


def competition_rank(
    items: Iterable[T],
    *,
    score: Callable[[T], Decimal | None],
    key: Callable[[T], str],
    descending: bool = True,
) -> list[Ranked]:
    """Rank items by score (highest first unless ``descending`` is False); equal scores share a
    rank and the next rank skips ("1, 2, 2, 4"); items without a score come last, unranked (rank 0)."""
    scored = [(score(item), item) for item in items]
    with_score = [(s, i) for s, i in scored if s is not None]
    without = sorted((i for s, i in scored if s is None), key=key)
    with_score.sort(key=lambda pair: key(pair[1]))
    with_score.sort(key=lambda pair: pair[0], reverse=descending)
    ranked: list[Ranked] = []
    previous: Decimal | None = None
    rank = 0
    for position, (value, item) in enumerate(with_score, start=1):
        if previous is None or value != previous:
            rank = position
            previous = value
        ranked.append(Ranked(rank=rank, item=item, score=value))
    ranked.extend(Ranked(rank=0, item=item, score=None) for item in without)
    return ranked


def weighted_score(
    parts: Sequence[tuple[Decimal | None, Decimal]], cap: Decimal = Decimal("1.2")
) -> Decimal | None:
    """Σ weight × min(completion, cap) ÷ Σ weight over the parts that have a completion
    (completion = value ÷ target, or rate ÷ target rate); None when no part has one."""
    total = ZERO
    weights = ZERO
    for completion, weight in parts:
        if completion is None or weight <= 0:
            continue
        total += weight * min(completion, cap)
        weights += weight
    if not weights:
        return None
    return total / weights
