"""The province bench/indicators.py measures, made set-based (INSERT … SELECT generate_series).

A province (37) of 16 cities, 140 counties, 13 townships per county (1,820) and 20 villages per
township (36,400); N people spread over the villages, each with a certificate (10% issued during the
bench year, 1% expiring in it, 1% expiring early next year), a 低保 status for the living subsidy's
half, 0.4% deaths during the year, 0.5% suspected people in screening; an enrollment per person in
one subsidy (5% in both) payable from January or the month after their certificate; one cycle per
county, program and month for the first M − 1 months (closed) holding a paid line per enrollment
and month it was payable, in cycle order (as the engine writes them); a few recovery items. The last
month's cycle is left for the engine (bench/indicators.py times it).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from monthly_cycle import clock, scalar, sql

PROVINCE = "37"
CITIES = 16
TOWNSHIPS_PER_COUNTY = 13
VILLAGES_PER_TOWNSHIP = 20


def counties_of(city: int) -> int:
    """9 counties in the first twelve cities, 8 in the last four: 140 in all."""
    return 9 if city <= 12 else 8


def make_regions() -> dict[str, int]:
    """The region tree, level by level (parents linked through one join each)."""

    def level(code_sql: str, name_sql: str, level_no: int, series: str) -> int:
        return sql(
            f"""INSERT INTO regions_region (code, name, level, parent_id, valid_from, valid_to, source, updated_at)
                SELECT {code_sql}, {name_sql}, {level_no}, r.id, NULL, NULL, 'national', now()
                FROM regions_region r CROSS JOIN LATERAL {series}
                WHERE r.level = {level_no - 1} ORDER BY 1"""
        )

    sql(
        "INSERT INTO regions_region (code, name, level, parent_id, valid_from, valid_to, source, updated_at) "
        f"VALUES ('{PROVINCE}', '山东省', 1, NULL, NULL, NULL, 'national', now())"
    )
    level("r.code || lpad(k::text, 2, '0')", "'第' || k || '市'", 2, f"generate_series(1, {CITIES}) k")
    level(
        "r.code || lpad(k::text, 2, '0')",
        "r.name || k || '县'",
        3,
        "generate_series(1, CASE WHEN substr(r.code, 3, 2)::int <= 12 THEN 9 ELSE 8 END) k",
    )
    level(
        "r.code || lpad(k::text, 3, '0')",
        "'乡镇' || lpad(k::text, 2, '0')",
        4,
        f"generate_series(1, {TOWNSHIPS_PER_COUNTY}) k",
    )
    level(
        "r.code || lpad(k::text, 3, '0')",
        "'村' || lpad(k::text, 2, '0')",
        5,
        f"generate_series(1, {VILLAGES_PER_TOWNSHIP}) k",
    )
    sql("ANALYZE regions_region")
    counts = dict(
        (level_no, n)
        for level_no, n in _rows("SELECT level, count(*) FROM regions_region GROUP BY level ORDER BY level")
    )
    return {"cities": counts[2], "counties": counts[3], "townships": counts[4], "villages": counts[5]}


def _rows(statement: str, params: Any = None) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall()


def place_names(county: str) -> list[tuple[str, str]]:
    """(township name, village name) of a county's villages, for the ledger writer."""
    return [
        (town, village)
        for town, village in _rows(
            """SELECT t.name, v.name FROM regions_region v JOIN regions_region t ON t.id = v.parent_id
               WHERE v.level = 5 AND v.code LIKE %s ORDER BY v.code""",
            [f"{county}%"],
        )
    ]


def make_people(n: int, year: int) -> None:
    """People, certificates, hardship statuses, screening records: one INSERT … SELECT each."""
    start = dt.date(year, 1, 1)
    sql(
        "CREATE UNLOGGED TABLE bench_village AS "
        "SELECT (row_number() OVER (ORDER BY code) - 1)::int AS i, code FROM regions_region WHERE level = 5"
    )
    sql("ALTER TABLE bench_village ADD PRIMARY KEY (i)")
    villages = scalar("SELECT count(*) FROM bench_village")[0]
    # Person g lives in village g mod V; 1 in 250 dies during the year.
    clock(
        f"{n:,} people",
        lambda: sql(
            f"""INSERT INTO registry_person (name, name_pinyin, name_initials, id_number, sex, birth_date, ethnicity,
                  phone, region_code, residence_address, hukou_region_code, hukou_address, hukou_type, life_status,
                  life_status_date, source, created_at, updated_at)
                SELECT '测试' || g, 'ceshi' || g, 'cs', '37' || lpad(g::text, 16, '0'),
                       CASE WHEN g % 2 = 0 THEN 'F' ELSE 'M' END,
                       DATE '1935-01-01' + ((g::bigint * 7919) % 30000)::int, '', '', v.code, '', v.code, '', '',
                       CASE WHEN g % 250 = 7 THEN 'deceased' ELSE 'living' END,
                       CASE WHEN g % 250 = 7 THEN DATE '{start}' + (g % 330) END, 'imported', now(), now()
                FROM generate_series(1, {n}) g JOIN bench_village v ON v.i = g % {villages}
                ORDER BY g"""
        ),
    )
    # Nursing people (odd ids, and every 20th) hold grade 1–2; the others grade 1–4.
    clock(
        "certificates",
        lambda: sql(
            f"""INSERT INTO registry_certificate (person_id, number, category, grade, issue_date, valid_until, state,
                  cancelled_on, cancel_reason, cancel_note, superseded_on, created_at, updated_at)
                SELECT p.id, p.id_number || x.category || x.grade, x.category, x.grade,
                       CASE WHEN p.id % 10 = 3 THEN DATE '{start}' + ((p.id * 7) % 330)::int
                            ELSE DATE '{start}' - 2900 + ((p.id * 13) % 2890)::int END,
                       CASE WHEN p.id % 100 = 11 THEN DATE '{start}' + 14 + (p.id % 300)::int
                            WHEN p.id % 100 = 12 THEN DATE '{start}' + 375 + (p.id % 40)::int
                            ELSE DATE '{start}' + 1600 END,
                       'active', NULL, '', '', NULL, now(), now()
                FROM registry_person p
                CROSS JOIN LATERAL (SELECT 1 + p.id % 7 AS category,
                                           CASE WHEN p.id % 2 = 1 OR p.id % 20 = 0 THEN 1 + (p.id / 20) % 2
                                                ELSE 1 + (p.id / 2) % 4 END AS grade) x
                ORDER BY p.id"""
        ),
    )
    clock(
        "hardship statuses (低保, the living subsidy's half)",
        lambda: sql(
            """INSERT INTO registry_hardshipstatus (person_id, kind, monitored_type, risk_cause, valid_from, valid_to,
                  source, note, created_at)
               SELECT p.id, 'dibao', '', '', DATE '2020-01-01', NULL, 'civil_affairs', '', now()
               FROM registry_person p WHERE p.id % 2 = 0 ORDER BY p.id"""
        ),
    )
    # 1 in 200 people has a suspected (uncertified) neighbour found during the year; a third assessed.
    clock(
        "screening records",
        lambda: sql(
            f"""INSERT INTO registry_screeningrecord (name, id_number, phone, region_code, address,
                  suspected_category, source, found_on, description, appointment_on, assessor, outcome,
                  outcome_on, outcome_note, person_id, certificate_id, created_by_id, created_at)
                SELECT '摸排' || g, '38' || lpad(g::text, 16, '0'), '', v.code, '', 1 + g % 7, 'village',
                       DATE '{start}' + (g % 330), '', NULL, '',
                       CASE WHEN g % 3 = 0 THEN 'not_disabled' ELSE 'pending' END,
                       CASE WHEN g % 3 = 0 THEN DATE '{start}' + (g % 330) + 20 END, '', NULL, NULL, NULL, now()
                FROM generate_series(1, {max(n // 200, 1)}) g JOIN bench_village v ON v.i = (g * 37) % {villages}"""
        ),
    )


def make_enrollments(year: int) -> None:
    """One living-subsidy enrollment per even id, a nursing one per odd id and every 20th: active,
    payable from January (or the month after a certificate issued during the year)."""
    start = dt.date(year, 1, 1)
    clock(
        "enrollments",
        lambda: sql(
            f"""INSERT INTO programs_enrollment (program_id, person_id, region_code, status, applicant_kind,
                  applicant_name, applied_on, application_month, needs_long_term_care, work_injury_nursing,
                  diagnosis_confirmed, grade, category, hardship_basis, care_tier, bank_name, bank_account,
                  account_holder, step_due_on, notice_from, notice_until, decided_on, activated_on,
                  rejected_reason, stopped_from, stop_reason, stop_note, ineligible_since, created_by_id,
                  created_at, updated_at)
                SELECT pr.id, p.id, p.region_code, 'active', 'self', '', m.month, m.month, pr.code = 'nursing-subsidy',
                       false, false, c.grade, c.category,
                       CASE WHEN pr.code = 'living-subsidy' THEN 'dibao' ELSE '' END, '', '农商银行',
                       '6222' || lpad(p.id::text, 15, '0'), p.name, NULL, NULL, NULL, m.month, m.month, '', NULL,
                       '', '', NULL, NULL, now(), now()
                FROM registry_person p
                JOIN registry_certificate c ON c.person_id = p.id
                JOIN programs_program pr ON (pr.code = 'living-subsidy' AND p.id % 2 = 0)
                     OR (pr.code = 'nursing-subsidy' AND (p.id % 2 = 1 OR p.id % 20 = 0))
                CROSS JOIN LATERAL (SELECT CASE WHEN c.issue_date >= DATE '{start}'
                                    THEN (date_trunc('month', c.issue_date) + interval '1 month')::date
                                    ELSE DATE '{start}' END AS month) m
                WHERE p.source = 'imported'
                ORDER BY p.id, pr.id"""
        ),
    )
    sql("ANALYZE")


def make_cycles(year: int, months: int) -> None:
    """Cycles (county × program × month) of the first ``months`` months, closed, and their paid lines,
    one INSERT … SELECT per month in cycle order."""
    sql(
        f"""INSERT INTO programs_paymentcycle (total_amount, generated_by_id, generated_at, approved_by_id,
              approved_at, note, program_id, region_code, month, status, line_count, exported_at, closed_at,
              created_at)
            SELECT 0, NULL, now(), NULL, now(), '', pr.id, r.code, m::date, 'closed', 0, now(), now(), now()
            FROM regions_region r
            CROSS JOIN programs_program pr
            CROSS JOIN generate_series(DATE '{year}-01-01', DATE '{year}-01-01' + interval '{months - 1} month',
                                       interval '1 month') m
            WHERE r.level = 3 AND pr.code IN ('living-subsidy', 'nursing-subsidy')
            ORDER BY m, r.code, pr.id"""
    )
    sql("ANALYZE programs_paymentcycle")
    for month in range(1, months + 1):
        period = dt.date(year, month, 1)
        clock(f"payment lines of {period:%Y-%m}", lambda period=period: write_month(period))
    clock(
        "cycle totals",
        lambda: sql(
            """UPDATE programs_paymentcycle cy SET line_count = x.n, total_amount = x.s
               FROM (SELECT cycle_id, count(*) AS n, sum(amount) AS s FROM programs_paymentline GROUP BY cycle_id) x
               WHERE x.cycle_id = cy.id"""
        ),
    )


def write_month(period: dt.date) -> int:
    """The month's paid lines: every enrollment payable then (alive at the month's start, certificate
    valid), at the province's standard in force, in its county's cycle. The rows are consistent by
    construction, so the foreign-key triggers are skipped (bench only)."""
    from django.db import transaction

    with transaction.atomic():
        sql("SET LOCAL session_replication_role = replica")
        return _write_month(period)


def _write_month(period: dt.date) -> int:
    return sql(
        """INSERT INTO programs_paymentline (cycle_id, program_id, enrollment_id, person_id, region_code, period,
              amount, standard_id, kind, status, reissue_of_id, bank_account, paid_on, failure_reason)
           SELECT cy.id, e.program_id, e.id, e.person_id, e.region_code, %(m)s, s.amount, s.id, 'regular', 'paid',
                  NULL, e.bank_account, %(m)s::date + 14, ''
           FROM programs_enrollment e
           JOIN registry_person p ON p.id = e.person_id
           JOIN registry_certificate c ON c.person_id = e.person_id
           JOIN programs_paymentcycle cy ON cy.program_id = e.program_id AND cy.month = %(m)s
                AND cy.region_code = substr(e.region_code, 1, 6)
           JOIN programs_standard s ON s.program_id = e.program_id AND s.region_code = '37'
                AND s.valid_from <= %(m)s AND (s.valid_to IS NULL OR s.valid_to >= %(m)s)
                AND strpos(s.grades, e.grade::text) > 0 AND s.categories = ''
                AND (s.hardship = '' OR s.hardship = e.hardship_basis)
           WHERE e.application_month <= %(m)s AND e.status = 'active'
             AND (p.life_status = 'living' OR p.life_status_date >= %(m)s)
             AND c.valid_until >= %(m)s AND c.issue_date <= (%(m)s::date + interval '1 month' - interval '1 day')
           ORDER BY cy.id, e.id""",
        {"m": period},
    )


def make_recoveries(year: int, months: int) -> None:
    """1 in 1,000 enrollments was paid two months without entitlement (a death or a move found
    late): a recovery item (追缴) with a recovery line for each of those paid lines."""
    span = max(months - 2, 1)
    chosen = f"""l.enrollment_id % 1000 = 17 AND l.period >= DATE '{year}-01-01'
                 AND EXTRACT(MONTH FROM l.period)::int - 1 - (l.enrollment_id / 1000) % {span} IN (0, 1)"""
    sql(
        f"""INSERT INTO programs_recoveryitem (program_id, enrollment_id, person_id, region_code, amount, months,
              reason, status, detected_on, detected_by_id, resolved_on, resolved_by_id, resolution_note, created_at)
            SELECT l.program_id, l.enrollment_id, l.person_id, min(l.region_code), sum(l.amount), '[]'::jsonb,
                   'death', 'to_recover', max(l.period) + 40, NULL, NULL, NULL, '', now()
            FROM programs_paymentline l WHERE {chosen}
            GROUP BY l.program_id, l.enrollment_id, l.person_id"""
    )
    sql(
        f"""INSERT INTO programs_recoveryline (item_id, line_id, period, paid, due, amount)
            SELECT i.id, l.id, l.period, l.amount, 0, l.amount
            FROM programs_recoveryitem i JOIN programs_paymentline l ON l.enrollment_id = i.enrollment_id
            WHERE {chosen}"""
    )
