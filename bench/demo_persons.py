"""Benchmark: generating demo people (``canlian demo-data --persons N``) on PostgreSQL.

    .venv/bin/python bench/demo_persons.py [--persons N] [--seed S] [--region CODE] [--keep-db]

Runs in its own database, CANLIAN_BENCH_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/canlian_bench_demo), which it drops and creates, migrates, and
fills with the national regions and the demo city's townships and villages. Then it times, in the
same run:

1. ``generate_demo_persons`` for N people (default 3,000,000): the Python generator, COPY into the
   registry tables (with their indexes and deferred foreign keys), ANALYZE and the household flags;
2. baseline A: a raw ``COPY … FROM STDIN`` of the same person rows (dumped from the table to a file
   first) into a plain table with the same keys (primary key + unique ID number);
3. baseline B: the same raw COPY for every table the generator wrote (persons, certificates,
   events, households, members, …), each into a plain table with its primary key and unique keys.

and prints people/s and the ratios. No timed assertions: it prints figures. The database is dropped
at the end unless --keep-db.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/canlian_bench_demo"

# (table, unique keys besides the primary key) for the baselines.
TABLES = [
    ("registry_person", [("id_number",)]),
    ("registry_certificate", [("number", "issue_date")]),
    ("registry_subdisability", [("certificate_id", "category")]),
    ("registry_certificateevent", []),
    ("registry_hardshipstatus", []),
    ("registry_household", []),
    ("registry_householdmember", []),
    ("registry_screeningrecord", []),
]


def _psycopg_url(url: str) -> str:
    parts = urlsplit(url)
    scheme = "postgresql" if parts.scheme in ("postgres", "postgresql", "pgsql") else parts.scheme
    return urlunsplit((scheme, parts.netloc, parts.path, parts.query, parts.fragment))


def _server_url(url: str) -> str:
    parts = urlsplit(_psycopg_url(url))
    return urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, parts.fragment))


def prepare_database() -> tuple[str, str]:
    """Drop and create the dedicated bench database; point Django at it."""
    import psycopg

    url = os.environ.get("CANLIAN_BENCH_DATABASE_URL") or DEFAULT_URL
    if urlsplit(url).scheme not in ("postgres", "postgresql", "pgsql"):
        raise SystemExit(f"This benchmark needs PostgreSQL; CANLIAN_BENCH_DATABASE_URL is {url!r}.")
    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(_server_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        # template0: copying template1 fails while another session is connected to it.
        conn.execute(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'")
    os.environ["CANLIAN_DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "canlian.config.settings"
    return url, name


def drop_database(url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(_server_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def load_regions(city: str, seed: int) -> int:
    from canlian.core.regions.actions import regions_import, regions_load_national
    from canlian.demo.regions import demo_region_rows
    from canlian.platform.tabular import Table

    regions_load_national()
    rows = demo_region_rows(city, seed=seed)
    regions_import(actor=None, table=Table(header=["代码", "名称"], rows=[list(r) for r in rows]))
    return len(rows)


def table_count(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        return cursor.fetchone()[0]


def raw_copy(tables: list[tuple[str, list[tuple[str, ...]]]], folder: Path) -> tuple[float, int]:
    """Dump each table to a file (untimed), then time COPY FROM of the files into plain tables with
    the same primary and unique keys, in one transaction. Returns (seconds, rows)."""
    from django.db import connection, transaction

    files = []
    with connection.cursor() as cursor:
        for table, _keys in tables:
            path = folder / f"{table}.copy"
            with path.open("wb") as fh, cursor.cursor.copy(f"COPY {table} TO STDOUT") as copy:
                for data in copy:
                    fh.write(data)
            files.append(path)
    rows = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for table, keys in tables:
            base = f"bench_base_{table}"
            cursor.execute(f"DROP TABLE IF EXISTS {base}")
            cursor.execute(f"CREATE TABLE {base} (LIKE {table} INCLUDING DEFAULTS)")
            cursor.execute(f"ALTER TABLE {base} ADD PRIMARY KEY (id)")
            for n, cols in enumerate(keys):
                cursor.execute(f"CREATE UNIQUE INDEX {base}_u{n} ON {base} ({', '.join(cols)})")
        start = time.perf_counter()
        for (table, _keys), path in zip(tables, files, strict=True):
            with path.open("rb") as fh, cursor.cursor.copy(f"COPY bench_base_{table} FROM STDIN") as copy:
                while chunk := fh.read(1 << 20):
                    copy.write(chunk)
            rows += table_count(f"bench_base_{table}")
        elapsed = time.perf_counter() - start
        for table, _keys in tables:
            cursor.execute(f"DROP TABLE bench_base_{table}")
    for path in files:
        path.unlink()
    return elapsed, rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=3_000_000, help="people (default 3000000)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--region", default="3705", help="demo city (default 3705 东营市)")
    parser.add_argument("--keep-db", action="store_true", help="keep the bench database")
    args = parser.parse_args(argv)
    if args.persons < 1:
        parser.error("--persons must be positive")

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    url, name = prepare_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections

    from canlian.demo.persons import generate_demo_persons
    from canlian.platform.progress import TerminalProgress

    with connection.cursor() as cursor:
        version = cursor.connection.info.server_version
    print(f"database: {url} (PostgreSQL {version // 10000}.{version % 10000})", flush=True)
    try:
        call_command("migrate", verbosity=0)
        t0 = time.perf_counter()
        townships_villages = load_regions(args.region, args.seed)
        print(
            f"regions: national list + {townships_villages:,} demo townships/villages "
            f"in {time.perf_counter() - t0:.1f} s",
            flush=True,
        )
        progress = TerminalProgress(stream=sys.stderr)
        result = generate_demo_persons(
            region_code=args.region, count=args.persons, seed=args.seed, progress=progress
        )
        progress.close()
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        with tempfile.TemporaryDirectory(prefix="canlian-bench-") as tmp:
            persons_s, persons_rows = raw_copy(TABLES[:1], Path(tmp))
            all_s, all_rows = raw_copy(TABLES, Path(tmp))

        n = result.persons
        total = result.seconds["total"]
        rows_s, flags_s = result.seconds["rows"], result.seconds["flags"]
        keys_s, commit_s = result.seconds["keys"], result.seconds["commit"]
        written = sum(result.counts.values())
        print()
        print(f"generated (seed {args.seed}, region {args.region}):")
        for key, value in result.counts.items():
            print(f"  {key:<20} {value:>12,}")
        print(f"  {'all rows':<20} {written:>12,}")
        print(f"  peak memory (RSS) {peak_mb:,.0f} MB")
        print()
        header = f"{'step':<62} {'seconds':>8} {'people/s':>10} {'× A':>6} {'× B':>6}"
        print(header)
        print("-" * len(header))
        lines = [
            ("generate_demo_persons, total", total),
            ("  generate + COPY into the registry tables", rows_s),
            ("  rebuild indexes and keys (bulk load)", keys_s),
            ("  ANALYZE + households_refresh_flags", flags_s),
            ("  commit", commit_s),
            (f"baseline A: raw COPY of the {persons_rows:,} person rows (PK + unique ID)", persons_s),
            (f"baseline B: raw COPY of all {all_rows:,} rows (PK + unique keys)", all_s),
        ]
        for label, seconds in lines:
            print(
                f"{label:<62} {seconds:>8.1f} {n / seconds:>10,.0f} "
                f"{seconds / persons_s:>6.1f} {seconds / all_s:>6.1f}"
            )
        print()
        print(
            f"reproduce: CANLIAN_BENCH_DATABASE_URL={url} .venv/bin/python bench/demo_persons.py "
            f"--persons {args.persons} --seed {args.seed} --region {args.region}"
        )
    finally:
        connections.close_all()
        if not args.keep_db:
            drop_database(url, name)


if __name__ == "__main__":
    main()
