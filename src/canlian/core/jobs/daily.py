"""Daily work: apps register what must run once a day (activate enrollments whose public notice has
ended, escalate overdue rectification notices, …) and `canlian daily` runs all of it, from cron or a
systemd timer. Each task must be idempotent for a day: running it twice does nothing the second time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise


@dataclass(frozen=True)
class DailyTask:
    code: str
    label: str | Promise
    #: ``run(today) -> int``: how many things it did.
    run: Callable[[dt.date], int]


_TASKS: dict[str, DailyTask] = {}


def register_daily_task(code: str, *, label: str | Promise) -> Callable[..., Any]:
    def decorator(func: Callable[[dt.date], int]) -> Callable[[dt.date], int]:
        _TASKS[code] = DailyTask(code=code, label=label, run=func)
        return func

    return decorator


def daily_tasks() -> list[DailyTask]:
    return sorted(_TASKS.values(), key=lambda t: t.code)
