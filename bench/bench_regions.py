"""Benchmark: importing a national village list, and the region scope query, on PostgreSQL.

    .venv/bin/python bench/bench_regions.py [--villages N] [--repeat R] [--keep-db]

Runs in its own database ``canlian_bench`` on the server of CANLIAN_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/test), created when missing and dropped at the end (``--keep-db``
keeps it, with the region tables emptied), so the shared ``test`` database is never touched.

It loads the national list (python-stdnum), generates N synthetic villages (20 per township, the
townships spread over every in-force county, plus a few under 东莞/中山/嘉峪关 whose townships hang
under the prefecture) and times, against a baseline measured in the same run:

1. ``regions_import`` of the township+village table into the loaded tree (inserts);
2. the same import again (every row unchanged: the idempotent re-run);
3. baseline: a hand-written psycopg COPY of the same (code, name, level) rows into a fresh unlogged
   table with a unique index on code.

Then the scope query (``Region.objects.filter(code__startswith="3705").count()``) against the
hand-written SQL, and whether PostgreSQL's plan uses an index. No timed assertions: it prints figures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

DEFAULT_SERVER_URL = "postgres://postgres@127.0.0.1:5432/test"
BENCH_DB = "canlian_bench"
VILLAGES_PER_TOWNSHIP = 20
# Prefectures without counties: their townships carry county digits 00 (441900001) and hang under them.
NO_COUNTY_PREFECTURES = ("4419", "4420", "6202")
SCOPE_PREFIX = "3705"
BASELINE_TABLE = "bench_copy_baseline"


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def _psycopg_url(url: str) -> str:
    parts = urlsplit(url)
    scheme = "postgresql" if parts.scheme in ("postgres", "postgresql", "pgsql") else parts.scheme
    return urlunsplit((scheme, parts.netloc, parts.path, parts.query, parts.fragment))


def prepare_database() -> tuple[str, str]:
    """Create the bench database next to the configured one; point Django at it."""
    import psycopg

    server_url = os.environ.get("CANLIAN_DATABASE_URL") or DEFAULT_SERVER_URL
    if urlsplit(server_url).scheme not in ("postgres", "postgresql", "pgsql"):
        raise SystemExit(f"This benchmark needs PostgreSQL; CANLIAN_DATABASE_URL is {server_url!r}.")
    with psycopg.connect(_psycopg_url(server_url), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB]).fetchone()
        if not exists:
            # template0: copying template1 fails while another session (a test run) is connected to it.
            conn.execute(f"CREATE DATABASE {BENCH_DB} TEMPLATE template0 ENCODING 'UTF8'")
    bench_url = _with_database(server_url, BENCH_DB)
    os.environ["CANLIAN_DATABASE_URL"] = bench_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "canlian.config.settings"
    return server_url, bench_url


def drop_database(server_url: str) -> None:
    import psycopg

    with psycopg.connect(_psycopg_url(server_url), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")


def timed(func: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = func()
    return time.perf_counter() - start, value


def empty_region_tables() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        # CASCADE also empties tables pointing at regions (role assignments) in this throwaway database.
        cursor.execute("TRUNCATE regions_regionname, regions_region RESTART IDENTITY CASCADE")


def synthetic_table(villages: int) -> Any:
    """Townships (9 digits) and villages (12 digits) under existing counties, as a code,name table."""
    from canlian.core.regions.models import Region
    from canlian.platform.tabular import Table

    in_force = Region.objects.active().filter(level=3).exclude(name="市辖区")
    counties = list(in_force.order_by("code").values_list("code", flat=True))
    parents = [p for p in NO_COUNTY_PREFECTURES if Region.objects.filter(code=p, level=2).exists()]
    townships = -(-villages // VILLAGES_PER_TOWNSHIP)
    rows: list[list[str]] = []
    made = 0
    # A few townships under the prefectures without counties (code 441900001, parent 4419).
    for prefecture in parents:
        for t_seq in range(1, 4):
            if made >= townships:
                break
            town = f"{prefecture}00{t_seq:03d}"
            rows.append([town, f"{prefecture}示例{t_seq}镇"])
            made += 1
    # The rest spread over the counties round-robin (≈13 per county for 700,000 villages).
    index = 0
    while made < townships:
        county = counties[index % len(counties)]
        t_seq = index // len(counties) + 1
        if t_seq > 999:
            raise SystemExit("too many villages for the synthetic code space")
        rows.append([f"{county}{t_seq:03d}", f"示例{t_seq}镇"])
        made += 1
        index += 1
    town_rows = list(rows)
    left = villages
    for town, _name in town_rows:
        n = min(VILLAGES_PER_TOWNSHIP, left)
        rows.extend([f"{town}{v_seq:03d}", f"示例{v_seq}村"] for v_seq in range(1, n + 1))
        left -= n
    return Table(header=["code", "name"], rows=rows)


def copy_baseline(table: Any) -> float:
    """Hand-written minimal load: COPY (code, name, level) into a fresh unlogged table with a unique index."""
    from django.db import connection

    level = {6: 3, 9: 4, 12: 5}
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {BASELINE_TABLE}")
        cursor.execute(
            f"CREATE UNLOGGED TABLE {BASELINE_TABLE} (code varchar(12), name varchar(80), level smallint)"
        )
        cursor.execute(f"CREATE UNIQUE INDEX {BASELINE_TABLE}_code ON {BASELINE_TABLE} (code)")
        start = time.perf_counter()
        with cursor.cursor.copy(f"COPY {BASELINE_TABLE} (code, name, level) FROM STDIN") as copy:
            for code, name in table.rows:
                copy.write_row((code, name, level[len(code)]))
        elapsed = time.perf_counter() - start
        cursor.execute(f"DROP TABLE {BASELINE_TABLE}")
    return elapsed


def bench_round(villages: int) -> dict[str, Any]:
    from canlian.core.regions.actions import regions_import, regions_load_national, validate_region_table

    empty_region_tables()
    t_national, national = timed(regions_load_national)
    table = synthetic_table(villages)
    t_first, first = timed(lambda: regions_import(actor=None, table=table))
    t_again, again = timed(lambda: regions_import(actor=None, table=table))
    t_validate, _rows = timed(lambda: validate_region_table(actor=None, table=table))
    t_copy = copy_baseline(table)
    return {
        "rows": len(table.rows),
        "national": (t_national, national),
        "first": (t_first, first),
        "again": (t_again, again),
        "validate": t_validate,
        "copy": t_copy,
    }


def scope_query(repeat: int = 21) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from canlian.core.regions.models import Region

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE regions_region")
    sql = f"SELECT count(*) FROM regions_region WHERE code LIKE '{SCOPE_PREFIX}%'"

    def orm() -> int:
        return Region.objects.filter(code__startswith=SCOPE_PREFIX).count()

    def raw() -> int:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchone()[0]

    orm_times, raw_times = [], []
    orm_count = raw_count = 0
    for _ in range(repeat):
        t, orm_count = timed(orm)
        orm_times.append(t)
        t, raw_count = timed(raw)
        raw_times.append(t)
    orm_ms, raw_ms = statistics.median(orm_times) * 1000, statistics.median(raw_times) * 1000
    print()
    print(f"scope query, prefix {SCOPE_PREFIX} (median of {repeat}):")
    print(f"  ORM filter(code__startswith) .count(): {orm_count:>8,} rows  {orm_ms:7.2f} ms")
    print(f"  hand-written SQL LIKE '{SCOPE_PREFIX}%':       {raw_count:>8,} rows  {raw_ms:7.2f} ms")
    print(f"  counts equal: {orm_count == raw_count}   ratio ORM/SQL: {orm_ms / raw_ms:.2f}")
    with CaptureQueriesContext(connection) as captured:
        orm()
    orm_sql = captured.captured_queries[-1]["sql"]
    plans = {}
    with connection.cursor() as cursor:
        for label, query in (("ORM", orm_sql), ("SQL", sql)):
            cursor.execute("EXPLAIN " + query)
            plans[label] = "\n".join(r[0] for r in cursor.fetchall())
    print(f"  ORM's SQL: {orm_sql}")
    for label, plan in plans.items():
        print(f"  {label} plan uses an index: {'Index' in plan}")
        for line in plan.splitlines():
            print(f"      {line}")


def report(rounds: list[dict[str, Any]]) -> None:
    def med(key: str) -> float:
        values = [r[key][0] if isinstance(r[key], tuple) else r[key] for r in rounds]
        return statistics.median(values)

    rows = rounds[0]["rows"]
    copy_s = med("copy")
    first, again = rounds[-1]["first"][1], rounds[-1]["again"][1]
    national = rounds[-1]["national"][1]
    note = f"median of {len(rounds)}" if len(rounds) > 1 else "one run"
    print()
    print(f"national list (stdnum): {national.total:,} regions in {med('national'):.2f} s")
    print(f"import table: {rows:,} rows (townships + villages), {note}")
    print()
    header = f"{'step':<52} {'rows':>9} {'seconds':>8} {'rows/s':>10} {'× COPY':>7}"
    print(header)
    print("-" * len(header))
    lines = [
        (f"regions_import, first (created {first.created:,})", med("first")),
        (f"regions_import, again (unchanged {again.unchanged:,})", med("again")),
        ("  of which validate_region_table (Python)", med("validate")),
        ("baseline: COPY into unlogged table + unique index", copy_s),
    ]
    for label, seconds in lines:
        print(f"{label:<52} {rows:>9,} {seconds:>8.2f} {rows / seconds:>10,.0f} {seconds / copy_s:>7.2f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--villages", type=int, default=700_000, help="synthetic villages (default 700000)")
    parser.add_argument("--repeat", type=int, default=1, help="rounds; figures are medians (default 1)")
    parser.add_argument(
        "--keep-db", action="store_true", help=f"keep the {BENCH_DB} database (region tables emptied)"
    )
    args = parser.parse_args(argv)
    if args.villages < 1 or args.repeat < 1:
        parser.error("--villages and --repeat must be positive")

    server_url, bench_url = prepare_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections

    with connection.cursor() as cursor:
        version = cursor.connection.info.server_version
    print(f"database: {bench_url} (PostgreSQL {version // 10000}.{version % 10000})", flush=True)
    call_command("migrate", verbosity=0)
    rounds = []
    try:
        for n in range(args.repeat):
            print(f"round {n + 1}/{args.repeat} …", flush=True)
            rounds.append(bench_round(args.villages))
        report(rounds)
        scope_query()
    finally:
        if args.keep_db:
            empty_region_tables()
            connections.close_all()
        else:
            connections.close_all()
            drop_database(server_url)


if __name__ == "__main__":
    main()
