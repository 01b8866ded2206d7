"""The monthly cycle's statement as it was before issue 11 (commit b484e97): owed months by dates,
certificate and hardship basis only, amounts by the enrollment's snapshot of grade and category —
without the program's rules. ``bench/monthly_cycle.py`` times it beside today's engine, so the cost
of re-checking the rules every month is printed from the same run (goal: at most 1.3×).

Copied, not imported: the engine no longer has it. Bench-only code.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from canlian.core.registry.models import Certificate, HardshipStatus, Person
from canlian.platform.bulk import is_postgres
from canlian.programs.choices import EnrollmentStatus, LineKind, LineStatus
from canlian.programs.cycles.actions import months_of
from canlian.programs.models import Enrollment, PaymentCycle, PaymentLine, Program, Standard, add_months


def _age_sql(period: str, birth: str) -> str:
    """Age in whole years on ``period`` (a first of the month) of someone born on ``birth``."""
    if is_postgres():
        return (
            f"(CAST(EXTRACT(YEAR FROM {period}) AS integer) - CAST(EXTRACT(YEAR FROM {birth}) AS integer)"
            f" - CASE WHEN EXTRACT(MONTH FROM {birth}) * 100 + EXTRACT(DAY FROM {birth})"
            f" > EXTRACT(MONTH FROM {period}) * 100 + EXTRACT(DAY FROM {period}) THEN 1 ELSE 0 END)"
        )
    return (
        f"(CAST(strftime('%%Y', {period}) AS integer) - CAST(strftime('%%Y', {birth}) AS integer)"
        f" - CASE WHEN strftime('%%m%%d', {birth}) > strftime('%%m%%d', {period}) THEN 1 ELSE 0 END)"
    )


def _months_cte(periods: list[dt.date]) -> tuple[str, list[Any]]:
    cast = "CAST(%s AS date)" if is_postgres() else "%s"
    rows = ", ".join(f"({cast}, {cast})" for _ in periods)
    params: list[Any] = []
    for period in periods:
        params += [period, add_months(period, 1) - dt.timedelta(days=1)]
    return f"months (period, period_end) AS (VALUES {rows})", params


def candidates_sql(
    *, program: Program, region_code: str, month: dt.date, hardship: bool
) -> tuple[str, list[Any]]:
    """The CTEs ``months``, ``std``, ``cand`` (every enrollment-month owed and not yet paid) and
    ``ranked`` (each with the precedence of the standard that applies, NULL when none does)."""
    e, p = Enrollment._meta.db_table, Person._meta.db_table
    c, h = Certificate._meta.db_table, HardshipStatus._meta.db_table
    s, line = Standard._meta.db_table, PaymentLine._meta.db_table
    months, params = _months_cte(months_of(program, month))
    hardship_sql = (
        f"""AND EXISTS (SELECT 1 FROM {h} h WHERE h.person_id = e.person_id AND h.kind = e.hardship_basis
                 AND h.valid_from <= m.period_end AND (h.valid_to IS NULL OR h.valid_to >= m.period))"""
        if hardship
        else ""
    )
    specificity = (
        "(CASE WHEN grades <> '' THEN 1 ELSE 0 END + CASE WHEN categories <> '' THEN 1 ELSE 0 END"
        " + CASE WHEN hardship <> '' THEN 1 ELSE 0 END + CASE WHEN care_tier <> '' THEN 1 ELSE 0 END"
        " + CASE WHEN age_min IS NOT NULL THEN 1 ELSE 0 END + CASE WHEN age_max IS NOT NULL THEN 1 ELSE 0 END)"
    )
    grade_mask = " + ".join(f"CASE WHEN grades LIKE '%%{d}%%' THEN {1 << d} ELSE 0 END" for d in range(1, 10))
    category_mask = " + ".join(
        f"CASE WHEN categories LIKE '%%{d}%%' THEN {1 << d} ELSE 0 END" for d in range(1, 10)
    )
    periods = months_of(program, month)
    # ``std``: the program's standards that may apply in the window, each with its precedence as one
    # number (``precedence`` 1 = longest region prefix, then most keys, then latest start: the order
    # of ``eligibility.standard_for``, which depends on the standard alone) and its keys as bit masks.
    # ``cand``: every enrollment-month owed and not yet paid, materialised once. The standard of a
    # line is then the matching one of lowest precedence (a correlated MIN over the small ``std``).
    sql = f"""
WITH {months},
std AS MATERIALIZED (
  SELECT id, amount, valid_from, valid_to, region_code, LENGTH(region_code) AS rlen,
         {grade_mask} AS grade_mask, {category_mask} AS category_mask,
         age_min, age_max, hardship, care_tier,
         ROW_NUMBER() OVER (ORDER BY LENGTH(region_code) DESC, {specificity} DESC, valid_from DESC,
                                     grades, categories, id) AS precedence
  FROM {s}
  WHERE program_id = %s AND LENGTH(region_code) IN (0, 2, 4, 6, 9, 12)
    AND valid_from <= %s AND (valid_to IS NULL OR valid_to >= %s)
),
cand AS MATERIALIZED (
  SELECT e.id AS enrollment_id, e.person_id, e.region_code, e.bank_account,
         CASE WHEN e.grade BETWEEN 1 AND 9 THEN 1 << e.grade ELSE 0 END AS grade_bit,
         CASE WHEN e.category BETWEEN 1 AND 9 THEN 1 << e.category ELSE 0 END AS category_bit,
         e.hardship_basis, e.care_tier, m.period, {_age_sql("m.period", "p.birth_date")} AS age
  FROM {e} e
  JOIN {p} p ON p.id = e.person_id
  JOIN months m ON m.period >= e.application_month
  WHERE e.program_id = %s AND e.status = %s AND e.region_code LIKE %s
    AND (e.stopped_from IS NULL OR m.period < e.stopped_from)
    AND (p.life_status = 'living' OR p.life_status_date >= m.period)
    AND NOT EXISTS (SELECT 1 FROM {line} l WHERE l.period = m.period AND l.enrollment_id = e.id
                    AND l.status <> 'failed')
    AND EXISTS (SELECT 1 FROM {c} c WHERE c.person_id = e.person_id AND c.valid_until >= m.period
                AND c.issue_date <= m.period_end
                AND (c.state IN ('active', 'superseded') OR c.cancelled_on >= m.period))
    {hardship_sql}
),
ranked AS (
  SELECT cand.*, (
    SELECT MIN(s.precedence) FROM std s
    WHERE s.valid_from <= cand.period AND (s.valid_to IS NULL OR s.valid_to >= cand.period)
      AND (s.rlen = 0 OR SUBSTR(cand.region_code, 1, s.rlen) = s.region_code)
      AND (s.grade_mask = 0 OR (s.grade_mask & cand.grade_bit) <> 0)
      AND (s.category_mask = 0 OR (s.category_mask & cand.category_bit) <> 0)
      AND (s.age_min IS NULL OR cand.age >= s.age_min)
      AND (s.age_max IS NULL OR cand.age <= s.age_max)
      AND (s.hardship = '' OR s.hardship = cand.hardship_basis)
      AND (s.care_tier = '' OR s.care_tier = cand.care_tier)
  ) AS precedence
  FROM cand
)"""
    params += [program.pk, periods[-1], periods[0]]
    params += [program.pk, EnrollmentStatus.ACTIVE, f"{region_code}%"]
    return sql, params


def insert_lines_sql(*, cycle: PaymentCycle, program: Program, hardship: bool) -> tuple[str, list[Any]]:
    """The one statement that writes a cycle's missing lines. The ORDER BY makes every read of the
    lines table (NOT EXISTS, the failed line to re-issue) finish before the first row is written:
    a scan interleaved with the inserts would wade through the statement's own new rows (quadratic
    on a table without statistics); it also appends to the (period, enrollment) key in order."""
    line = PaymentLine._meta.db_table
    ctes, params = candidates_sql(
        program=program, region_code=cycle.region_code, month=cycle.month, hardship=hardship
    )
    # INSERT first, then the CTEs: SQLite's driver reports the row count only for statements that
    # start with INSERT; both databases accept a WITH query as the INSERT's source.
    sql = f"""INSERT INTO {line} (cycle_id, program_id, enrollment_id, person_id, region_code, period, amount,
                    standard_id, kind, status, reissue_of_id, bank_account, paid_on, failure_reason)
{ctes}
SELECT %s, %s, x.enrollment_id, x.person_id, x.region_code, x.period, x.amount, x.standard_id,
       CASE WHEN x.failed_id IS NOT NULL THEN %s WHEN x.period < %s THEN %s ELSE %s END,
       %s, x.failed_id, x.bank_account, NULL, ''
FROM (SELECT r.enrollment_id, r.person_id, r.region_code, r.period, r.bank_account,
             s.amount, s.id AS standard_id,
             (SELECT MAX(f.id) FROM {line} f WHERE f.enrollment_id = r.enrollment_id
              AND f.period = r.period AND f.status = 'failed') AS failed_id
      FROM ranked r JOIN std s ON s.precedence = r.precedence) x
WHERE x.amount IS NOT NULL
ORDER BY x.period, x.enrollment_id
ON CONFLICT (period, enrollment_id) WHERE NOT (status = 'failed') DO NOTHING"""
    params += [
        cycle.pk,
        program.pk,
        LineKind.REISSUE,
        cycle.month,
        LineKind.ARREARS,
        LineKind.REGULAR,
        LineStatus.PENDING,
    ]
    return sql, params
