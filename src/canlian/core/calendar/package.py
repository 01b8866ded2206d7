"""The years the installed ``chinese-calendar`` package knows, as rows for the calendar tables.

The package carries the State Council's arrangement of each year up to its release (1.11: 2004–2026);
its holiday names are English, stored here under their official Chinese names.
"""

from __future__ import annotations

import datetime as dt

from canlian.core.calendar.choices import DayKind

#: The package's holiday names → the names of the State Council's notices.
CHINESE_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def _name(value: object) -> str:
    text = str(getattr(value, "value", value) or "")
    return CHINESE_NAMES.get(text, text)[:30]


def package_years() -> dict[int, list[tuple[dt.date, str, str]]]:
    """{year: [(date, kind, name), …]} for every year the package knows, days sorted."""
    import chinese_calendar

    years: dict[int, list[tuple[dt.date, str, str]]] = {}
    for day, name in chinese_calendar.holidays.items():
        years.setdefault(day.year, []).append((day, DayKind.HOLIDAY.value, _name(name)))
    for day, name in chinese_calendar.workdays.items():
        years.setdefault(day.year, []).append((day, DayKind.WORKDAY.value, _name(name)))
    return {year: sorted(days) for year, days in sorted(years.items())}
