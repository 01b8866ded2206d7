"""Benchmark: matching a department's list against the registry and the engine (issue 18, item 4).

    .venv/bin/python bench/compare_lists.py [--people 300000] [--rows 100000] [--match-share 0.1]
                                            [--runs 3] [--keep-db]

The issue's scale is ``--people 3000000 --rows 1000000``. Runs in its own database,
CANLIAN_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/h_matching_bench), which it
drops, creates and migrates. In one run it

1. makes the world set-based (bench/compare_lists_world.py): the province, N people with valid ID
   numbers and certificates, an enrollment each, January and February paid (closed cycles);
2. writes the civil-affairs death list of January as a CSV (``--rows`` rows, ``--match-share`` of
   them naming registry people, 2% of those with another name) and loads it through the real action
   (``list_upload``: streamed, every row checked, COPY into the staging table, one INSERT … SELECT
   into the snapshot), without comparing;
3. times the match, ``--runs`` times, interleaved: the death rule's hits statement alone
   (``write_hits``: into a temporary table, under its ``PLANNER_SETTINGS``), against a hand-written
   join of the same question in the same run (list → person → enrollment, the February lines of
   closed cycles summed) under the server's settings and under ``PLANNER_SETTINGS``, and the hits
   statement under the server's settings, checking both find the same people and amounts; then the
   whole comparison (``comparison_run``: every rule for death lists, findings
   written), first run and re-run (nothing new: evidence refreshed only);
4. prints the figures, the ratios and the process's peak RSS before the load, after the load and
   after the comparisons (memory stays flat with the list size: nothing of the list is held).

No timed assertions: it prints figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import monthly_cycle
from compare_lists_world import make_admin, make_cycles, make_enrollments, make_people, write_death_list
from indicators_world import make_regions
from monthly_cycle import clock, drop_database, scalar, sql

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/h_matching_bench"
YEAR = 2026

BASELINE = """
CREATE TEMPORARY TABLE bench_baseline AS
SELECT p.id AS person_id, e.id AS enrollment_id, count(l.id) AS months, COALESCE(sum(l.amount), 0) AS amount
FROM matching_listrow r
JOIN registry_person p ON p.id_number = r.id_number
JOIN programs_enrollment e ON e.person_id = p.id AND e.status IN ('active', 'stopped')
LEFT JOIN (programs_paymentline l JOIN programs_paymentcycle cy ON cy.id = l.cycle_id
           AND cy.status IN ('approved', 'exported', 'closed'))
       ON l.enrollment_id = e.id AND l.period >= r.stop_from AND l.status <> 'failed'
WHERE r.upload_id = %s AND r.stop_from IS NOT NULL
GROUP BY p.id, e.id
HAVING bool_or(e.status = 'active') OR count(l.id) > 0"""


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(func: Any, runs: int) -> tuple[list[float], Any]:
    times, value = [], None
    for _ in range(runs):
        start = time.perf_counter()
        value = func()
        times.append(time.perf_counter() - start)
    return times, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=300_000)
    parser.add_argument("--rows", type=int, default=100_000, help="rows of the department's list")
    parser.add_argument(
        "--match-share", type=float, default=0.1, help="share of the list naming registry people"
    )
    parser.add_argument("--runs", type=int, default=3, help="runs of the hits statement and of the baseline")
    parser.add_argument("--keep-db", action="store_true", help="keep the bench database afterwards")
    args = parser.parse_args()
    url = monthly_cycle.prepare_database(DEFAULT_URL)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from canlian.demo.programs import ensure_standards_and_settings
    from canlian.domains.matching.actions import comparison_run, list_upload
    from canlian.domains.matching.comparison import PLANNER_SETTINGS, planner_settings, write_hits
    from canlian.domains.matching.models import ComparisonRule, Finding
    from canlian.platform.bulk import drop_temp_table

    folder = Path(tempfile.mkdtemp(prefix="bench-compare-"))
    began = time.perf_counter()
    try:
        call_command("migrate", verbosity=0)
        version = connection.cursor().connection.info.server_version
        print(
            f"\nList comparison benchmark: {args.people:,} people, a death list of {args.rows:,} rows "
            f"({args.match_share:.0%} in the registry), PostgreSQL {version // 10000}.{version % 10000}\n\nsetup"
        )
        clock("regions (province, cities, counties, townships, villages)", make_regions)
        ensure_standards_and_settings()
        make_people(args.people, YEAR)
        make_enrollments(YEAR)
        make_cycles(YEAR, 2)
        clock("VACUUM ANALYZE", lambda: sql("VACUUM ANALYZE"))
        lines = scalar("SELECT count(*) FROM programs_paymentline")[0]
        enrollments = scalar("SELECT count(*) FROM programs_enrollment")[0]
        print(f"  {enrollments:,} enrollments, {lines:,} paid lines (January, February)")
        admin = make_admin()
        path = folder / "死亡名单.csv"
        _t, shape = clock(
            "the death list written (COPY … TO a CSV file)",
            lambda: write_death_list(
                path, people=args.people, rows=args.rows, match_share=args.match_share, year=YEAR
            ),
        )
        print(
            f"  {shape['rows']:,} rows, {shape['matched']:,} registry people, {shape['renamed']:,} renamed; "
            f"{path.stat().st_size / 1e6:.1f} MB"
        )

        print("\nload")
        rss_before = peak_mb()
        load_s, upload = clock(
            "list_upload (stream, check, COPY to staging, INSERT … SELECT)",
            lambda: list_upload(
                actor=admin,
                region_code="37",
                department="civil_affairs",
                list_kind="deaths",
                as_of=dt.date(YEAR, 2, 28),
                path=path,
                run=False,
                on=dt.date(YEAR, 3, 1),
            ),
        )
        rss_load = peak_mb()
        print(
            f"  {upload.row_count:,} rows kept, {upload.rejected_count:,} rejected; "
            f"{args.rows / load_s:,.0f} rows/s"
        )
        sql("ANALYZE matching_listrow")

        print("\nmatch (the death rule's hits, and a hand-written join of the same question)")
        rule = ComparisonRule.objects.get(code="death-still-paid", region_code="")

        def ours() -> tuple[int, Any]:
            with transaction.atomic():
                n = write_hits(rule, upload_id=upload.pk, region_code="37", as_of=upload.as_of)
                got = scalar("SELECT count(*), COALESCE(sum(amount), 0) FROM matching_hits")
                drop_temp_table("matching_hits")
            return (n, got[1])

        def baseline() -> tuple[int, Any]:
            with transaction.atomic():
                sql("DROP TABLE IF EXISTS bench_baseline")
                n = sql(BASELINE, [upload.pk])
                got = scalar("SELECT count(*), COALESCE(sum(amount), 0) FROM bench_baseline")
                sql("DROP TABLE bench_baseline")
            return (n, got[1])

        def baseline_tuned() -> tuple[int, Any]:
            with transaction.atomic(), planner_settings():
                sql("DROP TABLE IF EXISTS bench_baseline")
                n = sql(BASELINE, [upload.pk])
                got = scalar("SELECT count(*), COALESCE(sum(amount), 0) FROM bench_baseline")
                sql("DROP TABLE bench_baseline")
            return (n, got[1])

        def ours_default() -> tuple[int, Any]:
            with transaction.atomic():
                with connection.cursor() as cursor:  # the server's settings, not PLANNER_SETTINGS
                    cursor.execute(
                        "SELECT name, setting FROM pg_settings WHERE name = ANY(%s)", [list(PLANNER_SETTINGS)]
                    )
                    server = dict(cursor.fetchall())
                saved = dict(PLANNER_SETTINGS)
                PLANNER_SETTINGS.update({k: server[k] + ("kB" if k == "work_mem" else "") for k in saved})
                try:
                    n = write_hits(rule, upload_id=upload.pk, region_code="37", as_of=upload.as_of)
                finally:
                    PLANNER_SETTINGS.update(saved)
                got = scalar("SELECT count(*), COALESCE(sum(amount), 0) FROM matching_hits")
                drop_temp_table("matching_hits")
            return (n, got[1])

        # Interleaved, so that the load of the machine (other sessions) falls on all of them alike.
        ours_times, base_times, tuned_times, default_times = [], [], [], []
        for _ in range(args.runs):
            for func, into in (
                (ours, ours_times),
                (baseline, base_times),
                (baseline_tuned, tuned_times),
                (ours_default, default_times),
            ):
                t, value = timed(func, 1)
                into.append(t[0])
                if func is ours:
                    ours_value = value
                elif func is baseline:
                    base_value = value
        ours_med, base_med = statistics.median(ours_times), statistics.median(base_times)
        tuned_med, default_med = statistics.median(tuned_times), statistics.median(default_times)
        print(
            f"  hits statement ({args.runs} runs): median {ours_med:.3f} s → {ours_value[0]:,} hits, "
            f"{ours_value[1]:,} yuan"
        )
        print(
            f"  hand-written join ({args.runs} runs): median {base_med:.3f} s → {base_value[0]:,} hits, "
            f"{base_value[1]:,} yuan"
        )
        print(f"  hand-written join under PLANNER_SETTINGS ({args.runs} runs): median {tuned_med:.3f} s")
        print(f"  hits statement under the server's settings ({args.runs} runs): median {default_med:.3f} s")
        print(f"  same hits and amount: {'yes' if tuple(ours_value) == tuple(base_value) else 'NO'}")

        print("\nthe whole comparison (every rule for death lists, findings written)")
        first_s, run = clock(
            "comparison_run (first: findings created)",
            lambda: comparison_run(actor=admin, upload_id=upload.pk, on=dt.date(YEAR, 3, 2)),
        )
        for code, counts in sorted(run.counts.items()):
            print(f"    {code:30} {counts}")
        again_s, rerun = clock(
            "comparison_run (re-run: nothing new, evidence refreshed)",
            lambda: comparison_run(actor=admin, upload_id=upload.pk, on=dt.date(YEAR, 3, 3)),
        )
        for code, counts in sorted(rerun.counts.items()):
            print(f"    {code:30} {counts}")
        rss_end = peak_mb()
        findings = Finding.objects.count()
        print(f"  {findings:,} findings")

        print(f"\n{'work':<64} {'canlian':>10} {'baseline':>10} {'ratio':>7}")
        print("-" * 94)
        print(
            f"{'the death rule: hits statement vs hand-written join (median)':<64} {ours_med:>9.3f}s {base_med:>9.3f}s "
            f"{ours_med / base_med:>7.2f}"
        )
        print(
            f"{'  the same, both under PLANNER_SETTINGS':<64} {ours_med:>9.3f}s {tuned_med:>9.3f}s "
            f"{ours_med / tuned_med:>7.2f}"
        )
        print(
            f"{'  the same, both under the server settings':<64} {default_med:>9.3f}s {base_med:>9.3f}s "
            f"{default_med / base_med:>7.2f}"
        )
        print(
            f"{'comparison_run, first (all rules, findings written)':<64} {first_s:>9.3f}s {base_med:>9.3f}s "
            f"{first_s / base_med:>7.2f}"
        )
        print(f"{'comparison_run, re-run':<64} {again_s:>9.3f}s {base_med:>9.3f}s {again_s / base_med:>7.2f}")
        print(f"{'list_upload of the file (load only)':<64} {load_s:>9.3f}s")
        print(
            f"\npeak RSS: {rss_before:.0f} MB before the load, {rss_load:.0f} MB after it, {rss_end:.0f} MB after "
            f"the comparisons (+{rss_load - rss_before:.0f} MB for {args.rows:,} rows)"
        )
        print(f"whole run: {(time.perf_counter() - began) / 60:.1f} min")
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep_db:
            drop_database(url)


if __name__ == "__main__":
    main()
