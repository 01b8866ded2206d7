"""Payment lines partitioned by month (issue 19 item 4): on PostgreSQL the lines table is partitioned
by ``period``; a cycle records the first month it pays so that reads of its lines name their months
(and touch only those partitions); the daily task creates the months ahead and moves lines out of
the DEFAULT partition; an old year can be detached. SQLite keeps one table: the same reads, no
partitions."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from test_programs_cycles import enroll, generate, make_setup

from canlian.platform.dates import add_months
from canlian.platform.partitions import (
    default_partition,
    detach_year,
    ensure_months,
    is_partitioned,
    months_in_default,
    months_of_partitions,
)
from canlian.programs.handlers import _payment_partitions
from canlian.programs.models import PaymentLine

D = dt.date
TABLE = PaymentLine._meta.db_table
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="partitions are PostgreSQL's")


@pytest.fixture
def setup(regions, make_user) -> dict[str, Any]:
    return make_setup(make_user)


def _where(cycle: Any) -> list[tuple[str, dt.date]]:
    """(partition holding the line, its month) for each line of the cycle."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT tableoid::regclass::text, period FROM {TABLE} WHERE cycle_id = %s ORDER BY period",
            [cycle.pk],
        )
        return [(name, period) for name, period in cursor.fetchall()]


def test_a_cycle_records_the_first_month_it_pays_and_reads_its_lines_by_their_months(setup):
    nursing = setup["nursing"]
    e = enroll(nursing, applied=D(2025, 3, 14))
    result = generate(setup, D(2025, 5, 1))
    cycle = result.cycle
    cycle.refresh_from_db()
    assert cycle.first_period == add_months(D(2025, 5, 1), -nursing.arrears_months)
    bounded = PaymentLine.objects.of_cycle(cycle)
    assert sorted(bounded.values_list("period", flat=True)) == [D(2025, 3, 1), D(2025, 4, 1), D(2025, 5, 1)]
    assert bounded.count() == PaymentLine.objects.filter(cycle=cycle).count() == 3
    # A later month's cycle pays May no more, and its bounds leave out March.
    june = generate(setup, D(2025, 6, 1)).cycle
    june.refresh_from_db()
    assert list(PaymentLine.objects.of_cycle(june).values_list("period", "amount")) == [
        (D(2025, 6, 1), Decimal("100.00"))
    ]
    assert e.lines.count() == 4


def test_on_sqlite_the_daily_task_has_nothing_to_do(setup):
    if connection.vendor == "postgresql":
        assert is_partitioned(TABLE)
    else:
        assert not is_partitioned(TABLE) and _payment_partitions(D(2025, 5, 20)) == 0


@postgres_only
def test_lines_of_a_month_without_a_partition_wait_in_the_default_one_until_the_daily_task(setup):
    assert is_partitioned(TABLE)
    enroll(setup["nursing"], applied=D(2019, 3, 14))
    cycle = generate(setup, D(2019, 5, 1)).cycle
    # The migration made the months from a year back to three ahead; 2019 is older: DEFAULT.
    assert {name for name, _p in _where(cycle)} == {default_partition(TABLE)}
    assert set(months_in_default(TABLE)) >= {D(2019, 3, 1), D(2019, 4, 1), D(2019, 5, 1)}
    created = _payment_partitions(D(2019, 5, 20))
    # May to August (this month and three ahead) and March and April (lines in DEFAULT).
    assert created == 6
    assert _where(cycle) == [
        (f"{TABLE}_p201903", D(2019, 3, 1)),
        (f"{TABLE}_p201904", D(2019, 4, 1)),
        (f"{TABLE}_p201905", D(2019, 5, 1)),
    ]
    assert not {D(2019, 3, 1), D(2019, 4, 1), D(2019, 5, 1)} & set(months_in_default(TABLE))
    assert {D(2019, 6, 1), D(2019, 7, 1), D(2019, 8, 1)} <= set(months_of_partitions(TABLE))
    assert _payment_partitions(D(2019, 5, 20)) == 0  # nothing left to do
    # The lines read, total and stay unique as before: a re-run writes nothing.
    assert generate(setup, D(2019, 5, 1)).created == 0
    assert PaymentLine.objects.of_cycle(cycle).count() == 3


@postgres_only
def test_a_cycles_reads_touch_only_the_partitions_of_its_months(setup):
    enroll(setup["nursing"], applied=D(2019, 3, 14))
    cycle = generate(setup, D(2019, 5, 1)).cycle
    _payment_partitions(D(2019, 5, 20))
    ensure_months(TABLE, [D(2019, 12, 1)])
    cycle.refresh_from_db()
    plan = PaymentLine.objects.of_cycle(cycle).values("status").order_by().explain()
    assert f"{TABLE}_p201905" in plan and f"{TABLE}_p201903" in plan
    # The months after the cycle's are not read (DEFAULT is: the arrears window reaches back to
    # months without a partition of their own).
    for outside in ("p201906", "p201912"):
        assert f"{TABLE}_{outside}" not in plan, plan
    unbounded = PaymentLine.objects.filter(cycle=cycle).values("status").order_by().explain()
    assert f"{TABLE}_p201912" in unbounded and f"{TABLE}_p201906" in unbounded  # what the bounds spare


@postgres_only
def test_the_cycles_statement_probes_only_the_partitions_of_its_window(setup):
    """The cycle's INSERT (with what it left unpaid, one statement) looks for paid and failed lines
    of its window's months only: the later months' partitions are never read."""
    from canlian.programs.cycles.actions import insert_and_unpaid_sql

    enroll(setup["nursing"], applied=D(2019, 3, 14))
    cycle = generate(setup, D(2019, 5, 1)).cycle
    _payment_partitions(D(2019, 5, 20))
    ensure_months(TABLE, [D(2019, 12, 1)])
    cycle.refresh_from_db()
    sql, params = insert_and_unpaid_sql(cycle=cycle, program=cycle.program)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert f"{TABLE}_p201905" in plan
    for outside in ("p201906", "p201912"):
        assert f"{TABLE}_{outside}" not in plan, plan


@postgres_only
def test_an_old_year_is_detached_and_kept_as_tables(setup):
    enroll(setup["nursing"], applied=D(2019, 3, 14))
    cycle = generate(setup, D(2019, 5, 1)).cycle
    ensure_months(TABLE, [D(2019, 12, 1)])
    december = generate(setup, D(2019, 12, 1)).cycle  # June to December; December has its partition
    assert PaymentLine.objects.of_cycle(december).count() == 7
    assert PaymentLine.objects.filter(period__year=2019).count() == 10
    detached = detach_year(TABLE, 2019)
    # March to November were in DEFAULT: moved into their own partitions first, then all detached.
    assert detached == [f"{TABLE}_p2019{m:02d}" for m in range(3, 13)]
    assert PaymentLine.objects.filter(period__year=2019).count() == 0
    assert not PaymentLine.objects.filter(cycle=cycle).exists()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {TABLE}_p201905")
        assert cursor.fetchone()[0] == 1
        cursor.execute(f"SELECT COUNT(*) FROM {TABLE}_p201912")
        assert cursor.fetchone()[0] == 1
    assert not [m for m in months_of_partitions(TABLE) if m.year == 2019]
    assert detach_year(TABLE, 2019) == []


@postgres_only
def test_the_owners_command_creates_and_detaches_and_the_app_role_may_not(setup, caplog):
    import uuid

    from django.core.management import CommandError, call_command

    enroll(setup["nursing"], applied=D(2019, 3, 14))
    generate(setup, D(2019, 5, 1))
    out = io.StringIO()
    call_command("payment_partitions", "--ahead", "0", stdout=out)
    assert "3 partitions created" in out.getvalue() and f"{TABLE}_p201905" in out.getvalue()
    # An application role owning nothing (production's site, docs/deploy.md) may not: the daily task
    # says so and does nothing, the command refuses.
    role = f"t_app_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f'CREATE ROLE "{role}"')
        cursor.execute(f'SET ROLE "{role}"')
        try:
            with caplog.at_level("WARNING"):
                assert _payment_partitions(D(2019, 5, 20)) == 0
            assert "payment-partitions" in caplog.text
            with pytest.raises(CommandError) as refused:
                call_command("payment_partitions", "--detach-year", "2019", stdout=io.StringIO())
            assert refused.value.returncode == 2
        finally:
            cursor.execute("RESET ROLE")
    out = io.StringIO()
    call_command("payment_partitions", "--detach-year", "2019", stdout=out)
    assert "3 partitions detached" in out.getvalue()
