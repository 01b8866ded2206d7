"""Benchmark: importing a 1,000,000-row ledger of people into an empty PostgreSQL database.

    .venv/bin/python bench/import_persons.py [--rows N] [--encoding gbk|utf-8] [--ie-rows M] [--keep-db]

Runs in its own database, CANLIAN_BENCH_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/canlian_bench_import), which it drops, creates and migrates, so no
other database is touched. In one run it

1. writes a realistic ledger CSV (GBK by default): valid ID numbers of one county's people with
   birth dates from 1930 to 2020, Chinese names, certificate numbers, categories and grades as words
   or digits, issue dates in the forms ledgers use, mobile numbers, addresses, townships and villages
   (600 villages in 20 townships, made in the database first), 是否低保 on one row in ten;
2. imports it with ``persons_import`` (the full validated import: every row checked in Python,
   people, certificates, certificate events and hardship statuses written) and again (all unchanged);
3. times a raw COPY of the same file into a table with the same keys (bigserial primary key + unique
   id_number, all ledger columns as text): the floor any import has to stand on;
4. imports the first M rows (100,000 by default) with django-import-export, the library a Django
   user would reach for (a ModelResource of Person keyed on id_number, ID numbers checked with the
   same identity rules, villages looked up from a dict), into emptied tables;

and prints the times, rows per second, the ratios and the peak RSS of the import (the process's
high-water mark, read with resource.getrusage before and after). No timed assertions.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/canlian_bench_import"
COUNTY = ("370502", "东营区")
TOWNSHIPS = 20
VILLAGES_PER_TOWNSHIP = 30
BASELINE_TABLE = "bench_copy_baseline"
SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余"
    "潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红梅鹏飞建国志海燕春晓云凤玲丹辉宇浩然子涵欣怡"
    "佳琪梓轩雨萱思远文博俊杰婷婷秀兰淑珍德明永福振华国庆玉兰金凤丽华秀梅建华立新卫东"
)
CATEGORY_WORDS = {1: "视力", 2: "听力", 3: "言语", 4: "肢体", 5: "智力", 6: "精神", 7: "多重"}
GRADE_WORDS = {1: "一级", 2: "二级", 3: "三级", 4: "四级"}
# Physical about half, as in the national statistics.
CATEGORY_WEIGHTS = [(1, 11), (2, 10), (3, 2), (4, 51), (5, 8.5), (6, 8.5), (7, 9)]
_W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def check_char(body: str) -> str:
    return _CHECK[sum(int(c) * w for c, w in zip(body, _W, strict=True)) % 11]


# --- the database -----------------------------------------------------------------------------------


def _psycopg_url(url: str) -> str:
    parts = urlsplit(url)
    scheme = "postgresql" if parts.scheme in ("postgres", "postgresql", "pgsql") else parts.scheme
    return urlunsplit((scheme, parts.netloc, parts.path, parts.query, parts.fragment))


def _server_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, parts.fragment))


def prepare_database() -> str:
    """Drop and create the bench database; point Django at it."""
    import psycopg

    url = os.environ.get("CANLIAN_BENCH_DATABASE_URL") or DEFAULT_URL
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


def make_places() -> list[tuple[str, str]]:
    """The county, its townships and villages (through regions_import); returns (township, village)."""
    from canlian.core.regions.actions import regions_import
    from canlian.core.regions.choices import RegionSource
    from canlian.core.regions.models import Region
    from canlian.platform.tabular import Table

    parent = None
    for code, name, level in (("37", "山东省", 1), ("3705", "东营市", 2), (COUNTY[0], COUNTY[1], 3)):
        parent = Region.objects.create(
            code=code, name=name, level=level, parent=parent, source=RegionSource.NATIONAL
        )
    rows, pairs = [], []
    for t in range(1, TOWNSHIPS + 1):
        town_name = f"{GIVEN[t * 2 % len(GIVEN)]}{GIVEN[(t * 5 + 1) % len(GIVEN)]}{'镇' if t % 3 else '街道'}"
        rows.append([f"{COUNTY[0]}{t:03d}", town_name])
        for v in range(1, VILLAGES_PER_TOWNSHIP + 1):
            village = f"{SURNAMES[(t * 31 + v) % len(SURNAMES)]}{'家' if v % 2 else '庄'}{'村' if v % 5 else '社区'}{v}"
            rows.append([f"{COUNTY[0]}{t:03d}{v:03d}", village])
            pairs.append((town_name, village))
    regions_import(actor=None, table=Table(header=["code", "name"], rows=rows))
    return pairs


# --- the ledger -------------------------------------------------------------------------------------


def write_ledger(
    path: Path, rows: int, encoding: str, places: list[tuple[str, str]], seed: int = 2026
) -> None:
    """A realistic ledger, written as it is generated (never held in memory)."""
    from canlian.core.registry.importing import LEDGER_TEMPLATE

    rng = random.Random(seed)
    cats = [c for c, _w in CATEGORY_WEIGHTS]
    weights = [w for _c, w in CATEGORY_WEIGHTS]
    first_birth = dt.date(1930, 1, 1)
    days = (dt.date(2020, 12, 31) - first_birth).days
    today = dt.date.today()
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(LEDGER_TEMPLATE[:16])  # up to 是否低保
        for i in range(rows):
            birth = first_birth + dt.timedelta(days=(i * 7919) % days)
            seq = (i * 7919) // days  # unique (birth, sequence) pairs
            male = rng.random() < 0.56
            order = (seq % 500) * 2 + (1 if male else 0)
            body = f"{COUNTY[0]}{birth:%Y%m%d}{order:03d}"
            id_number = body + check_char(body)
            category = rng.choices(cats, weights)[0]
            grade = rng.choices((1, 2, 3, 4), (10, 20, 30, 40))[0]
            earliest = max(birth, dt.date(2008, 1, 1))
            issue = earliest + dt.timedelta(days=rng.randint(0, max(0, (today - earliest).days)))
            style = rng.random()
            issued = (
                issue.isoformat()
                if style < 0.5
                else f"{issue.year}/{issue.month}/{issue.day}"
                if style < 0.8
                else f"{issue:%Y%m%d}"
            )
            town, village = places[rng.randrange(len(places))]
            given = "".join(rng.choice(GIVEN) for _ in range(1 if rng.random() < 0.3 else 2))
            writer.writerow(
                (
                    i + 1,
                    rng.choice(SURNAMES) + given,
                    "男" if male else "女",
                    "汉族" if rng.random() < 0.95 else "回族",
                    id_number,
                    f"{id_number}{category}{grade}",
                    CATEGORY_WORDS[category] if rng.random() < 0.6 else category,
                    GRADE_WORDS[grade] if rng.random() < 0.6 else grade,
                    issued,
                    "",
                    f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
                    f"山东省东营市{COUNTY[1]}{town}{village}{rng.randint(1, 200)}号",
                    f"{town}{village}{rng.randint(1, 200)}号",
                    town,
                    village,
                    "是" if rng.random() < 0.1 else "",
                )
            )


# --- the measurements -------------------------------------------------------------------------------


class StageClock:
    """A Progress that remembers when each stage started (to split Python checking from SQL)."""

    def __init__(self) -> None:
        self.stages: list[tuple[str, float]] = []

    def start(self, total: int | None, stage: str = "") -> None:
        self.stages.append((str(stage), time.perf_counter()))

    def advance(self, n: int = 1) -> None:
        pass

    def log(self, message: str, level: str = "info") -> None:
        pass

    def count(self, **counts: int) -> None:
        pass


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_import(path: Path) -> tuple[float, Any, StageClock]:
    from canlian.core.registry.importing import persons_import

    clock = StageClock()
    start = time.perf_counter()
    result = persons_import(actor=None, path=path, region_code=COUNTY[0], progress=clock)
    return time.perf_counter() - start, result, clock


def copy_baseline(path: Path, encoding: str) -> float:
    """COPY the file as it is into a logged table with bigserial primary key + unique id_number."""
    from django.db import connection

    columns = [
        "seq",
        "name",
        "sex",
        "ethnicity",
        "id_number",
        "cert_number",
        "category",
        "grade",
        "issue_date",
    ]
    columns += ["valid_until", "phone", "hukou_address", "residence_address", "township", "village", "dibao"]
    col_sql = ", ".join(f"{c} varchar(18) NOT NULL" if c == "id_number" else f"{c} text" for c in columns)
    pg_encoding = {"gbk": "GBK", "utf-8": "UTF8", "gb18030": "GB18030"}[encoding]
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {BASELINE_TABLE}")
        cursor.execute(f"CREATE TABLE {BASELINE_TABLE} (id bigserial PRIMARY KEY, {col_sql})")
        cursor.execute(f"CREATE UNIQUE INDEX {BASELINE_TABLE}_id_number ON {BASELINE_TABLE} (id_number)")
        start = time.perf_counter()
        with (
            path.open("rb") as fh,
            cursor.cursor.copy(
                f"COPY {BASELINE_TABLE} ({', '.join(columns)}) FROM STDIN "
                f"(FORMAT csv, HEADER true, ENCODING '{pg_encoding}')"
            ) as copy,
        ):
            while block := fh.read(1 << 20):
                copy.write(block)
        elapsed = time.perf_counter() - start
        cursor.execute(f"SELECT count(*) FROM {BASELINE_TABLE}")
        copied = cursor.fetchone()[0]
        cursor.execute(f"DROP TABLE {BASELINE_TABLE}")
    return elapsed, copied


def empty_registry() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE registry_certificateevent, registry_hardshipstatus, registry_subdisability, "
            "registry_certificate, registry_person RESTART IDENTITY CASCADE"
        )


def import_export_run(path: Path, encoding: str, rows: int) -> tuple[float, int, int]:
    """django-import-export, as a Django user would set it up: a ModelResource keyed on id_number."""
    import tablib
    from import_export import fields, resources

    from canlian.core.regions.models import Region
    from canlian.core.registry.identity import name_keys, normalize_phone, parse_resident_id
    from canlian.core.registry.models import Person

    villages = {
        (r.parent.name, r.name): r.code for r in Region.objects.filter(level=5).select_related("parent")
    }

    class PersonResource(resources.ModelResource):
        name = fields.Field(attribute="name", column_name="姓名")
        id_number = fields.Field(attribute="id_number", column_name="身份证号码")
        phone = fields.Field(attribute="phone", column_name="联系电话")
        ethnicity = fields.Field(attribute="ethnicity", column_name="民族")
        hukou_address = fields.Field(attribute="hukou_address", column_name="户籍地址")
        residence_address = fields.Field(attribute="residence_address", column_name="现住址")

        class Meta:
            model = Person
            import_id_fields = ("id_number",)
            fields = ("name", "id_number", "phone", "ethnicity", "hukou_address", "residence_address")
            skip_unchanged = True

        def before_import_row(self, row: Any, **kwargs: Any) -> None:
            rid = parse_resident_id(row["身份证号码"])
            row["身份证号码"] = rid.number
            row["联系电话"] = normalize_phone(row["联系电话"])
            self._derived = (rid, villages[(row["所属乡镇（街道）"], row["所属村（社区）"])], row["姓名"])

        def before_save_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
            rid, region, name = self._derived
            instance.sex, instance.birth_date = rid.sex, rid.birth_date
            instance.region_code = instance.hukou_region_code = region
            instance.name_pinyin, instance.name_initials = name_keys(name)
            instance.source = "imported"

    with path.open(encoding=encoding, newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        data = tablib.Dataset(headers=header)
        for _i, row in zip(range(rows), reader, strict=False):
            data.append(row)
    start = time.perf_counter()
    result = PersonResource().import_data(data, dry_run=False, raise_errors=False)
    elapsed = time.perf_counter() - start
    return elapsed, Person.objects.count(), len(result.invalid_rows) + len(result.row_errors())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="ledger rows (default 1000000)")
    parser.add_argument(
        "--encoding", choices=["gbk", "utf-8"], default="gbk", help="CSV encoding (default gbk)"
    )
    parser.add_argument(
        "--ie-rows", type=int, default=100_000, help="rows for django-import-export (default 100000; 0 skips)"
    )
    parser.add_argument("--file", help="keep the generated ledger at this path (default: a temp file)")
    parser.add_argument("--keep-db", action="store_true", help="keep the bench database afterwards")
    args = parser.parse_args(argv)
    if args.rows < 1:
        parser.error("--rows must be positive")

    url = prepare_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections

    with connection.cursor() as cursor:
        version = cursor.connection.info.server_version
    print(f"database: {url} (PostgreSQL {version // 10000}.{version % 10000})", flush=True)
    call_command("migrate", verbosity=0)
    folder = Path(tempfile.mkdtemp(prefix="bench-import-"))
    path = Path(args.file) if args.file else folder / "ledger.csv"
    try:
        places = make_places()
        t0 = time.perf_counter()
        write_ledger(path, args.rows, args.encoding, places)
        t_write = time.perf_counter() - t0
        size = path.stat().st_size / 1e6
        print(
            f"ledger: {args.rows:,} rows, {size:,.0f} MB {args.encoding.upper()} CSV, written in {t_write:.1f} s",
            flush=True,
        )

        rss_before = peak_rss_mb()
        t_import, result, clock = run_import(path)
        rss_after = peak_rss_mb()
        print(f"import: {result.as_counts()} in {t_import:.1f} s", flush=True)
        # The import reports two stages: checking (Python, streaming into staging), then writing (SQL).
        t_check = clock.stages[1][1] - clock.stages[0][1] if len(clock.stages) > 1 else t_import
        t_again, again, _clock = run_import(path)
        print(f"again: {again.as_counts()} in {t_again:.1f} s", flush=True)
        t_copy, copied = copy_baseline(path, args.encoding)
        print(f"COPY baseline: {copied:,} rows in {t_copy:.1f} s", flush=True)

        ie = None
        if args.ie_rows:
            empty_registry()
            ie_rows = min(args.ie_rows, args.rows)
            print(f"django-import-export: {ie_rows:,} rows …", flush=True)
            ie = (ie_rows, *import_export_run(path, args.encoding, ie_rows))

        n = args.rows
        print()
        print(f"{'step':<58} {'rows':>10} {'seconds':>8} {'rows/s':>9} {'× COPY':>7}")
        print("-" * 96)
        lines = [
            ("persons_import, empty database (validated, all tables)", n, t_import),
            ("  of which reading + checking + COPY to staging (Python)", n, t_check),
            ("  of which classify + set-based writes (SQL, one transaction)", n, t_import - t_check),
            ("persons_import again (every row unchanged)", n, t_again),
            ("baseline: raw COPY, bigserial PK + unique id_number", n, t_copy),
        ]
        for label, rows, seconds in lines:
            ratio = seconds / t_copy
            speed = f"{rows / seconds:>9,.0f}" if seconds > 0 else f"{'—':>9}"
            print(f"{label:<58} {rows:>10,} {seconds:>8.2f} {speed} {ratio:>7.2f}")
        if ie is not None:
            ie_rows, t_ie, persons, errors = ie
            per_row = t_ie / ie_rows
            print(
                f"{'django-import-export (persons only), empty database':<58} {ie_rows:>10,} {t_ie:>8.2f} "
                f"{ie_rows / t_ie:>9,.0f} {per_row / (t_copy / n):>7.2f}"
            )
            print(f"   (it wrote {persons:,} people, {errors} rows with errors)")
        print()
        print(f"ratio full validated import / raw COPY: {t_import / t_copy:.2f}")
        if ie is not None:
            print(
                f"ratio django-import-export / persons_import, per row: {(ie[1] / ie[0]) / (t_import / n):.1f}"
            )
        print(f"peak RSS: {rss_after:.0f} MB after the import ({rss_before:.0f} MB before it)")
        print(
            f"reproduce: CANLIAN_BENCH_DATABASE_URL={url} .venv/bin/python bench/import_persons.py "
            f"--rows {args.rows} --encoding {args.encoding} --ie-rows {args.ie_rows}"
        )
    finally:
        connections.close_all()
        if not args.file:
            for child in folder.iterdir():
                child.unlink()
            folder.rmdir()
        if not args.keep_db:
            drop_database(url)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
