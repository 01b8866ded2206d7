"""Benchmark: the steering summaries (issue 13, item 2) at province scale, on PostgreSQL.

    .venv/bin/python bench/indicators.py [--people 3000000] [--months 12] [--runs 50]
                                         [--baseline-runs 10] [--import-rows 300000] [--keep-db]

Runs in its own database, CANLIAN_BENCH_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/canlian_bench_indicators), which it drops, creates and migrates.

1. Generates, set-based (bench/indicators_world.py): a province of 16 cities, 140 counties, 1,820
   townships and 36,400 villages; N people with certificates, hardship statuses, screening records,
   an enrollment each in one of the two subsidies (5% in both), and the first M − 1 months' county
   cycles (closed) with their paid lines — at 3,000,000 people about 33M lines, 36M after the last
   month; the province's standards and rule settings are the demo's (``canlian.demo.programs``).
2. Fills the summaries: ``indicator_refresh`` of the dashboard's and the payment indicators for the
   year.
3. Times the last month's cycle through the engine (``cycle_generate`` for every county and program,
   then ``cycle_approve``), then keeping the summaries current after it: ``indicator_refresh`` of
   the payment indicators (source "payments") for the year, and of the last month alone
   (``refresh_month`` per indicator, what an incremental job needs after a new cycle).
4. Times a city dashboard — ``reporting.steering.selectors.dashboard`` for a city leader: 12
   indicators for the city and its 9 counties, January to the last month — over ``--runs`` runs
   (p50/p95), against the same figures computed by hand-written GROUP BY over the base tables in the
   same run (``--baseline-runs`` runs), and checks that both give the same numbers.
5. Times a person import (``persons_import`` of an ``--import-rows`` ledger into one county) and
   the refresh of the registry indicators after it (source "registry").

Prints a table: work | canlian | baseline | ratio. No timed assertions: it prints figures.
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import monthly_cycle
from import_persons import write_ledger
from indicators_baseline import BASELINES, baseline_figures
from indicators_world import (
    make_cycles,
    make_enrollments,
    make_people,
    make_recoveries,
    make_regions,
    place_names,
)
from monthly_cycle import clock, drop_database, sql

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/canlian_bench_indicators"
YEAR = 2026
CITY = "3701"
IMPORT_COUNTY = "371608"
PASSWORD = "bench-only-2026"  # noqa: S105  (bench accounts in a database dropped afterwards)
#: The dashboard's 12 indicators, in the order tried (rates need the rules' eligibility, so the
#: hand-written baseline sticks to counts, people and amounts).
DASHBOARD_CODES = (
    "subsidies.living.people",
    "subsidies.nursing.people",
    "subsidies.living.times",
    "subsidies.nursing.times",
    "subsidies.living.amount",
    "subsidies.nursing.amount",
    "subsidies.amount",
    "subsidies.recoveries",
    "registry.certified",
    "registry.certificates_expired",
    "registry.certificates_expiring",
    "registry.screening_pending",
)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def make_users() -> tuple[Any, Any]:
    from canlian.core.accounts.actions import user_create
    from canlian.core.permissions import Role
    from canlian.core.regions.models import Region

    city = Region.objects.get(code=CITY)
    province = Region.objects.get(code="37")
    leader = user_create(
        actor=None,
        username="bench_leader",
        password=PASSWORD,
        role=Role.LEADER,
        region=city,
        check_password=False,
    )
    approver = user_create(
        actor=None,
        username="bench_approver",
        password=PASSWORD,
        role=Role.PROVINCE_ADMIN,
        region=province,
        check_password=False,
    )
    return leader, approver


def cycle_plan() -> list[tuple[str, Any]]:
    """(county, program) pairs holding enrollments (the engine refuses an empty cycle)."""
    from canlian.programs.models import Program

    programs = {p.pk: p for p in Program.objects.filter(code__in=("living-subsidy", "nursing-subsidy"))}
    rows = monthly_cycle_rows(
        "SELECT DISTINCT substr(region_code, 1, 6), program_id FROM programs_enrollment "
        "WHERE status = 'active' ORDER BY 1, 2"
    )
    return [(county, programs[pk]) for county, pk in rows if pk in programs]


def monthly_cycle_rows(statement: str) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement)
        return cursor.fetchall()


def last_cycle(month: dt.date, plan: list[tuple[str, Any]]) -> tuple[list[int], int]:
    """Every county's cycle of both subsidies for ``month`` through the engine."""
    from canlian.programs.cycles.actions import cycle_generate

    made, lines = [], 0
    for county, program in plan:
        result = cycle_generate(actor=None, region_code=county, month=month, program=program)
        made.append(result.cycle.pk)
        lines += result.created
    return made, lines


def approve(cycles: list[int], approver: Any) -> None:
    from canlian.programs.cycles.actions import cycle_approve

    for pk in cycles:
        cycle_approve(actor=approver, cycle_id=pk)


def refresh_one_month(codes: list[str], year: int, month: int, today: dt.date) -> int:
    """The incremental refresh after a new cycle: only that month's rows of each indicator."""
    from django.db import transaction
    from django.utils import timezone

    from canlian.platform.indicators import get_indicator
    from canlian.reporting.steering.refresh import refresh_month

    rows = 0
    now = timezone.now()
    for code in codes:
        with transaction.atomic():
            rows += refresh_month(get_indicator(code), year, month, today=today, now=now)
    return rows


def dashboard_figures(board: Any) -> dict[tuple[str, str], list[Decimal | None]]:
    out = {}
    for code in [i.code for i in board.indicators]:
        out[(code, board.region_code)] = [v for _m, v in board.own[code].series]
        for child in board.children:
            out[(code, child.code)] = [v for _m, v in board.by_child[(code, child.code)].series]
    return out


def compare(ours: dict, theirs: dict) -> list[str]:
    """Differences between the dashboard's series and the baseline's (a missing row counts as 0)."""
    diffs = []
    for key in sorted(set(ours) | set(theirs)):
        a, b = ours.get(key, []), theirs.get(key, [])
        for m in range(max(len(a), len(b))):
            x = a[m] if m < len(a) else None
            y = b[m] if m < len(b) else None
            if Decimal(x or 0) != Decimal(y or 0):
                diffs.append(f"{key[0]} {key[1] or '*'} month {m + 1}: dashboard {x}, baseline {y}")
    return diffs


def timed_runs(func: Any, runs: int) -> tuple[list[float], Any]:
    times, value = [], None
    for _ in range(runs):
        start = time.perf_counter()
        value = func()
        times.append(time.perf_counter() - start)
    return times, value


def fmt(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return f"{seconds * 1000:,.1f} ms" if seconds < 1 else f"{seconds:,.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=3_000_000)
    parser.add_argument("--months", type=int, default=12, help="months of the year with cycles (2–12)")
    parser.add_argument("--runs", type=int, default=50, help="dashboard runs (p50/p95)")
    parser.add_argument("--baseline-runs", type=int, default=10, help="runs of the GROUP BY baseline")
    parser.add_argument(
        "--import-rows", type=int, default=300_000, help="ledger rows of the import (0 skips)"
    )
    parser.add_argument("--keep-db", action="store_true", help="keep the bench database afterwards")
    args = parser.parse_args()
    if not 2 <= args.months <= 12:
        parser.error("--months must be between 2 and 12")
    url = monthly_cycle.prepare_database(DEFAULT_URL)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from canlian.core.registry.importing import persons_import
    from canlian.demo.programs import ensure_standards_and_settings
    from canlian.platform.indicators import all_indicators, indicators_for_sources
    from canlian.reporting.steering.refresh import indicator_refresh
    from canlian.reporting.steering.selectors import dashboard

    last = dt.date(YEAR, args.months, 1)
    today = dt.date(YEAR, args.months, calendar.monthrange(YEAR, args.months)[1])
    folder = Path(tempfile.mkdtemp(prefix="bench-indicators-"))
    began = time.perf_counter()
    try:
        call_command("migrate", verbosity=0)
        version = connection.cursor().connection.info.server_version
        print(
            f"\nIndicators benchmark: {args.people:,} people, {args.months} months of {YEAR}, "
            f"PostgreSQL {version // 10000}.{version % 10000}\n\nsetup"
        )
        _t, tree = clock("regions (province, cities, counties, townships, villages)", make_regions)
        ensure_standards_and_settings()
        make_people(args.people, YEAR)
        make_enrollments(YEAR)
        make_cycles(YEAR, args.months - 1)
        make_recoveries(YEAR, args.months - 1)
        clock("VACUUM ANALYZE", lambda: sql("VACUUM ANALYZE"))
        leader, approver = make_users()
        held = monthly_cycle.scalar("SELECT count(*) FROM programs_paymentline")[0]
        print(
            f"  {tree['cities']} cities, {tree['counties']} counties, {tree['townships']:,} townships, "
            f"{tree['villages']:,} villages; {held:,} payment lines before {last:%Y-%m}"
        )

        known = {i.code for i in all_indicators()}
        codes = [c for c in DASHBOARD_CODES if c in known and c in BASELINES]
        skipped = [c for c in DASHBOARD_CODES if c not in codes]
        payments = [i.code for i in indicators_for_sources(["payments"])]
        registry = [i.code for i in indicators_for_sources(["registry"])]
        print(f"  dashboard indicators ({len(codes)}): {', '.join(codes)}")
        if skipped:
            print(f"  not registered (skipped): {', '.join(skipped)}")

        print("\nsummaries")
        filling = sorted(set(codes) | set(payments))
        t_fill, filled = clock(
            f"indicator_refresh, the {len(filling)} dashboard and payment indicators, {YEAR}",
            lambda: indicator_refresh(indicators=filling, year=YEAR, today=today),
        )
        print(f"    {filled.rows:,} summary rows, {filled.months} indicator-months; the slowest:")
        for code, seconds in sorted(filled.by_indicator.items(), key=lambda kv: -kv[1])[:12]:
            print(f"      {code:56} {seconds:8.2f} s")

        print(f"\nthe {last:%Y-%m} cycle and keeping the summaries current")
        plan = cycle_plan()
        t_cycle, (cycles, written) = clock(
            "cycle_generate, every county × both subsidies (engine)", lambda: last_cycle(last, plan)
        )
        _t_approve, _none = clock("cycle_approve, each of them", lambda: approve(cycles, approver))
        print(f"    {len(cycles)} cycles, {written:,} lines")
        t_year, refreshed = clock(
            f"indicator_refresh, {len(payments)} payment indicators, {YEAR}",
            lambda: indicator_refresh(indicators=payments, year=YEAR, today=today),
        )
        for code, seconds in sorted(refreshed.by_indicator.items()):
            print(f"      {code:56} {seconds:8.2f} s")
        t_month, _rows = clock(
            f"refresh_month, the same indicators, {last:%Y-%m} only",
            lambda: refresh_one_month(payments, YEAR, args.months, today),
        )
        clock("(VACUUM ANALYZE)", lambda: sql("VACUUM ANALYZE"))
        total = monthly_cycle.scalar("SELECT count(*) FROM programs_paymentline")[0]
        print(f"    the payment table holds {total:,} lines")

        print(
            f"\ncity dashboard ({CITY}: the city and its counties, {len(codes)} indicators × {args.months} months)"
        )

        def board() -> Any:
            return dashboard(
                user=leader, region_code=CITY, year=YEAR, month=args.months, codes=codes, today=today
            )

        board()
        with CaptureQueriesContext(connection) as queries:
            shown = board()
        t_board, shown = timed_runs(board, args.runs)
        print(f"  dashboard(): {len(queries)} queries, {len(shown.children)} counties; {args.runs} runs")

        def base() -> Any:
            return baseline_figures(codes, CITY, YEAR, args.months, today)

        t_base, expected = timed_runs(base, args.baseline_runs)
        print(f"  GROUP BY over the base tables: {args.baseline_runs} runs")
        diffs = compare(dashboard_figures(shown), expected)
        cells = sum(len(v) for v in expected.values())
        print(f"  same figures ({cells:,} values): {'yes' if not diffs else 'NO'}")
        for line in diffs[:20]:
            print(f"    {line}")

        t_import = t_reg = None
        if args.import_rows:
            print(
                f"\nperson import ({args.import_rows:,} rows into {IMPORT_COUNTY}) and the registry indicators"
            )
            path = folder / "ledger.csv"
            write_ledger(path, args.import_rows, "utf-8", place_names(IMPORT_COUNTY))
            t_import, imported = clock(
                "persons_import", lambda: persons_import(actor=None, path=path, region_code=IMPORT_COUNTY)
            )
            print(f"    {imported.as_counts()}")
            t_reg, after = clock(
                f"indicator_refresh, {len(registry)} registry indicators, {YEAR}",
                lambda: indicator_refresh(indicators=registry, year=YEAR, today=today),
            )
            for code, seconds in sorted(after.by_indicator.items()):
                print(f"      {code:56} {seconds:8.2f} s")

        p50, p95 = percentile(t_board, 0.5), percentile(t_board, 0.95)
        b50, b95 = percentile(t_base, 0.5), percentile(t_base, 0.95)
        rows = [
            (f"city dashboard, p50 of {args.runs} (baseline: GROUP BY, {args.baseline_runs} runs)", p50, b50),
            ("city dashboard, p95", p95, b95),
            ("city dashboard, mean", statistics.mean(t_board), statistics.mean(t_base)),
            (f"refresh payment indicators for {YEAR} / the month's cycle (engine)", t_year, t_cycle),
            (f"refresh payment indicators for {last:%Y-%m} only / the cycle", t_month, t_cycle),
        ]
        if t_import is not None:
            rows.append(("import with the registry refresh / without", t_import + t_reg, t_import))
            rows.append(("registry refresh alone / the import", t_reg, t_import))
        print(f"\n{'work':<78} {'canlian':>11} {'baseline':>11} {'ratio':>7}")
        print("-" * 110)
        for label, ours, theirs in rows:
            print(f"{label:<78} {fmt(ours):>11} {fmt(theirs):>11} {ours / theirs:>7.3f}")
        print(
            f"\ndashboard p95 {p95 * 1000:.1f} ms (goal < 50 ms); summaries filled in {t_fill:.1f} s; "
            f"reproduce: CANLIAN_BENCH_DATABASE_URL={url} .venv/bin/python bench/indicators.py "
            f"--people {args.people} --months {args.months} --runs {args.runs} --baseline-runs {args.baseline_runs} "
            f"--import-rows {args.import_rows}"
        )
        print(f"whole run: {(time.perf_counter() - began) / 60:.1f} min")
    finally:
        from django.db import connections

        connections.close_all()
        for child in folder.iterdir():
            child.unlink()
        folder.rmdir()
        if not args.keep_db:
            drop_database(url)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
