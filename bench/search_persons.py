"""Benchmark: the person search and lists at a province's scale, on PostgreSQL.

    .venv/bin/python bench/search_persons.py [--persons 3000000] [--repeat 5] [--drop]

Runs in its own database ``canlian_bench_search`` on the server of CANLIAN_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/test). On the first run it loads the national regions and the demo
city's townships and villages and generates N demo people (``canlian demo-data`` code, set-based);
later runs reuse them (``--drop`` starts again).

For each search a township worker or a city administrator types (pinyin, initials, a Chinese name,
a full ID, the last digits of an ID, a certificate number, a phone, and filtered lists), it times the
first page (50 rows + 1 to know whether there is a next page) through ``persons_search`` with the
user's scope, and in the same run the hand-written SQL that returns the same ids, and prints both,
the ratio and whether PostgreSQL used an index. No timed assertions: it prints figures.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_regions import DEFAULT_SERVER_URL, _psycopg_url, _with_database

BENCH_DB = "canlian_bench_search"
CITY = "3705"
PAGE = 51


def prepare(drop: bool) -> str:
    from urllib.parse import urlsplit

    import psycopg

    server_url = os.environ.get("CANLIAN_DATABASE_URL") or DEFAULT_SERVER_URL
    if urlsplit(server_url).scheme not in ("postgres", "postgresql", "pgsql"):
        raise SystemExit(f"This benchmark needs PostgreSQL; CANLIAN_DATABASE_URL is {server_url!r}.")
    with psycopg.connect(_psycopg_url(server_url), autocommit=True) as conn:
        if drop:
            conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB]).fetchone():
            conn.execute(f"CREATE DATABASE {BENCH_DB} TEMPLATE template0 ENCODING 'UTF8'")
    os.environ["CANLIAN_DATABASE_URL"] = _with_database(server_url, BENCH_DB)
    os.environ["DJANGO_SETTINGS_MODULE"] = "canlian.config.settings"
    return server_url


def best(func: Any, repeat: int) -> tuple[float, Any]:
    times, value = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        value = func()
        times.append(time.perf_counter() - start)
    return min(times), value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=3_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--drop", action="store_true", help="drop the bench database first")
    args = parser.parse_args()
    prepare(args.drop)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from canlian.core.accounts.models import RoleAssignment, User
    from canlian.core.regions.models import Region
    from canlian.core.registry.models import Certificate, Person, SubDisability
    from canlian.core.registry.selectors import PersonFilters, persons_search
    from canlian.platform.progress import TerminalProgress

    call_command("migrate", verbosity=0)
    have = Person.objects.count()
    if have < args.persons:
        if have:
            raise SystemExit(f"The bench database holds {have:,} people, fewer than asked: use --drop.")
        start = time.perf_counter()
        call_command("demo_data", region=CITY, persons=0, seed=2026, no_queue=True, verbosity=0)
        from canlian.demo.persons import generate_demo_persons

        generate_demo_persons(region_code=CITY, count=args.persons, seed=2026, progress=TerminalProgress())
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"generated {args.persons:,} people in {time.perf_counter() - start:.1f} s")
    total = Person.objects.count()

    township = (Person.objects.values_list("region_code", flat=True).order_by("id").first() or CITY)[:9]
    users = {}
    for role, code in (("township_worker", township), ("city_admin", CITY)):
        user, _ = User.objects.get_or_create(username=f"bench_{role}")
        region = Region.objects.get(code=code)
        RoleAssignment.objects.get_or_create(user=user, role=role, region=region, region_code=code)
        users[role] = User.objects.get(pk=user.pk)

    sample = Person.objects.filter(region_code__startswith=township).order_by("-id").first()
    cert = Certificate.objects.filter(person=sample, state="active").first()
    if cert is None:
        cert = Certificate.objects.filter(state="active", person__region_code__startswith=township).first()
        sample = cert.person
    pinyin, initials = sample.name_pinyin, sample.name_initials

    p = Person._meta.db_table
    c = Certificate._meta.db_table
    sub = SubDisability._meta.db_table
    cases: list[tuple[str, str, PersonFilters, str, list[Any]]] = [
        (
            "pinyin prefix",
            "township_worker",
            PersonFilters(q=pinyin[:6]),
            f"SELECT id FROM {p} WHERE region_code LIKE %s AND (name_pinyin LIKE %s OR name_initials LIKE %s) ORDER BY id DESC LIMIT {PAGE}",
            [township + "%", pinyin[:6] + "%", pinyin[:6] + "%"],
        ),
        (
            "initials",
            "city_admin",
            PersonFilters(q=initials),
            f"SELECT id FROM {p} WHERE region_code LIKE %s AND (name_pinyin LIKE %s OR name_initials LIKE %s) ORDER BY id DESC LIMIT {PAGE}",
            [CITY + "%", initials + "%", initials + "%"],
        ),
        (
            "Chinese name",
            "city_admin",
            PersonFilters(q=sample.name),
            f"SELECT id FROM {p} WHERE region_code LIKE %s AND name LIKE %s ORDER BY id DESC LIMIT {PAGE}",
            [CITY + "%", sample.name + "%"],
        ),
        (
            "full ID",
            "city_admin",
            PersonFilters(q=sample.id_number),
            f"SELECT id FROM {p} WHERE region_code LIKE %s AND id_number = %s ORDER BY id DESC LIMIT {PAGE}",
            [CITY + "%", sample.id_number],
        ),
        (
            "last 4 of ID",
            "township_worker",
            PersonFilters(q=sample.id_number[-4:]),
            f"SELECT id FROM {p} WHERE region_code LIKE %s AND id_number LIKE %s ORDER BY id DESC LIMIT {PAGE}",
            [township + "%", "%" + sample.id_number[-4:]],
        ),
        (
            "certificate number",
            "city_admin",
            PersonFilters(q=cert.number),
            f"SELECT DISTINCT p.id FROM {p} p JOIN {c} c ON c.person_id = p.id WHERE p.region_code LIKE %s AND p.id_number = %s AND c.number = %s ORDER BY p.id DESC LIMIT {PAGE}",
            [CITY + "%", cert.number[:18], cert.number],
        ),
        (
            "grade 1 physical, whole city",
            "city_admin",
            PersonFilters(category=4, grade=1),
            f"SELECT p.id FROM {p} p WHERE p.region_code LIKE %s AND EXISTS (SELECT 1 FROM {c} c LEFT JOIN {sub} s ON s.certificate_id = c.id WHERE c.person_id = p.id AND c.state = 'active' AND c.grade = 1 AND (c.category = 4 OR s.category = 4)) ORDER BY p.id DESC LIMIT {PAGE}",
            [CITY + "%"],
        ),
        (
            "township list, no filter",
            "township_worker",
            PersonFilters(),
            f"SELECT id FROM {p} WHERE region_code LIKE %s ORDER BY id DESC LIMIT {PAGE}",
            [township + "%"],
        ),
    ]
    print(
        f"\n{total:,} people; township {township}; sample {sample.name} ({pinyin}/{initials}); best of {args.repeat}\n"
    )
    print(f"{'search':32} {'persons_search':>14} {'hand SQL':>10} {'ratio':>7}  rows  plan")
    for label, role, filters, sql, params in cases:
        user = users[role]

        def orm(user: Any = user, filters: PersonFilters = filters) -> list[int]:
            return list(persons_search(user=user, filters=filters).values_list("id", flat=True)[:PAGE])

        def raw(sql: str = sql, params: list[Any] = params) -> list[int]:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return [r[0] for r in cursor.fetchall()]

        orm()
        raw()
        t_orm, ids_orm = best(orm, args.repeat)
        t_raw, ids_raw = best(raw, args.repeat)
        same = "" if ids_orm == ids_raw else "  (DIFFERENT ROWS)"
        with connection.cursor() as cursor:
            query = persons_search(user=user, filters=filters).values_list("id", flat=True)[:PAGE].query
            compiled, qparams = query.sql_with_params()
            cursor.execute("EXPLAIN " + compiled, qparams)
            plan = " ".join(r[0] for r in cursor.fetchall())
        uses = "index" if "Index" in plan else "seq scan"
        print(
            f"{label:32} {t_orm * 1000:11.1f} ms {t_raw * 1000:7.1f} ms {t_orm / t_raw if t_raw else 0:6.2f}×"
            f"  {len(ids_orm):4}  {uses}{same}"
        )
    print(f"\nThe database {BENCH_DB} is kept for the next run (--drop rebuilds it).")


if __name__ == "__main__":
    main()
