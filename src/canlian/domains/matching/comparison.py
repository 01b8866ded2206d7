"""The comparison: each rule shape is one set-based statement writing its hits into a temporary
table, and three statements turn the hits into findings — close the open findings no longer hit
(lapsed), refresh the ones still hit (evidence, amount), add the new ones (never a second open
finding for the same rule, person and subject: a partial unique key). Nothing is computed per row in
Python; the same SQL runs on PostgreSQL and SQLite.

Shapes (``RuleShape``), all restricted to the people living in the upload's region:

* ``entitled_not_enrolled`` (应享未享): a list row of a living person holding a certificate in force on
  the list's date (grades/categories/ages of the rule), with no open application or enrollment in the
  rule's program.
* ``paid_after_event`` (应停未停): a list row with a date (death, move) of a person with an enrollment in
  the rule's program (or any monthly cash program) that is still active, or was stopped later than
  the month after the date, or whose approved payment lines cover months from the month after the date
  that are not yet under recovery: the months and the amount paid after the date.
* ``listed_not_flagged``: a list row of a living person with no monitored (三类户) status open on the
  list's date.
* ``certified_not_listed``: a living person with a certificate in force (grades/categories/ages)
  whose ID number is not on the list.
* ``identity_mismatch``: a list row whose name or birth date differs from the registry's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection

from canlian.core.registry.models import Certificate, HardshipStatus, Person
from canlian.domains.matching.choices import FindingStatus, Outcome, RuleShape
from canlian.domains.matching.models import ComparisonRule, Finding, ListRow, ListUpload
from canlian.platform.bulk import create_temp_table, drop_temp_table, is_postgres
from canlian.platform.dates import add_years
from canlian.programs.choices import OPEN_STATUSES, ProgramKind
from canlian.programs.cycles.actions import FROZEN
from canlian.programs.models import Enrollment, PaymentCycle, PaymentLine, Program, RecoveryLine

HITS = "matching_hits"
HIT_COLUMNS: list[tuple[str, str]] = [
    ("person_id", "integer"),
    ("region_code", "varchar(12)"),
    ("subject", "varchar(20)"),
    ("enrollment_id", "integer"),
    ("list_row_no", "integer"),
    ("list_name", "varchar(50)"),
    ("list_birth_date", "date"),
    ("list_event_date", "date"),
    ("list_status", "varchar(60)"),
    ("registry_name", "varchar(50)"),
    ("registry_birth_date", "date"),
    ("registry_life_status", "varchar(12)"),
    ("registry_category", "integer"),
    ("registry_grade", "integer"),
    ("enrollment_status", "varchar(16)"),
    ("last_paid", "date"),
    ("months", "integer"),
    ("amount", "numeric(12,2)"),
    ("stop_from", "date"),
]
_NAMES = [c for c, _t in HIT_COLUMNS]

T_ROW, T_PERSON, T_CERT = ListRow._meta.db_table, Person._meta.db_table, Certificate._meta.db_table
T_HARD, T_ENR, T_LINE = HardshipStatus._meta.db_table, Enrollment._meta.db_table, PaymentLine._meta.db_table
T_CYCLE, T_RLINE, T_PROG = PaymentCycle._meta.db_table, RecoveryLine._meta.db_table, Program._meta.db_table
T_FIND, T_UPLOAD = Finding._meta.db_table, ListUpload._meta.db_table


def _in(values: list[Any]) -> str:
    return ", ".join(["%s"] * len(values))


def _cert_filters(
    rule: ComparisonRule, as_of: dt.date, alias: str = "c", person: str = "p"
) -> tuple[str, list[Any]]:
    sql, params = "", []
    if rule.grades:
        grades = [int(g) for g in rule.grades]
        sql += f" AND {alias}.grade IN ({_in(grades)})"
        params += grades
    if rule.categories:
        categories = [int(c) for c in rule.categories]
        sql += f" AND {alias}.category IN ({_in(categories)})"
        params += categories
    if rule.age_max is not None:  # born after the day they turned age_max + 1
        sql += f" AND {person}.birth_date > %s"
        params.append(add_years(as_of, -(rule.age_max + 1)))
    if rule.age_min is not None:
        sql += f" AND {person}.birth_date <= %s"
        params.append(add_years(as_of, -rule.age_min))
    return sql, params


def _in_force(alias: str = "c") -> str:
    return f"{alias}.state = 'active' AND {alias}.issue_date <= %s AND {alias}.valid_until >= %s"


def _program_filter(rule: ComparisonRule, alias: str = "e") -> tuple[str, list[Any]]:
    if rule.program_code:
        return f"{alias}.program_id = (SELECT id FROM {T_PROG} WHERE code = %s)", [rule.program_code]
    return f"{alias}.program_id IN (SELECT id FROM {T_PROG} WHERE kind = %s)", [ProgramKind.MONTHLY_CASH]


def hits_sql(
    rule: ComparisonRule,
    *,
    upload_id: int | None,
    region_code: str,
    as_of: dt.date,
    row_table: str = T_ROW,
    row_filter: str | None = None,
) -> tuple[str, list[Any]]:
    """The SELECT of a rule's hits, in ``HIT_COLUMNS`` order. ``row_table``/``row_filter`` let the
    benchmark point it at its own staging table."""
    prefix = f"{region_code}%"
    rows_where = row_filter if row_filter is not None else "r.upload_id = %s"
    rows_params: list[Any] = [] if row_filter is not None else [upload_id]
    cert_join = f"LEFT JOIN {T_CERT} c ON c.person_id = p.id AND c.state = 'active'"
    registry = "p.name, p.birth_date, p.life_status, c.category, c.grade"
    list_side = "r.row_no, r.name, r.birth_date, r.event_date, r.status"
    shape = rule.shape
    if shape == RuleShape.ENTITLED_NOT_ENROLLED:
        filters, fparams = _cert_filters(rule, as_of)
        program, pparams = _program_filter(rule)
        sql = f"""
SELECT p.id, p.region_code, '', NULL, {list_side}, {registry}, '', NULL, 0, 0, NULL
FROM {row_table} r
JOIN {T_PERSON} p ON p.id_number = r.id_number
JOIN {T_CERT} c ON c.person_id = p.id AND {_in_force()}
WHERE {rows_where} AND p.region_code LIKE %s AND p.life_status = 'living' {filters}
  AND NOT EXISTS (SELECT 1 FROM {T_ENR} e WHERE e.person_id = p.id AND {program}
                  AND e.status IN ({_in(list(OPEN_STATUSES))}))"""
        params = [as_of, as_of, *rows_params, prefix, *fparams, *pparams, *[str(s) for s in OPEN_STATUSES]]
        return sql, params
    if shape == RuleShape.PAID_AFTER_EVENT:
        program, pparams = _program_filter(rule)
        # The matched enrollments only; the months and amount paid after the date are added by
        # ``_paid_after`` (an index probe per matched enrollment, not a scan of every payment line).
        sql = f"""
SELECT p.id, p.region_code, CAST(e.id AS VARCHAR(20)), e.id, {list_side}, p.name, p.birth_date, p.life_status,
       e.category, e.grade, e.status, NULL, 0, 0, r.stop_from
FROM {row_table} r
JOIN {T_PERSON} p ON p.id_number = r.id_number
JOIN {T_ENR} e ON e.person_id = p.id AND {program} AND e.status IN ('active', 'stopped')
WHERE {rows_where} AND r.stop_from IS NOT NULL AND p.region_code LIKE %s"""
        params = [*pparams, *rows_params, prefix]
        return sql, params
    if shape == RuleShape.LISTED_NOT_FLAGGED:
        sql = f"""
SELECT p.id, p.region_code, '', NULL, {list_side}, {registry}, '', NULL, 0, 0, NULL
FROM {row_table} r
JOIN {T_PERSON} p ON p.id_number = r.id_number
{cert_join}
WHERE {rows_where} AND p.region_code LIKE %s AND p.life_status = 'living'
  AND NOT EXISTS (SELECT 1 FROM {T_HARD} h WHERE h.person_id = p.id AND h.kind = 'monitored'
                  AND h.valid_from <= %s AND (h.valid_to IS NULL OR h.valid_to >= %s))"""
        return sql, [*rows_params, prefix, as_of, as_of]
    if shape == RuleShape.CERTIFIED_NOT_LISTED:
        filters, fparams = _cert_filters(rule, as_of)
        sql = f"""
SELECT p.id, p.region_code, '', NULL, NULL, '', NULL, NULL, '', {registry}, '', NULL, 0, 0, NULL
FROM {T_PERSON} p
JOIN {T_CERT} c ON c.person_id = p.id AND {_in_force()}
WHERE p.region_code LIKE %s AND p.life_status = 'living' {filters}
  AND NOT EXISTS (SELECT 1 FROM {row_table} r WHERE {rows_where} AND r.id_number = p.id_number)"""
        return sql, [as_of, as_of, prefix, *fparams, *rows_params]
    if shape == RuleShape.IDENTITY_MISMATCH:
        sql = f"""
SELECT p.id, p.region_code, '', NULL, {list_side}, {registry}, '', NULL, 0, 0, NULL
FROM {row_table} r
JOIN {T_PERSON} p ON p.id_number = r.id_number
{cert_join}
WHERE {rows_where} AND p.region_code LIKE %s
  AND ((r.name <> '' AND r.name <> p.name) OR (r.birth_date IS NOT NULL AND r.birth_date <> p.birth_date))"""
        return sql, [*rows_params, prefix]
    raise ValueError(f"unknown rule shape {shape!r}")


def _execute(sql: str, params: list[Any] | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.rowcount


def _scalar(sql: str, params: list[Any] | None = None) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchone()[0]


#: Planner settings for the match's statements on PostgreSQL, set for the transaction and restored
#: after them (``planner_settings``): the hash of a province's list (1,000,000 rows, ~140 MB) stays
#: in memory instead of spilling into batches on disk (the default work_mem is 4 MB), and random
#: reads are priced as on SSD or a cached table (the default 4 prices a disk's seek), so that the
#: payment lines of the matched enrollments are probed through their (enrollment, period) index
#: instead of scanning every line of the province.
PLANNER_SETTINGS = {"work_mem": "128MB", "random_page_cost": "1.1"}


@contextmanager
def planner_settings() -> Iterator[None]:
    """``PLANNER_SETTINGS`` for the statements inside, then the previous values (PostgreSQL, in a
    transaction; elsewhere nothing)."""
    if not is_postgres() or not connection.in_atomic_block:
        yield
        return
    previous = {name: _scalar("SELECT current_setting(%s)", [name]) for name in PLANNER_SETTINGS}
    for name, value in PLANNER_SETTINGS.items():
        _scalar("SELECT set_config(%s, %s, true)", [name, value])
    try:
        yield
    finally:
        for name, value in previous.items():
            _scalar("SELECT set_config(%s, %s, true)", [name, value])


def write_hits(
    rule: ComparisonRule, *, upload_id: int | None, region_code: str, as_of: dt.date, **where: Any
) -> int:
    """The rule's hits into the temporary table ``HITS`` (indexed, analysed); returns their count.
    On PostgreSQL one CREATE TABLE … AS (it may run in parallel workers; an INSERT … SELECT may not),
    every column cast to its type, under ``PLANNER_SETTINGS``; on SQLite an INSERT … SELECT into the
    typed table."""
    with planner_settings():
        return _write_hits(rule, upload_id=upload_id, region_code=region_code, as_of=as_of, **where)


def _write_hits(
    rule: ComparisonRule, *, upload_id: int | None, region_code: str, as_of: dt.date, **where: Any
) -> int:
    select, params = hits_sql(rule, upload_id=upload_id, region_code=region_code, as_of=as_of, **where)
    drop_temp_table(HITS)
    if is_postgres():
        inner = ", ".join(f"c{i}" for i in range(len(_NAMES)))
        casts = ", ".join(f"CAST(x.c{i} AS {t}) AS {c}" for i, (c, t) in enumerate(HIT_COLUMNS))
        _execute(f"CREATE TEMPORARY TABLE {HITS} AS SELECT {casts} FROM ({select}) AS x ({inner})", params)
    else:
        create_temp_table(HITS, HIT_COLUMNS)
        _execute(f"INSERT INTO {HITS} ({', '.join(_NAMES)}) {select}", params)
    _execute(f"CREATE INDEX {HITS}_key ON {HITS} (person_id, subject)")
    if is_postgres():
        _execute(f"ANALYZE {HITS}")
    if rule.shape == RuleShape.PAID_AFTER_EVENT:
        _paid_after()
    return int(_scalar(f"SELECT COUNT(*) FROM {HITS}"))


def _paid_after() -> None:
    """The paid-after-event hits: the months, amount and last month of the lines of approved cycles
    (not failed, not under recovery) from the first month not due, per matched enrollment; then only
    the enrollments still active, stopped later than that month, or paid after it stay hits."""
    frozen = [str(s) for s in FROZEN]
    _execute(
        f"""UPDATE {HITS} SET months = x.n, amount = x.total, last_paid = x.last
        FROM (
          SELECT h.enrollment_id, COUNT(*) AS n, SUM(l.amount) AS total, MAX(l.period) AS last
          FROM {HITS} h
          JOIN {T_LINE} l ON l.enrollment_id = h.enrollment_id AND l.period >= h.stop_from AND l.status <> 'failed'
          JOIN {T_CYCLE} cy ON cy.id = l.cycle_id AND cy.status IN ({_in(frozen)})
          WHERE NOT EXISTS (SELECT 1 FROM {T_RLINE} rl WHERE rl.line_id = l.id)
          GROUP BY h.enrollment_id
        ) x
        WHERE x.enrollment_id = {HITS}.enrollment_id""",
        frozen,
    )
    _execute(
        f"""DELETE FROM {HITS} WHERE enrollment_status <> 'active' AND amount = 0
        AND NOT EXISTS (SELECT 1 FROM {T_ENR} e WHERE e.id = {HITS}.enrollment_id AND e.stopped_from > {HITS}.stop_from)"""
    )


_EVIDENCE = [c for c in _NAMES if c not in ("person_id", "region_code", "subject")]


def apply_rule(
    rule: ComparisonRule,
    *,
    upload_id: int,
    source_id: int,
    run_id: int,
    region_code: str,
    as_of: dt.date,
    today: dt.date,
    due_on: dt.date,
) -> dict[str, int]:
    """Write the rule's hits and turn them into findings; returns {hits, new, kept, lapsed}."""
    try:
        hits = write_hits(rule, upload_id=upload_id, region_code=region_code, as_of=as_of)
        # The open findings this source raised (a finding belongs to the source whose list found it:
        # another department's list of the same region neither refreshes nor closes it).
        open_here = (
            f"{T_FIND}.rule_id = %s AND {T_FIND}.status = 'open' AND {T_FIND}.region_code LIKE %s"
            f" AND {T_FIND}.upload_id IN (SELECT id FROM {T_UPLOAD} WHERE source_id = %s)"
        )
        lapsed = _execute(
            f"""UPDATE {T_FIND} SET status = %s, outcome = %s, resolved_on = %s, last_run_id = %s
            WHERE {open_here} AND NOT EXISTS (
              SELECT 1 FROM {HITS} h WHERE h.person_id = {T_FIND}.person_id AND h.subject = {T_FIND}.subject)""",
            [FindingStatus.LAPSED, Outcome.LAPSED, today, run_id, rule.pk, f"{region_code}%", source_id],
        )
        sets = ", ".join(f"{c} = h.{c}" for c in _EVIDENCE)
        kept = _execute(
            f"""UPDATE {T_FIND} SET {sets}, last_run_id = %s, upload_id = %s
            FROM {HITS} h
            WHERE {open_here} AND h.person_id = {T_FIND}.person_id AND h.subject = {T_FIND}.subject""",
            [run_id, upload_id, rule.pk, f"{region_code}%", source_id],
        )
        # The hits already open (just refreshed) or resolved as not applicable leave the table first,
        # so that the INSERT does not read the table it writes (a self-join over its own new rows).
        _execute(
            f"""DELETE FROM {HITS} WHERE EXISTS (
              SELECT 1 FROM {T_FIND} f WHERE f.rule_id = %s AND f.person_id = {HITS}.person_id
                AND f.subject = {HITS}.subject AND (f.status = 'open' OR f.outcome = %s))""",
            [rule.pk, Outcome.NOT_APPLICABLE],
        )
        new = _execute(
            f"""INSERT INTO {T_FIND} (rule_id, person_id, region_code, subject, {", ".join(_EVIDENCE)},
                upload_id, first_run_id, last_run_id, status, found_on, due_on, outcome, outcome_note)
            SELECT %s, h.person_id, h.region_code, h.subject, {", ".join("h." + c for c in _EVIDENCE)},
                %s, %s, %s, 'open', %s, %s, '', ''
            FROM {HITS} h""",
            [rule.pk, upload_id, run_id, run_id, today, due_on],
        )
    finally:
        drop_temp_table(HITS)
    return {"hits": hits, "new": new, "kept": kept, "lapsed": lapsed}
