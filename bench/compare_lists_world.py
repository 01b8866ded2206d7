"""The world bench/compare_lists.py measures, made set-based (INSERT … SELECT generate_series).

The province of bench/indicators_world.py (16 cities, 140 counties, 1,820 townships, 36,400
villages) with N living people holding **valid** resident ID numbers (the list load checks them like
any upload: area 370102, the birth date, a sequence, the check character computed in SQL), a
certificate each, 低保 for the even half, an enrollment in one of the two subsidies (5% in both) and
the closed cycles of January and February with their paid lines (bench/indicators_world.py's
``make_enrollments`` and ``make_cycles``). The department's death list is written by the database
itself (COPY … TO STDOUT into a CSV file): ``--rows`` rows, a share of them (``match_share``) naming
registry people who died in January (still paid for February: 应停未停), one in fifty of those with
another spelling of the name, the rest IDs of people the registry does not hold (another area code).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from indicators_world import make_cycles, make_enrollments  # noqa: F401  (re-exported for the bench)
from monthly_cycle import clock, scalar, sql

PASSWORD = "bench-Only-2026"  # noqa: S105  (a throwaway account of the bench database)

CHECK_FUNCTION = """
CREATE OR REPLACE FUNCTION bench_id(body text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT body || substr('10X98765432', (
    SELECT sum(substr(body, i, 1)::int * (ARRAY[7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2])[i])::int % 11
    FROM generate_series(1, 17) i) + 1, 1)
$$"""

#: Person g: born 1935-01-01 + (g mod 30000) days, sequence g / 30000 (unique up to 30M people).
ID_BODY = (
    "'{area}' || to_char(DATE '1935-01-01' + ({g} % 30000), 'YYYYMMDD') || lpad(({g} / 30000)::text, 3, '0')"
)


def make_people(n: int, year: int) -> None:
    """People with valid ID numbers, certificates, 低保 statuses: one INSERT … SELECT each."""
    sql(CHECK_FUNCTION)
    sql(
        "CREATE UNLOGGED TABLE bench_village AS "
        "SELECT (row_number() OVER (ORDER BY code) - 1)::int AS i, code FROM regions_region WHERE level = 5"
    )
    sql("ALTER TABLE bench_village ADD PRIMARY KEY (i)")
    villages = scalar("SELECT count(*) FROM bench_village")[0]
    body = ID_BODY.format(area="370102", g="g")
    clock(
        f"{n:,} people (valid ID numbers)",
        lambda: sql(
            f"""INSERT INTO registry_person (name, name_pinyin, name_initials, id_number, sex, birth_date, ethnicity,
                  phone, region_code, residence_address, hukou_region_code, hukou_address, hukou_type, life_status,
                  life_status_date, source, created_at, updated_at)
                SELECT '测试' || g, 'ceshi' || g, 'cs', bench_id({body}),
                       CASE WHEN (g / 30000) % 2 = 0 THEN 'F' ELSE 'M' END,
                       DATE '1935-01-01' + (g % 30000), '', '', v.code, '', v.code, '', '', 'living', NULL,
                       'imported', now(), now()
                FROM generate_series(1, {n}) g JOIN bench_village v ON v.i = g % {villages}
                ORDER BY g"""
        ),
    )
    start = f"{year}-01-01"
    clock(
        "certificates",
        lambda: sql(
            f"""INSERT INTO registry_certificate (person_id, number, category, grade, issue_date, valid_until, state,
                  cancelled_on, cancel_reason, cancel_note, superseded_on, created_at, updated_at)
                SELECT p.id, p.id_number || x.category || x.grade, x.category, x.grade,
                       DATE '{start}' - 2900 + ((p.id * 13) % 2890)::int, DATE '{start}' + 1600,
                       'active', NULL, '', '', NULL, now(), now()
                FROM registry_person p
                CROSS JOIN LATERAL (SELECT 1 + p.id % 7 AS category,
                                           CASE WHEN p.id % 2 = 1 OR p.id % 20 = 0 THEN 1 + (p.id / 20) % 2
                                                ELSE 1 + (p.id / 2) % 4 END AS grade) x
                ORDER BY p.id"""
        ),
    )
    clock(
        "hardship statuses (低保, the even half)",
        lambda: sql(
            """INSERT INTO registry_hardshipstatus (person_id, kind, monitored_type, risk_cause, valid_from, valid_to,
                  source, note, created_at)
               SELECT p.id, 'dibao', '', '', DATE '2020-01-01', NULL, 'civil_affairs', '', now()
               FROM registry_person p WHERE p.id % 2 = 0 ORDER BY p.id"""
        ),
    )


def write_death_list(path: Path, *, people: int, rows: int, match_share: float, year: int) -> dict[str, int]:
    """The civil-affairs death list as a CSV file (UTF-8, the header of a real one), written by COPY."""
    from django.db import connection

    matched = min(int(rows * match_share), people)
    step = max(people // max(matched, 1), 1)
    # Person k·step − (k mod 3): spread over both programs (not only the multiples of the step).
    pick = f"(k * {step} - k % 3)" if step >= 3 else f"(k * {step})"
    body_person = ID_BODY.format(area="370102", g=pick)
    body_other = ID_BODY.format(area="990101", g="k")
    select = f"""
      SELECT k AS 序号, CASE WHEN k % 50 = 0 THEN '测试' || {pick} || '号' ELSE '测试' || {pick} END AS 姓名,
             bench_id({body_person}) AS 公民身份号码,
             (DATE '{year}-01-01' + (k % 31))::text AS 死亡日期, '火化' AS 状态
      FROM generate_series(1, {matched}) k
      UNION ALL
      SELECT {matched} + k, '非登记' || k, bench_id({body_other}), (DATE '{year}-01-01' + (k % 31))::text, '火化'
      FROM generate_series(1, {rows - matched}) k"""
    with connection.cursor() as cursor, path.open("wb") as fh:
        with cursor.cursor.copy(f"COPY ({select}) TO STDOUT WITH (FORMAT csv, HEADER true)") as copy:
            for chunk in copy:
                fh.write(bytes(chunk))
    return {"rows": rows, "matched": matched, "renamed": matched // 50}


def make_admin() -> Any:
    """The provincial administrator who uploads and compares (through the real actions and scope)."""
    from canlian.core.accounts.actions import user_create
    from canlian.core.permissions import Role
    from canlian.core.regions.models import Region

    return user_create(
        actor=None,
        username="bench_province",
        password=PASSWORD,
        role=Role.PROVINCE_ADMIN,
        region=Region.objects.get(code="37"),
        check_password=False,
    )
