"""Benchmark: one month's payment cycle over 1,000,000 active enrollments, on PostgreSQL.

    .venv/bin/python bench/monthly_cycle.py [--enrollments 1000000] [--keep-db]

Runs in its own database, CANLIAN_BENCH_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/canlian_bench_cycle), which it drops, creates and migrates. It

1. generates, set-based (``generate_series``), N people in one county (600 villages) with a
   certificate each (1% expiring in October, 0.3% cancelled in November), a 低保 status each (1% ended
   in October), 0.4% deaths in September, and N active living-subsidy enrollments (3% of them applied
   in October–December and activated only after November's cycle, 0.2% stopped from November);
   standards at four region levels keyed by grade band, hardship and age, all changing on 1 November;
   a back-pay window of 3 months (``Program.arrears_months``, data);
2. generates November's cycle through the engine (untimed: the table then holds ~4M lines, with 1%
   of November's marked failed by the bank);
3. times, for December, a hand-written single INSERT … SELECT (PostgreSQL-only: generate_series,
   DISTINCT ON, strpos, age()) into a city cycle, then deletes its lines again, and
   ``cycle_generate`` through the engine into the county cycle; checks that counts and sums agree
   and prints the ratio (goal ≤ 1.5×);
4. times a re-run of the engine (goal: no new lines, at most 0.1× the first run);
5. the baseline of issue 19: the engine's own lines of December, exported, deleted and written back
   with one COPY into the same (partitioned) table with its indexes and foreign keys, timed with the
   commit that checks them; prints engine / COPY (goal ≤ 2×);
6. times the eligibility preview over the million (``canlian.programs.preview.preview``; goal < 1 s).

No timed assertions: it prints figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from import_persons import _psycopg_url, _server_url, make_places

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/canlian_bench_cycle"
COUNTY = "370502"
MONTH = dt.date(2025, 12, 1)
PREVIOUS = dt.date(2025, 11, 1)
ARREARS = 3


def prepare_database(default_url: str = DEFAULT_URL) -> str:
    """A fresh database for a benchmark (CANLIAN_BENCH_DATABASE_URL, or ``default_url``)."""
    import psycopg

    url = os.environ.get("CANLIAN_BENCH_DATABASE_URL") or default_url
    if urlsplit(url).scheme not in ("postgres", "postgresql", "pgsql"):
        raise SystemExit(f"This benchmark needs PostgreSQL; CANLIAN_BENCH_DATABASE_URL is {url!r}.")
    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(_psycopg_url(_server_url(url)), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'")
    os.environ["CANLIAN_DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "canlian.config.settings"
    return url


def drop_database(url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(_psycopg_url(_server_url(url)), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def sql(statement: str, params: Any = None) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def scalar(statement: str, params: Any = None) -> Any:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchone()


def clock(label: str, func: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    value = func()
    elapsed = time.perf_counter() - start
    print(f"  {label:62} {elapsed:8.2f} s", flush=True)
    return elapsed, value


def generate_data(n: int, program_id: int) -> None:
    """People, certificates, hardship statuses and enrollments, one INSERT … SELECT each."""
    region = (
        f"'{COUNTY}' || lpad(((g %% 20) + 1)::text, 3, '0') || lpad((((g / 20) %% 30) + 1)::text, 3, '0')"
    )
    clock(
        f"{n:,} people",
        lambda: sql(
            f"""INSERT INTO registry_person (name, name_pinyin, name_initials, id_number, sex, birth_date, ethnicity,
                  phone, region_code, residence_address, hukou_region_code, hukou_address, hukou_type, life_status,
                  life_status_date, source, created_at, updated_at)
                SELECT '测试' || g, 'ceshi' || g, 'cs', '37050' || lpad(g::text, 13, '0'),
                       CASE WHEN g %% 2 = 0 THEN 'F' ELSE 'M' END,
                       DATE '1935-01-01' + ((g::bigint * 7919) %% 32000)::int, '', '', {region}, '', {region}, '', '',
                       CASE WHEN g %% 250 = 0 THEN 'deceased' ELSE 'living' END,
                       CASE WHEN g %% 250 = 0 THEN DATE '2025-09-15' END, 'imported', now(), now()
                FROM generate_series(1, %s) g""",
            [n],
        ),
    )
    clock(
        "certificates",
        lambda: sql(
            """INSERT INTO registry_certificate (person_id, number, category, grade, issue_date, valid_until, state,
                  cancelled_on, cancel_reason, cancel_note, created_at, updated_at)
                SELECT p.id, p.id_number || (1 + p.id % 7) || (1 + (p.id / 7) % 4), 1 + p.id % 7, 1 + (p.id / 7) % 4,
                       DATE '2018-03-01',
                       CASE WHEN p.id % 100 = 1 THEN DATE '2025-10-20' ELSE DATE '2028-03-01' END,
                       CASE WHEN p.id % 333 = 2 THEN 'cancelled' ELSE 'active' END,
                       CASE WHEN p.id % 333 = 2 THEN DATE '2025-11-05' END,
                       CASE WHEN p.id % 333 = 2 THEN 'other' ELSE '' END, '', now(), now()
                FROM registry_person p"""
        ),
    )
    clock(
        "hardship statuses (低保)",
        lambda: sql(
            """INSERT INTO registry_hardshipstatus (person_id, kind, monitored_type, risk_cause, valid_from, valid_to,
                  source, note, created_at)
                SELECT p.id, 'dibao', '', '', DATE '2020-01-01',
                       CASE WHEN p.id % 97 = 3 THEN DATE '2025-10-31' END, 'civil_affairs', '', now()
                FROM registry_person p"""
        ),
    )
    # 3% applied in October–December and are still in public notice at November's cycle.
    clock(
        "enrollments",
        lambda: sql(
            """INSERT INTO programs_enrollment (program_id, person_id, region_code, status, applicant_kind,
                  applicant_name, applied_on, application_month, needs_long_term_care, work_injury_nursing, grade,
                  category, hardship_basis, care_tier, bank_name, bank_account, account_holder, rejected_reason,
                  stopped_from, stop_reason, stop_note, created_at, updated_at, activated_on)
                SELECT %s, p.id, p.region_code, CASE WHEN p.id %% 100 < 3 THEN 'notice' ELSE 'active' END, 'self', '',
                       m.month, m.month, false, false, 1 + (p.id / 7) %% 4, 1 + p.id %% 7, 'dibao', '',
                       '农商银行', '6222' || lpad(p.id::text, 15, '0'), p.name, '',
                       CASE WHEN p.id %% 500 = 7 THEN DATE '2025-11-01' END,
                       CASE WHEN p.id %% 500 = 7 THEN 'request' ELSE '' END, '', now(), now(), m.month
                FROM registry_person p
                CROSS JOIN LATERAL (SELECT CASE p.id %% 100 WHEN 0 THEN DATE '2025-10-01' WHEN 1 THEN DATE '2025-11-01'
                                    WHEN 2 THEN DATE '2025-12-01' ELSE DATE '2023-03-01' END AS month) m""",
            [program_id],
        ),
    )
    clock("ANALYZE", lambda: sql("ANALYZE"))


def make_standards(program: Any) -> None:
    from decimal import Decimal

    from canlian.programs.models import Standard

    change = dt.date(2025, 11, 1)
    rows = [
        # region, grades, age_max, before, after
        ("", "", None, "100", "120"),
        ("37", "12", None, "150", "180"),
        ("3705", "34", None, "110", "130"),
        (COUNTY, "12", 17, "200", "240"),
    ]
    for region, grades, age_max, before, after in rows:
        Standard.objects.create(
            program=program,
            region_code=region,
            valid_from=dt.date(2016, 1, 1),
            valid_to=change - dt.timedelta(days=1),
            grades=grades,
            age_max=age_max,
            hardship="dibao",
            amount=Decimal(before),
        )
        Standard.objects.create(
            program=program,
            region_code=region,
            valid_from=change,
            grades=grades,
            age_max=age_max,
            hardship="dibao",
            amount=Decimal(after),
        )


HAND_SQL = """
INSERT INTO programs_paymentline (cycle_id, program_id, enrollment_id, person_id, region_code, period, amount,
                                  standard_id, kind, status, reissue_of_id, bank_account, paid_on, failure_reason)
SELECT %(cycle)s, %(program)s, x.id, x.person_id, x.region_code, x.period, x.amount, x.standard_id,
       CASE WHEN x.failed_id IS NOT NULL THEN 'reissue' WHEN x.period < %(month)s THEN 'arrears' ELSE 'regular' END,
       'pending', x.failed_id, x.bank_account, NULL, ''
FROM (
  SELECT DISTINCT ON (e.id, m.period) e.id, e.person_id, e.region_code, e.bank_account, m.period,
         s.amount, s.id AS standard_id,
         (SELECT max(f.id) FROM programs_paymentline f
          WHERE f.enrollment_id = e.id AND f.period = m.period AND f.status = 'failed') AS failed_id
  FROM generate_series(%(start)s::date, %(month)s::date, interval '1 month') AS g(t)
  CROSS JOIN LATERAL (SELECT g.t::date AS period, (g.t + interval '1 month' - interval '1 day')::date AS period_end) m
  JOIN programs_enrollment e ON e.application_month <= m.period
  JOIN registry_person p ON p.id = e.person_id
  JOIN programs_standard s ON s.program_id = %(program)s AND s.valid_from <= m.period
       AND (s.valid_to IS NULL OR s.valid_to >= m.period)
       AND e.region_code LIKE s.region_code || '%%'
       AND (s.grades = '' OR strpos(s.grades, e.grade::text) > 0)
       AND (s.categories = '' OR strpos(s.categories, e.category::text) > 0)
       AND (s.age_max IS NULL OR date_part('year', age(m.period, p.birth_date)) <= s.age_max)
       AND (s.age_min IS NULL OR date_part('year', age(m.period, p.birth_date)) >= s.age_min)
       AND (s.hardship = '' OR s.hardship = e.hardship_basis)
       AND (s.care_tier = '' OR s.care_tier = e.care_tier)
  WHERE e.program_id = %(program)s AND e.status = 'active' AND e.region_code LIKE %(region)s
    AND (e.stopped_from IS NULL OR m.period < e.stopped_from)
    AND (p.life_status = 'living' OR p.life_status_date >= m.period)
    AND EXISTS (SELECT 1 FROM registry_certificate c WHERE c.person_id = e.person_id AND c.valid_until >= m.period
                AND c.issue_date <= m.period_end
                AND (c.state IN ('active', 'superseded') OR c.cancelled_on >= m.period))
    AND EXISTS (SELECT 1 FROM registry_hardshipstatus h WHERE h.person_id = e.person_id AND h.kind = e.hardship_basis
                AND h.valid_from <= m.period_end AND (h.valid_to IS NULL OR h.valid_to >= m.period))
    AND NOT EXISTS (SELECT 1 FROM programs_paymentline l WHERE l.period = m.period AND l.enrollment_id = e.id
                    AND l.status <> 'failed')
  ORDER BY e.id, m.period, length(s.region_code) DESC,
           (s.grades <> '')::int + (s.categories <> '')::int + (s.hardship <> '')::int + (s.care_tier <> '')::int
           + (s.age_min IS NOT NULL)::int + (s.age_max IS NOT NULL)::int DESC,
           s.valid_from DESC, s.grades, s.categories, s.id
) x
ON CONFLICT (period, enrollment_id) WHERE NOT (status = 'failed') DO NOTHING
"""


def copy_baseline(cycle: Any) -> tuple[float, int]:
    """The lines of ``cycle`` written again by one COPY into the same table (its partitions, indexes
    and foreign keys, checked at the commit): export them, delete them, time the COPY and its commit."""
    from django.db import connection, transaction

    from canlian.programs.models import PaymentLine

    table = PaymentLine._meta.db_table
    columns = ", ".join(f.column for f in PaymentLine._meta.concrete_fields)
    first, last = cycle.line_periods()
    select = (
        f"SELECT {columns} FROM {table} WHERE cycle_id = {int(cycle.pk)} "
        f"AND period BETWEEN '{first.isoformat()}' AND '{last.isoformat()}'"
    )
    chunks: list[bytes] = []
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY ({select}) TO STDOUT") as copy:
            chunks.extend(bytes(data) for data in copy)
    with transaction.atomic():
        sql("SET LOCAL session_replication_role = replica")  # see forget_lines in main()
        deleted = sql(f"DELETE FROM {table} WHERE cycle_id = %s", [cycle.pk])
    sql(f"VACUUM ANALYZE {table}")
    start = time.perf_counter()
    with transaction.atomic():
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for data in chunks:
                    copy.write(data)
    elapsed = time.perf_counter() - start
    print(
        f"  {'baseline: the same lines by one COPY (indexes, keys, commit)':62} {elapsed:8.2f} s", flush=True
    )
    return elapsed, deleted


def print_partition_plans(cycle: Any) -> None:
    """The partitions the cycle's reads touch (EXPLAIN): its totals and its bank file."""
    import re

    from django.db.models import Count, Sum

    from canlian.platform.partitions import months_of_partitions
    from canlian.programs.models import PaymentLine

    table = PaymentLine._meta.db_table
    cycle.refresh_from_db()
    print(f"\npartitions ({len(months_of_partitions(table))} months and DEFAULT)")
    reads = {
        "the cycle's totals": PaymentLine.objects.of_cycle(cycle)
        .values("kind", "status")
        .annotate(n=Count("id"), total=Sum("amount")),
        # the bank file's read (cycles.actions._export_rows)
        "the bank file": PaymentLine.objects.of_cycle(cycle)
        .exclude(status="failed")
        .order_by("id")
        .values_list("id", "person__id_number", "bank_account", "amount"),
    }
    for label, query in reads.items():
        plan = query.explain()
        touched = sorted(set(re.findall(rf"{table}_(p\d{{6}}|default)", plan)))
        print(f"  {label:22} reads {', '.join(touched)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--enrollments", type=int, default=1_000_000)
    parser.add_argument("--keep-db", action="store_true", help="keep the bench database afterwards")
    args = parser.parse_args()
    url = prepare_database()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from canlian.programs.cycles.actions import cycle_generate
    from canlian.programs.models import PaymentCycle, PaymentLine, Program, add_months

    try:
        call_command("migrate", verbosity=0)
        print(f"\nMonthly cycle benchmark: {args.enrollments:,} active enrollments, PostgreSQL\n\nsetup")
        clock("regions (county, 20 townships, 600 villages)", make_places)
        program = Program.objects.get(code="living-subsidy")
        Program.objects.filter(pk=program.pk).update(arrears_months=ARREARS)
        program.refresh_from_db()
        make_standards(program)
        from canlian.platform.partitions import ensure_months

        clock(
            "monthly partitions of the lines (the daily task's work)",
            lambda: ensure_months(
                PaymentLine._meta.db_table, [add_months(PREVIOUS, -n) for n in range(-1, ARREARS + 1)]
            ),
        )
        generate_data(args.enrollments, program.pk)
        clock(
            f"November's cycle through the engine (setup, window {ARREARS} months)",
            lambda: cycle_generate(actor=None, program=program, region_code=COUNTY, month=PREVIOUS),
        )
        clock(
            "1% of November's lines failed at the bank; late enrollments activated",
            lambda: (
                sql(
                    "UPDATE programs_paymentline SET status = 'failed', failure_reason = 'bench' "
                    "WHERE period = %s AND id %% 100 = 5",
                    [PREVIOUS],
                ),
                sql("UPDATE programs_enrollment SET status = 'active' WHERE status = 'notice'"),
                sql("VACUUM ANALYZE programs_paymentline"),
                sql("ANALYZE programs_enrollment"),
            ),
        )
        held = PaymentLine.objects.count()
        print(f"  the payment table holds {held:,} lines\n\nDecember ({MONTH:%Y-%m})")

        # 1. hand-written, into a city cycle of the same month; then its lines go again.
        hand_cycle = PaymentCycle.objects.create(
            program=program, region_code="3705", month=MONTH, status="generated"
        )
        params = {
            "cycle": hand_cycle.pk,
            "program": program.pk,
            "month": MONTH,
            "start": add_months(MONTH, -ARREARS),
            "region": f"{COUNTY}%",
        }

        def hand() -> int:
            with transaction.atomic():
                return sql(HAND_SQL, params)

        t_hand, hand_rows = clock("hand-written INSERT … SELECT", hand)
        hand_count, hand_sum = scalar(
            "SELECT COUNT(*), SUM(amount) FROM programs_paymentline WHERE cycle_id = %s", [hand_cycle.pk]
        )
        hand_kinds = dict(
            PaymentLine.objects.filter(cycle=hand_cycle)
            .values_list("kind")
            .annotate(n=django.db.models.Count("id"))
        )

        def forget_lines(cycle: Any) -> None:
            # The self-reference reissue_of has no index (lines are never deleted in the application):
            # with its trigger, each deleted row would scan the table. Bench-only: skip the triggers.
            with transaction.atomic():
                sql("SET LOCAL session_replication_role = replica")
                sql("DELETE FROM programs_paymentline WHERE cycle_id = %s", [cycle.pk])
                sql("DELETE FROM programs_paymentcycle WHERE id = %s", [cycle.pk])
            sql("VACUUM ANALYZE programs_paymentline")

        clock("(delete the hand-written lines, VACUUM ANALYZE)", lambda: forget_lines(hand_cycle))

        # 2a. the engine's statement before issue 11 (no rule re-check), into a city cycle; deleted again.
        from cycle_before_rules import insert_lines_sql as before_sql

        before_cycle = PaymentCycle.objects.create(
            program=program, region_code="3705", month=MONTH, status="generated"
        )

        def before() -> int:
            statement, values = before_sql(cycle=before_cycle, program=program, hardship=True)
            with transaction.atomic():
                return sql(statement, values)

        t_before, before_rows = clock("the cycle's INSERT before issue 11 (no rule re-check)", before)
        clock("(delete those lines, VACUUM ANALYZE)", lambda: forget_lines(before_cycle))

        # 2. the engine.
        t_engine, result = clock(
            "cycle_generate (engine: INSERT, no-standard count, totals, audit)",
            lambda: cycle_generate(actor=None, program=program, region_code=COUNTY, month=MONTH),
        )
        # 3. re-run.
        t_rerun, again = clock(
            "cycle_generate again (re-run)",
            lambda: cycle_generate(actor=None, program=program, region_code=COUNTY, month=MONTH),
        )
        # 4. the baseline: the engine's own lines written again by COPY.
        t_copy, copied = copy_baseline(result.cycle)
        # 5. the eligibility preview over the million.
        try:
            from canlian.programs.preview import preview

            def run_preview() -> Any:
                return preview(program, COUNTY, MONTH, sample=20)

            label = "eligibility preview (programs.preview.preview)"
        except ImportError:  # pragma: no cover - before the preview module exists
            from django.db.models import Count

            from canlian.core.registry.models import Person
            from canlian.programs.eligibility import rule_setting_for
            from canlian.programs.rules.engine import annotate_facts, build_rules, eligible_q

            rules = build_rules(rule_setting_for(program, COUNTY, MONTH).rules)

            def run_preview() -> Any:
                people = annotate_facts(Person.objects.filter(region_code__startswith=COUNTY), rules, MONTH)
                return people.filter(eligible_q(rules, MONTH)).aggregate(n=Count("id"))

            label = "eligibility preview (annotate_facts + eligible_q)"
        run_preview()
        t_preview, shown = clock(label, run_preview)
        t_preview2, _shown = clock(label + ", again", run_preview)
        t_preview = min(t_preview, t_preview2)

        same = hand_count == result.line_count == result.created and hand_sum == result.total_amount
        print("\nresults")
        print(f"  hand-written: {hand_rows:,} lines, sum {hand_sum}, kinds {hand_kinds}")
        print(
            f"  engine:       {result.created:,} lines, sum {result.total_amount}, kinds {result.by_kind}, "
            f"no standard {result.no_standard}"
        )
        print(f"  same lines (count and sum): {'yes' if same else 'NO'}")
        print(f"  engine / hand-written:      {t_engine / t_hand:5.2f}×  (goal ≤ 1.5×)")
        print(
            f"  engine / before issue 11:   {t_engine / t_before:5.2f}×  ({t_engine:.1f} s vs {t_before:.1f} s for"
            f" {before_rows:,} lines; goal ≤ 1.3×: the rules are re-checked every month)"
        )
        print(
            f"  engine / COPY of its lines:  {t_engine / t_copy:5.2f}×  ({t_engine:.1f} s vs {t_copy:.1f} s for"
            f" {copied:,} lines into the same table; goal ≤ 2×)"
        )
        print(
            f"  re-run: {again.created} new lines, {t_rerun:.2f} s = {t_rerun / t_engine:4.2f} of the first run"
            " (goal ≤ 0.1)"
        )
        eligible = getattr(shown, "eligible", shown)
        print(f"  preview: {t_preview:.2f} s (goal < 1 s); eligible {eligible}")
        print_partition_plans(result.cycle)
    finally:
        from django.db import connection

        connection.close()
        if not args.keep_db:
            drop_database(url)


if __name__ == "__main__":
    main()
