"""Benchmark: a province's yearly settlement of children's rehabilitation, on PostgreSQL.

    .venv/bin/python bench/settlement.py [--children 20000] [--institutions 200] [--keep-db]

Runs in its own database, CANLIAN_BENCH_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/canlian_bench_settlement), which it drops, creates and migrates. It

1. generates, set-based, N children (aged 0–14) in the counties of one city, an active child-rehab
   application and a 2026 plan each at one of I institutions, and ~190 training days a year each
   (150–229, Monday to Friday) — about 3.8M attendance rows for 20,000 children, streamed with COPY
   (``platform.bulk.append_rows``); the Dongying 2023 threshold rule (≥ 170 days → 15,000 training +
   3,000 transport, pro rata below) for the province;
2. times a hand-written single statement computing the threshold family's amounts for every child
   (GROUP BY + CASE, written into a temporary table) — the baseline, measured in the same run;
3. times the engine the way a province runs it: ``batches_generate_for_region`` for the city's
   2026 batches (January–December) of every institution — the inputs read once for the region (rules,
   training days per (institution, plan, month), earlier lines, plans, years paid), the pure
   calculation per institution, all lines written in one COPY, the batches updated in one statement,
   one audit row per batch, in one transaction;
4. checks that the children, the total and the lines agree with the baseline, and prints the ratio;
5. times generating every batch again (idempotent: the lines are replaced, the totals unchanged),
   per institution with ``batch_generate`` × I (each its own transaction, the same shared code) and
   then for the region at once.

No timed assertions: it prints figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import monthly_cycle
from monthly_cycle import clock, drop_database, scalar, sql

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/canlian_bench_settlement"
YEAR = 2026
COUNTIES = ("370502", "370503", "370505", "370522", "370523")
CITY = "3705"


def prepare_database() -> str:
    return monthly_cycle.prepare_database(DEFAULT_URL)


def training_days(year: int) -> list[dt.date]:
    day, out = dt.date(year, 1, 1), []
    while day.year == year:
        if day.weekday() < 5:
            out.append(day)
        day += dt.timedelta(days=1)
    return out


def generate_data(n: int, n_institutions: int, program_id: int) -> None:
    from canlian.core.institutions.models import Institution

    def institutions() -> None:
        Institution.objects.bulk_create(
            Institution(
                code=f"BENCH-{i:04d}",
                name=f"康复机构{i:04d}",
                kind="rehab",
                region_code=COUNTIES[i % len(COUNTIES)],
                bank_name="农商银行",
                bank_account=f"6222{i:015d}",
            )
            for i in range(n_institutions)
        )

    clock(f"{n_institutions:,} institutions", institutions)
    region = (
        f"(ARRAY{list(COUNTIES)!r})[1 + g %% {len(COUNTIES)}] || lpad(((g %% 20) + 1)::text, 3, '0') "
        "|| lpad((((g / 20) %% 30) + 1)::text, 3, '0')"
    )
    clock(
        f"{n:,} children",
        lambda: sql(
            f"""INSERT INTO registry_person (name, name_pinyin, name_initials, id_number, sex, birth_date, ethnicity,
                  phone, region_code, residence_address, hukou_region_code, hukou_address, hukou_type, life_status,
                  life_status_date, source, created_at, updated_at)
                SELECT '儿童' || g, 'ertong' || g, 'et', '37050' || lpad(g::text, 13, '0'),
                       CASE WHEN g %% 2 = 0 THEN 'F' ELSE 'M' END,
                       DATE '2011-06-01' + ((g::bigint * 7919) %% 5300)::int, '', '', {region}, '', {region}, '', '',
                       'living', NULL, 'imported', now(), now()
                FROM generate_series(1, %s) g""",
            [n],
        ),
    )
    clock(
        "applications",
        lambda: sql(
            """INSERT INTO programs_enrollment (program_id, person_id, region_code, status, applicant_kind,
                  applicant_name, applied_on, application_month, needs_long_term_care, work_injury_nursing,
                  diagnosis_confirmed, hardship_basis, care_tier, bank_name, bank_account, account_holder,
                  rejected_reason, stop_reason, stop_note, created_at, updated_at, activated_on)
                SELECT %s, p.id, p.region_code, 'active', 'guardian', '', DATE '2025-12-01', DATE '2025-12-01',
                       false, false, true, '', '', '', '', '', '', '', '', now(), now(), DATE '2025-12-20'
                FROM registry_person p""",
            [program_id],
        ),
    )
    clock(
        "plans (one per child, institutions round robin)",
        lambda: sql(
            """INSERT INTO rehab_rehabplan (enrollment_id, person_id, region_code, institution_id, year, category, mode,
                  starts_on, ends_on, planned_days, hours, goals, guardian_name, guardian_phone, status, created_at,
                  updated_at)
                SELECT e.id, e.person_id, e.region_code, i.id, %s, (ARRAY['1','2','3','4','5','6','8'])[1 + e.id %% 7],
                       CASE WHEN e.id %% 4 = 0 THEN 'mixed' ELSE 'centre' END, DATE '2026-01-01', DATE '2026-12-31',
                       200, 400, '', '', '', 'active', now(), now()
                FROM programs_enrollment e
                JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM institutions_institution) i
                  ON i.k = e.id %% %s""",
            [YEAR, n_institutions],
        ),
    )

    days = training_days(YEAR)

    def attendance() -> int:
        from canlian.platform.bulk import append_rows

        plans = list(
            __import__("canlian.domains.rehab.models", fromlist=["RehabPlan"])
            .RehabPlan.objects.order_by("id")
            .values_list("id", "institution_id", "region_code")
        )
        now = dt.datetime.now(dt.UTC).isoformat()
        day_texts = [d.isoformat() for d in days]
        count = 0

        def rows() -> Any:
            nonlocal count
            for plan_id, institution_id, region_code in plans:
                k = 150 + (plan_id * 7919) % 80  # 150–229 days, mean ≈ 190
                count += k
                for day in day_texts[:k]:
                    yield (plan_id, institution_id, region_code, day, "upload", now)

        append_rows(
            "rehab_attendance",
            ["plan_id", "institution_id", "region_code", '"on"', "source", "recorded_at"],
            rows(),
        )
        return count

    _t, rows = clock("attendance (COPY through platform.bulk)", attendance)
    print(f"  {'':62} {rows:,} rows")
    clock("ANALYZE", lambda: sql("ANALYZE"))


HAND_SQL = """
CREATE TEMPORARY TABLE hand_lines AS
SELECT d.plan_id, p.person_id, p.institution_id, d.n AS days,
       CASE WHEN d.n >= r.min_days THEN r.amount ELSE round(r.amount * d.n / r.min_days, 2) END AS training,
       CASE WHEN d.n >= r.min_days THEN r.transport_amount
            ELSE round(r.transport_amount * d.n / r.min_days, 2) END AS transport
FROM (SELECT a.plan_id, count(*) AS n
      FROM rehab_attendance a
      WHERE a."on" BETWEEN %(first)s AND %(last)s
      GROUP BY a.plan_id) d
JOIN rehab_rehabplan p ON p.id = d.plan_id AND p.year = %(year)s
JOIN rehab_settlementrule r ON r.id = %(rule)s
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--children", type=int, default=20_000)
    parser.add_argument("--institutions", type=int, default=200)
    parser.add_argument("--keep-db", action="store_true", help="keep the bench database afterwards")
    args = parser.parse_args()
    url = prepare_database()

    import django

    django.setup()
    from decimal import Decimal

    from django.core.management import call_command
    from django.db import transaction

    from canlian.domains.rehab.models import SettlementBatch, SettlementLine, SettlementRule
    from canlian.domains.rehab.settlement.actions import batch_generate, batches_generate_for_region
    from canlian.programs.models import Program

    try:
        call_command("migrate", verbosity=0)
        print(
            f"\nSettlement benchmark: {args.children:,} children, {args.institutions:,} institutions, "
            f"year {YEAR}, PostgreSQL\n\nsetup"
        )
        program, _ = Program.objects.get_or_create(
            code="child-rehab",
            defaults={"name": "残疾儿童康复救助", "kind": "settlement", "family": "child-rehab"},
        )
        rule = SettlementRule.objects.create(
            program=program,
            region_code="37",
            valid_from=dt.date(2023, 1, 1),
            family="threshold",
            amount=Decimal("15000"),
            transport_amount=Decimal("3000"),
            min_days=170,
            below_threshold="pro_rata",
            note="东营 2023",
        )
        generate_data(args.children, args.institutions, program.pk)
        institution_ids = list(
            SettlementBatch._meta.get_field("institution")
            .related_model.objects.order_by("id")
            .values_list("id", flat=True)
        )

        print(f"\nyearly settlement ({YEAR}-01 – {YEAR}-12)")
        params = {"first": dt.date(YEAR, 1, 1), "last": dt.date(YEAR, 12, 31), "year": YEAR, "rule": rule.pk}

        def hand() -> Any:
            with transaction.atomic():
                sql("DROP TABLE IF EXISTS hand_lines")
                sql(HAND_SQL, params)
                return scalar("SELECT count(*), sum(training + transport) FROM hand_lines")

        t_hand, (hand_count, hand_sum) = clock("hand-written single statement (GROUP BY + CASE)", hand)

        def region() -> list[Any]:
            batches, skipped = batches_generate_for_region(
                actor=None, region_code=CITY, period_start="2026-01", period_end="2026-12"
            )
            assert not skipped, skipped
            return batches

        def one_by_one() -> list[Any]:
            return [
                batch_generate(actor=None, institution_id=i, period_start="2026-01", period_end="2026-12")
                for i in institution_ids
            ]

        t_engine, batches = clock(f"region at once, {len(institution_ids)} institutions (engine)", region)
        children = sum(b.line_count for b in batches)
        total = sum((b.total_amount for b in batches), Decimal("0"))
        lines = SettlementLine.objects.count()
        print(
            f"\n  hand: {hand_count:,} children, total {hand_sum:,.2f}\n"
            f"  engine: {len(batches)} batches, {children:,} children, {lines:,} lines, total {total:,.2f}\n"
            f"  agree: {hand_count == children and hand_sum == total}\n"
            f"  ratio engine / hand-written: {t_engine / t_hand:.1f}×"
        )

        print("\nre-generation (lines replaced)")
        t_each, again = clock(f"batch_generate × {len(institution_ids)} institutions, one by one", one_by_one)
        each_total = sum((b.total_amount for b in again), Decimal("0"))
        print(
            f"  same total: {each_total == total}; lines {SettlementLine.objects.count():,}; "
            f"{t_each / max(len(institution_ids), 1) * 1000:.0f} ms per institution; "
            f"ratio / hand-written {t_each / t_hand:.1f}×"
        )
        t_again, again = clock("region at once, again", region)
        again_total = sum((b.total_amount for b in again), Decimal("0"))
        print(
            f"  same total: {again_total == total}; lines {SettlementLine.objects.count():,}; "
            f"ratio / hand-written {t_again / t_hand:.1f}×"
        )
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep_db:
            drop_database(url)


if __name__ == "__main__":
    main()
