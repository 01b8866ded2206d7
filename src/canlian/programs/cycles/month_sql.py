"""The month's verdict in SQL: which (enrollment, month) pairs the program's rules pay, at which amount.

A month is paid when the person qualified on at least one of its days (death, an exclusion or a lower
grade stop the payment *from the month after*; a status that starts mid-month pays that month). The
facts the rules read change only on known days, so "some day of the month" is exact when the rules are
checked on the month's first day and on every day inside it where a fact starts or ends: a certificate
issued (a re-assessment or renewal), a hardship status starting or ending, a birthday, a rule setting
starting or ending. ``eligibility.explain_month`` walks the same days in Python; a test proves both give
the same verdict for every rule family and option.

The rule list of each day is the setting in force there (longest region prefix, then latest start, as
``eligibility.rule_setting_for``), compiled from the rule objects (``Rule.sql``) into one ``CASE``. The
amount of a paid month is the standard in force that month for the band of its *first qualifying day*:
the grade and category of the certificate in force then, the hardship kind held then (the first of the
rules' kinds in the national order, as ``eligibility.hardship_basis``), the age on the first of the month
and the enrollment's care tier.

``verdict_ctes`` returns the CTEs ``months``, ``std``, ``cand`` (the pairs to judge, given by the caller:
owed months not yet paid for a cycle, or lines already written for withdrawals and recoveries),
``days``, ``judged``, ``picked``, ``verdict`` and ``ranked``: one row per pair with every column of
``cand``, ``ok`` (1 when the rules pay the month), ``day`` (the first qualifying day, else the first of
the month) and ``precedence`` (of the standard that applies; NULL when none is in force or the month is
refused). One statement, set-based, on PostgreSQL and SQLite.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from canlian.core.registry.choices import HardshipKind
from canlian.core.registry.models import Certificate, HardshipStatus, Person
from canlian.platform.bulk import is_postgres
from canlian.platform.dates import month_end
from canlian.programs.models import Enrollment, Program, RuleSetting, Standard
from canlian.programs.rules.engine import SqlContext, age_sql, build_rules, rules_sql


def _date(expr: str) -> str:
    return f"CAST({expr} AS date)" if is_postgres() else expr


def plus_one_day(expr: str) -> str:
    return f"({expr} + 1)" if is_postgres() else f"date({expr}, '+1 day')"


def plus_days(expr: str, days: str) -> str:
    """``expr`` + ``days`` (an integer SQL expression) days."""
    return f"({expr} + {days})" if is_postgres() else f"date({expr}, '+' || ({days}) || ' days')"


def day_of_month(expr: str) -> str:
    return (
        f"CAST(EXTRACT(DAY FROM {expr}) AS integer)"
        if is_postgres()
        else f"CAST(strftime('%%d', {expr}) AS integer)"
    )


def month_of(expr: str) -> str:
    return (
        f"CAST(EXTRACT(MONTH FROM {expr}) AS integer)"
        if is_postgres()
        else f"CAST(strftime('%%m', {expr}) AS integer)"
    )


def months_cte(periods: list[dt.date]) -> tuple[str, list[Any]]:
    cast = "CAST(%s AS date)" if is_postgres() else "%s"
    rows = ", ".join(f"({cast}, {cast})" for _ in periods)
    params: list[Any] = []
    for period in periods:
        params += [period, month_end(period)]
    return f"months (period, period_end) AS (VALUES {rows})", params


@dataclass(frozen=True)
class SettingSql:
    """One rule setting that may apply to some pair: where and when, its predicate and its kinds."""

    setting: RuleSetting
    predicate: str
    params: tuple[Any, ...]
    kinds: tuple[str, ...]  # the hardship kinds its rules name, in the national order
    needs_age: bool


def settings_for(program: Program, region_code: str, first: dt.date, last: dt.date) -> list[SettingSql]:
    """The program's settings that may apply to people in ``region_code`` between the dates (those of
    the regions above it and those inside it), most specific first: longest prefix, then latest start."""
    above = [""] + [region_code[:n] for n in (2, 4, 6, 9, 12) if len(region_code) >= n]
    rows = (
        RuleSetting.objects.filter(program=program, valid_from__lte=last)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=first))
        .filter(Q(region_code__in=above) | Q(region_code__startswith=region_code))
    )
    rows = [s for s in rows if len(s.region_code) in (0, 2, 4, 6, 9, 12)]
    rows.sort(key=lambda s: (len(s.region_code), s.valid_from), reverse=True)
    order = list(HardshipKind.values)
    found = []
    for setting in rows:
        rules = build_rules(setting.rules)
        predicate, params = rules_sql(rules, SqlContext())
        kinds: set[str] = set()
        for rule in rules:
            kinds |= rule.hardship_kinds()
        found.append(
            SettingSql(
                setting=setting,
                predicate=predicate,
                params=tuple(params),
                kinds=tuple(k for k in order if k in kinds),
                needs_age=any(r.needs_age() for r in rules),
            )
        )
    return found


def setting_boundaries(settings: list[SettingSql], periods: list[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """(period, day) for each day inside a month (not its first) where a setting starts or ends."""
    days: set[tuple[dt.date, dt.date]] = set()
    for period in periods:
        end = month_end(period)
        for s in settings:
            starts = [s.setting.valid_from]
            if s.setting.valid_to is not None:
                starts.append(s.setting.valid_to + dt.timedelta(days=1))
            for day in starts:
                if period < day <= end:
                    days.add((period, day))
    return sorted(days)


def _applies(s: RuleSetting) -> tuple[str, list[Any]]:
    """The setting covers the pair's region on the day."""
    parts, params = [f"{_date('%s')} <= d.day"], [s.valid_from]
    if s.valid_to is not None:
        parts.append(f"d.day <= {_date('%s')}")
        params.append(s.valid_to)
    if s.region_code:
        parts.append(f"SUBSTR(d.region_code, 1, {len(s.region_code)}) = %s")
        params.append(s.region_code)
    return " AND ".join(parts), params


def _choose(settings: list[SettingSql], then: Any, default: str) -> tuple[str, list[Any]]:
    """``CASE WHEN <setting 1 applies> THEN then(1) … ELSE default END``: the first that applies wins."""
    if not settings:
        return default, []
    sql, params = ["CASE"], []
    for s in settings:
        cond, cond_params = _applies(s.setting)
        value, value_params = then(s)
        sql.append(f"WHEN {cond} THEN {value}")
        params += cond_params + value_params
    sql.append(f"ELSE {default} END")
    return " ".join(sql), params


def _basis(s: SettingSql) -> tuple[str, list[Any]]:
    if not s.kinds:
        return "''", []
    ctx = SqlContext()
    sql, params = ["CASE"], []
    for kind in s.kinds:
        held, held_params = ctx.holds([kind])
        sql.append(f"WHEN {held} THEN %s")
        params += [*held_params, kind]
    sql.append("ELSE '' END")
    return " ".join(sql), params


def verdict_ctes(
    *,
    program: Program,
    region_code: str,
    periods: list[dt.date],
    cand_sql: str,
    cand_params: list[Any],
) -> tuple[str, list[Any]]:
    """The CTE chain (see the module). ``cand_sql`` selects from ``months m`` the pairs to judge with at
    least the columns enrollment_id, person_id, region_code, birth_date, care_tier, period, period_end."""
    e, p = Enrollment._meta.db_table, Person._meta.db_table
    c, h = Certificate._meta.db_table, HardshipStatus._meta.db_table
    s = Standard._meta.db_table
    months, params = months_cte(periods)
    first, last = periods[0], month_end(periods[-1])
    settings = settings_for(program, region_code, first, last)
    bounds = setting_boundaries(settings, periods)
    specificity = (
        "(CASE WHEN grades <> '' THEN 1 ELSE 0 END + CASE WHEN categories <> '' THEN 1 ELSE 0 END"
        " + CASE WHEN hardship <> '' THEN 1 ELSE 0 END + CASE WHEN care_tier <> '' THEN 1 ELSE 0 END"
        " + CASE WHEN age_min IS NOT NULL THEN 1 ELSE 0 END + CASE WHEN age_max IS NOT NULL THEN 1 ELSE 0 END)"
    )
    grade_mask = " + ".join(f"CASE WHEN grades LIKE '%%{d}%%' THEN {1 << d} ELSE 0 END" for d in range(1, 10))
    category_mask = " + ".join(
        f"CASE WHEN categories LIKE '%%{d}%%' THEN {1 << d} ELSE 0 END" for d in range(1, 10)
    )
    # ``days``: the first of the month, and each day inside it where a fact the rules read changes.
    # Each branch carries every column of ``cand`` (the caller's, e.g. a line's id and amount), so
    # nothing joins back to ``cand`` later: PostgreSQL cannot estimate a CTE's rows, and a join
    # between two of them becomes a nested loop over both.
    day_branches = [
        "SELECT cand.*, cand.period AS day FROM cand",
        f"""SELECT cand.*, c.issue_date AS day
            FROM cand JOIN {c} c ON c.person_id = cand.person_id
            WHERE c.issue_date > cand.period AND c.issue_date <= cand.period_end""",
        f"""SELECT cand.*, h.valid_from AS day
            FROM cand JOIN {h} h ON h.person_id = cand.person_id
            WHERE h.valid_from > cand.period AND h.valid_from <= cand.period_end""",
        f"""SELECT cand.*, {plus_one_day("h.valid_to")} AS day
            FROM cand JOIN {h} h ON h.person_id = cand.person_id
            WHERE h.valid_to >= cand.period AND h.valid_to < cand.period_end""",
    ]
    bounds_cte = ""
    bounds_params: list[Any] = []
    if any(x.needs_age for x in settings):
        birthday = plus_days("cand.period", f"{day_of_month('cand.birth_date')} - 1")
        day_branches.append(
            f"""SELECT cand.*, {birthday} AS day
                FROM cand WHERE {month_of("cand.birth_date")} = {month_of("cand.period")}
                  AND {day_of_month("cand.birth_date")} > 1 AND {birthday} <= cand.period_end"""
        )
    if bounds:
        cast = _date("%s")
        bounds_cte = f",\nbounds (period, day) AS (VALUES {', '.join(f'({cast}, {cast})' for _ in bounds)})"
        for period, day in bounds:
            bounds_params += [period, day]
        day_branches.append(
            """SELECT cand.*, b.day AS day
               FROM cand JOIN bounds b ON b.period = cand.period"""
        )
    ok_sql, ok_params = _choose(settings, lambda x: (f"({x.predicate})", list(x.params)), "(1 = 0)")
    basis_sql, basis_params = _choose(settings, _basis, "''")
    sql = f"""
WITH {months}{bounds_cte},
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
cand AS MATERIALIZED ({cand_sql}),
days AS MATERIALIZED ({" UNION ALL ".join(day_branches)}),
judged AS MATERIALIZED (
  SELECT d.*, c.grade AS cert_grade, c.category AS cert_category,
         CASE WHEN {ok_sql} THEN 1 ELSE 0 END AS ok,
         {basis_sql} AS basis
  FROM days d
  JOIN {e} e ON e.id = d.enrollment_id
  JOIN {p} p ON p.id = d.person_id
  LEFT JOIN {c} c ON c.person_id = d.person_id AND c.issue_date <= d.day
       AND ((c.superseded_on IS NULL AND c.state <> 'superseded') OR c.superseded_on > d.day)
       AND (c.cancelled_on IS NULL OR c.cancelled_on >= d.day)
),
picked AS (
  SELECT judged.*, ROW_NUMBER() OVER (PARTITION BY enrollment_id, period ORDER BY ok DESC, day) AS pick
  FROM judged
),
verdict AS (
  SELECT picked.*,
         CASE WHEN cert_grade BETWEEN 1 AND 9 THEN 1 << cert_grade ELSE 0 END AS grade_bit,
         CASE WHEN cert_category BETWEEN 1 AND 9 THEN 1 << cert_category ELSE 0 END AS category_bit,
         {age_sql("picked.period", "picked.birth_date")} AS age
  FROM picked WHERE pick = 1
),
ranked AS (
  SELECT verdict.*, CASE WHEN verdict.ok = 1 THEN (
    SELECT MIN(s.precedence) FROM std s
    WHERE s.valid_from <= verdict.period AND (s.valid_to IS NULL OR s.valid_to >= verdict.period)
      AND (s.rlen = 0 OR SUBSTR(verdict.region_code, 1, s.rlen) = s.region_code)
      AND (s.grade_mask = 0 OR (s.grade_mask & verdict.grade_bit) <> 0)
      AND (s.category_mask = 0 OR (s.category_mask & verdict.category_bit) <> 0)
      AND (s.age_min IS NULL OR verdict.age >= s.age_min)
      AND (s.age_max IS NULL OR verdict.age <= s.age_max)
      AND (s.hardship = '' OR s.hardship = verdict.basis)
      AND (s.care_tier = '' OR s.care_tier = verdict.care_tier)
  ) END AS precedence
  FROM verdict
)"""
    params += bounds_params
    params += [program.pk, last, first]
    params += cand_params
    params += ok_params + basis_params
    return sql, params
