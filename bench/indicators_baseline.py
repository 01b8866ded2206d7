"""The baseline of bench/indicators.py: a city's dashboard figures (the city and its counties, each
indicator's year-to-date value at the end of every month) computed by hand-written GROUP BY over
the base tables — payment lines and cycles, certificates and people, screening records, recovery
items — with no summary table. Each query family runs once per call; the series are assembled in
Python the way the dashboard reads them (in period: running sum of the months; cumulative: running
sum of the people's first months; snapshot: the month's own value).

The semantics follow the indicators' declarations (core/registry/indicators.py,
domains/subsidies/indicators.py): payments count the lines that did not fail of cycles approved or
later, by the cycle's month; recoveries are recovery lines by the month paid for. People are
counted once, in their village: nobody moves in the bench world, so "first paid in the month" gives
the indicator's "counted in the region of their latest line" exactly.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db import connection

COUNTED = "('approved', 'exported', 'closed')"
LIVING, NURSING = "living-subsidy", "nursing-subsidy"
EXPIRING_DAYS = 60
#: The certificate in force on d.day (registry.models.certificate_in_force_q).
IN_FORCE = (
    "c.issue_date <= d.day AND ((c.superseded_on IS NULL AND c.state <> 'superseded') OR c.superseded_on > d.day) "
    "AND (c.cancelled_on IS NULL OR c.cancelled_on >= d.day)"
)


def _rows(statement: str, params: list[Any]) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall()


def _month_ends(year: int, months: int, today: dt.date) -> list[dt.date]:
    ends = [dt.date(year, m, calendar.monthrange(year, m)[1]) for m in range(1, months + 1)]
    return [min(end, today) for end in ends]


def _cycles_sql() -> str:
    """The year's counted cycles covering the city (its counties' cycles, or one above it)."""
    return (
        "SELECT cy.id, cy.month, p.code AS program FROM programs_paymentcycle cy "
        "JOIN programs_program p ON p.id = cy.program_id "
        f"WHERE cy.status IN {COUNTED} AND cy.month >= %s AND cy.month <= %s "
        "AND (cy.region_code LIKE %s OR %s LIKE cy.region_code || '%%')"
    )


def payments(city: str, year: int, months: int, today: dt.date) -> dict:
    """(county, program, month) → (lines, amount) of the month's cycles."""
    first, last = dt.date(year, 1, 1), dt.date(year, months, 1)
    rows = _rows(
        f"""SELECT substr(l.region_code, 1, 6), c.program, EXTRACT(MONTH FROM c.month)::int, count(*), sum(l.amount)
            FROM ({_cycles_sql()}) c JOIN programs_paymentline l ON l.cycle_id = c.id
            WHERE l.status <> 'failed' AND l.region_code LIKE %s
            GROUP BY 1, 2, 3""",
        [first, last, f"{city}%", city, f"{city}%"],
    )
    return {(county, program, m): (n, amount) for county, program, m, n, amount in rows}


def first_paid(city: str, year: int, months: int, today: dt.date) -> dict:
    """(county, program, month) → people first paid that month of the year (per village, summed)."""
    first, last = dt.date(year, 1, 1), dt.date(year, months, 1)
    rows = _rows(
        f"""SELECT substr(village, 1, 6), program, m, count(*) FROM (
              SELECT l.region_code AS village, c.program, l.person_id, min(EXTRACT(MONTH FROM c.month))::int AS m
              FROM ({_cycles_sql()}) c JOIN programs_paymentline l ON l.cycle_id = c.id
              WHERE l.status <> 'failed' AND l.region_code LIKE %s
              GROUP BY 1, 2, 3) f
            GROUP BY 1, 2, 3""",
        [first, last, f"{city}%", city, f"{city}%"],
    )
    return {(county, program, m): n for county, program, m, n in rows}


def _by_month_end(select: str, city: str, year: int, months: int, today: dt.date) -> dict:
    ends = _month_ends(year, months, today)
    rows = _rows(
        f"""SELECT x.county, x.m, count(*) FROM (
              SELECT substr(p.region_code, 1, 6) AS county, EXTRACT(MONTH FROM d.day)::int AS m
              FROM unnest(%s::date[]) AS d(day) {select}) x
            GROUP BY 1, 2""",
        [ends, f"{city}%"],
    )
    return {(county, m): n for county, m, n in rows}


def certified(city: str, year: int, months: int, today: dt.date) -> dict:
    """(county, month) → people alive at the month's end whose certificate in force then is valid."""
    return _by_month_end(
        f"""JOIN registry_certificate c ON {IN_FORCE} AND c.valid_until >= d.day
           JOIN registry_person p ON p.id = c.person_id
           WHERE p.region_code LIKE %s
             AND NOT (p.life_status = 'deceased' AND p.life_status_date <= d.day)""",
        city,
        year,
        months,
        today,
    )


def expired(city: str, year: int, months: int, today: dt.date) -> dict:
    """(county, month) → certificates in force at the month's end past their validity, holders
    living then (not dead or moved out by that day)."""
    return _by_month_end(
        f"""JOIN registry_certificate c ON {IN_FORCE} AND c.valid_until < d.day
           JOIN registry_person p ON p.id = c.person_id
           WHERE p.region_code LIKE %s
             AND NOT (p.life_status IN ('deceased', 'moved_out') AND p.life_status_date <= d.day)""",
        city,
        year,
        months,
        today,
    )


def expiring(city: str, year: int, months: int, today: dt.date) -> dict:
    """(county, last month) → current certificates of living people expiring within 60 days of today."""
    rows = _rows(
        """SELECT substr(p.region_code, 1, 6), count(*) FROM registry_certificate c
           JOIN registry_person p ON p.id = c.person_id
           WHERE c.state = 'active' AND c.valid_until >= %s AND c.valid_until <= %s
             AND p.region_code LIKE %s AND p.life_status = 'living'
           GROUP BY 1""",
        [today, today + dt.timedelta(days=EXPIRING_DAYS), f"{city}%"],
    )
    return {(county, months): n for county, n in rows}


def screening(city: str, year: int, months: int, today: dt.date) -> dict:
    """(county, month) → screening records found by the month's end and not yet decided then."""
    ends = _month_ends(year, months, today)
    rows = _rows(
        """SELECT substr(s.region_code, 1, 6), EXTRACT(MONTH FROM d.day)::int, count(*)
           FROM unnest(%s::date[]) AS d(day)
           JOIN registry_screeningrecord s ON s.found_on <= d.day
                AND (s.outcome IN ('pending', 'scheduled') OR s.outcome_on > d.day)
           WHERE s.region_code LIKE %s
           GROUP BY 1, 2""",
        [ends, f"{city}%"],
    )
    return {(county, m): n for county, m, n in rows}


def recoveries(city: str, year: int, months: int, today: dt.date) -> dict:
    """(county, month) → yuan of the recovery lines (追缴) for months paid in the month."""
    rows = _rows(
        """SELECT substr(i.region_code, 1, 6), EXTRACT(MONTH FROM rl.period)::int, sum(rl.amount)
           FROM programs_recoveryline rl
           JOIN programs_recoveryitem i ON i.id = rl.item_id
           JOIN programs_program p ON p.id = i.program_id
           WHERE i.region_code LIKE %s AND p.code IN (%s, %s) AND rl.period >= %s AND rl.period <= %s
           GROUP BY 1, 2""",
        [f"{city}%", LIVING, NURSING, dt.date(year, 1, 1), today],
    )
    return {(county, m): amount for county, m, amount in rows}


def _pay(programs: tuple[str, ...], what: int) -> Callable[[dict, str, int], Decimal | None]:
    def pick(found: dict, county: str, m: int) -> Decimal | None:
        values = [found[(county, p, m)][what] for p in programs if (county, p, m) in found]
        return sum(values, Decimal(0)) if values else None

    return pick


def _first(program: str) -> Callable[[dict, str, int], Decimal | None]:
    return lambda found, county, m: found.get((county, program, m))


def _plain(found: dict, county: str, m: int) -> Decimal | None:
    return found.get((county, m))


#: code → (query family, picker of one county's month, how the months add up)
BASELINES: dict[str, tuple[Callable[..., dict], Callable[[dict, str, int], Any], str]] = {
    "subsidies.living.people": (first_paid, _first(LIVING), "running"),
    "subsidies.nursing.people": (first_paid, _first(NURSING), "running"),
    "subsidies.living.times": (payments, _pay((LIVING,), 0), "running"),
    "subsidies.nursing.times": (payments, _pay((NURSING,), 0), "running"),
    "subsidies.living.amount": (payments, _pay((LIVING,), 1), "running"),
    "subsidies.nursing.amount": (payments, _pay((NURSING,), 1), "running"),
    "subsidies.amount": (payments, _pay((LIVING, NURSING), 1), "running"),
    "subsidies.recoveries": (recoveries, _plain, "running"),
    "registry.certified": (certified, _plain, "snapshot"),
    "registry.certificates_expired": (expired, _plain, "snapshot"),
    "registry.certificates_expiring": (expiring, _plain, "snapshot"),
    "registry.screening_pending": (screening, _plain, "snapshot"),
}


def baseline_figures(
    codes: list[str], city: str, year: int, months: int, today: dt.date
) -> dict[tuple[str, str], list[Decimal | None]]:
    """(code, region) → year-to-date value at each month's end, for the city and its counties."""
    counties = [
        code
        for (code,) in _rows(
            "SELECT code FROM regions_region WHERE code LIKE %s AND level = 3 "
            "AND (valid_to IS NULL OR valid_to >= %s) ORDER BY code",
            [f"{city}%", today],
        )
    ]
    found: dict[Callable[..., dict], dict] = {}
    out: dict[tuple[str, str], list[Decimal | None]] = {}
    for code in codes:
        family, pick, mode = BASELINES[code]
        if family not in found:
            found[family] = family(city, year, months, today)
        city_series: dict[int, Decimal] = defaultdict(Decimal)
        city_seen: set[int] = set()
        for county in counties:
            series: list[Decimal | None] = []
            total: Decimal | None = None
            for m in range(1, months + 1):
                value = pick(found[family], county, m)
                if mode == "running":
                    total = value if total is None else total + (value or 0)
                    current = total
                else:
                    current = value
                series.append(current)
                if current is not None:
                    city_series[m] += current
                    city_seen.add(m)
            out[(code, county)] = series
        out[(code, city)] = [city_series[m] if m in city_seen else None for m in range(1, months + 1)]
    return out
