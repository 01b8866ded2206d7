"""Monthly range partitions of a PostgreSQL table (declarative partitioning): one partition per month
of a date column, named ``<table>_pYYYYMM``, and a DEFAULT partition, ``<table>_default``, that takes
any month without one yet (so a write never fails for want of a partition). SQLite has no
partitions: every function here is a no-op there, and the table stays one table.

- ``partition_by_month`` turns an existing table into a partitioned one (a migration's work): the
  same columns, defaults, indexes and constraints, the primary key widened with the partition
  column (PostgreSQL requires every unique key of a partitioned table to hold it), the rows copied.
  Foreign keys *to* the table cannot stay (their target must be unique on the referenced column
  alone); the models declare those with ``db_constraint=False`` before the conversion.
- ``ensure_months`` creates the partitions of the given months; rows already in the DEFAULT
  partition for such a month are moved into it in the same transaction. The daily task calls it
  ahead of time, so that writes land in their own month.
- ``detach_year`` detaches the twelve partitions of a year: they stay as ordinary tables (an
  archive to dump and drop), and the table's reads no longer see them.
- ``months_of_partitions`` and ``months_in_default`` say what is there.

Creating and detaching partitions is DDL on the table: only its owner may run it. Production's site
connects as an application role that owns nothing (docs/deploy.md), so ``may_manage`` says whether
the connection may, and the owner's ``canlian payment-partitions`` does it where the daily task
cannot.

Names are built from the table's name and a month only, and tables are named by the code, never by
a user: the statements are formatted, not parameterised, where PostgreSQL takes no parameters (DDL).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connection, transaction

from canlian.platform.bulk import is_postgres, owns_tables
from canlian.platform.dates import add_months, month_start


def partition_name(table: str, month: dt.date) -> str:
    return f"{table}_p{month:%Y%m}"


def default_partition(table: str) -> str:
    return f"{table}_default"


def is_partitioned(table: str) -> bool:
    if not is_postgres():
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(%s)", [table])
        return cursor.fetchone() is not None


def _partition_column(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT a.attname FROM pg_partitioned_table p
               JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]
               WHERE p.partrelid = to_regclass(%s)""",
            [table],
        )
        row = cursor.fetchone()
    if row is None:
        raise ValueError(f"{table} is not partitioned")
    return str(row[0])


def may_manage(table: str) -> bool:
    """Whether this connection may create and detach the table's partitions (it owns the table)."""
    return is_partitioned(table) and owns_tables([table])


def months_of_partitions(table: str) -> list[dt.date]:
    """The months that have a partition of their own (the DEFAULT partition aside), in order."""
    if not is_partitioned(table):
        return []
    prefix = f"{table}_p"
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
               WHERE i.inhparent = to_regclass(%s)""",
            [table],
        )
        names = [str(r[0]) for r in cursor.fetchall()]
    months = []
    for name in names:
        tail = name[len(prefix) :] if name.startswith(prefix) else ""
        if len(tail) == 6 and tail.isdigit():
            months.append(dt.date(int(tail[:4]), int(tail[4:]), 1))
    return sorted(months)


def months_in_default(table: str) -> list[dt.date]:
    """The months of the rows that sit in the DEFAULT partition (no partition of their own yet)."""
    if not is_partitioned(table):
        return []
    column = _partition_column(table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT date_trunc('month', {column})::date FROM {default_partition(table)} ORDER BY 1"
        )
        return [r[0] for r in cursor.fetchall()]


def ensure_months(table: str, months: Iterable[dt.date]) -> list[str]:
    """Create the partitions of ``months`` that do not exist yet (moving their rows out of the DEFAULT
    partition); returns the names created. One transaction: a failure leaves the table as it was."""
    if not is_partitioned(table):
        return []
    column = _partition_column(table)
    have = set(months_of_partitions(table))
    wanted = sorted({month_start(m) for m in months} - have)
    created: list[str] = []
    with transaction.atomic(), connection.cursor() as cursor:
        for month in wanted:
            name, end = partition_name(table, month), add_months(month, 1)
            default = default_partition(table)
            # A new table, filled from the DEFAULT partition's rows of that month, then attached:
            # attaching scans it once (its CHECK constraint spares even that) and finds the DEFAULT
            # partition holding nothing of the month any more.
            cursor.execute(f"CREATE TABLE {name} (LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
            cursor.execute(
                f"ALTER TABLE {name} ADD CONSTRAINT {name}_range "
                f"CHECK ({column} IS NOT NULL AND {column} >= %s AND {column} < %s)",
                [month, end],
            )
            cursor.execute(
                f"WITH moved AS (DELETE FROM {default} WHERE {column} >= %s AND {column} < %s RETURNING *) "
                f"INSERT INTO {name} SELECT * FROM moved",
                [month, end],
            )
            cursor.execute(
                f"ALTER TABLE {table} ATTACH PARTITION {name} FOR VALUES FROM (%s) TO (%s)", [month, end]
            )
            cursor.execute(f"ALTER TABLE {name} DROP CONSTRAINT {name}_range")
            created.append(name)
    return created


def detach_year(table: str, year: int) -> list[str]:
    """Detach the partitions of ``year``: each stays an ordinary table with its rows (to archive and
    drop), and no read of ``table`` sees them any more. Returns their names. Rows of that year still
    in the DEFAULT partition are first moved into partitions of their own, so none is left behind."""
    if not is_partitioned(table):
        return []
    months = [dt.date(year, m, 1) for m in range(1, 13)]
    in_default = [m for m in months_in_default(table) if m.year == year]
    detached: list[str] = []
    with transaction.atomic():
        ensure_months(table, in_default)
        present = set(months_of_partitions(table))
        with connection.cursor() as cursor:
            for month in months:
                if month in present:
                    name = partition_name(table, month)
                    cursor.execute(f"ALTER TABLE {table} DETACH PARTITION {name}")
                    detached.append(name)
    return detached


_DEFINITIONS_SQL = """
SELECT 'c', c.conname, pg_get_constraintdef(c.oid), c.contype
FROM pg_constraint c WHERE c.conrelid = to_regclass(%(t)s) AND c.contype IN ('p', 'u', 'c', 'f')
UNION ALL
SELECT 'i', i.relname, pg_get_indexdef(i.oid), ''
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
WHERE x.indrelid = to_regclass(%(t)s)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid AND c.conrelid = x.indrelid)
"""


def partition_by_month(table: str, column: str, *, first: dt.date, last: dt.date) -> None:
    """Rebuild ``table`` as a table partitioned by the month of ``column``, with a partition for every
    month from ``first`` to ``last`` and for every month its rows hold, and the DEFAULT partition.
    The primary key becomes (its columns + ``column``); unique keys must already hold ``column``.
    Foreign keys to the table must be gone (``db_constraint=False``); its own foreign keys, checks
    and indexes are recreated under their names. The identity of the key column becomes a sequence
    owned by it (PostgreSQL 15 has no identity columns on partitioned tables)."""
    if not is_postgres() or is_partitioned(table):
        return
    new, seq = f"{table}__partitioned", f"{table}_id_seq"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE confrelid = to_regclass(%s) AND contype = 'f'", [table]
        )
        pointing = [r[0] for r in cursor.fetchall()]
        if pointing:
            raise ValueError(f"foreign keys to {table} must go first (db_constraint=False): {pointing}")
        cursor.execute(_DEFINITIONS_SQL, {"t": table})
        definitions = cursor.fetchall()
        cursor.execute(
            f"SELECT COALESCE(MIN({column}), %s), COALESCE(MAX({column}), %s), COALESCE(MAX(id), 0) FROM {table}",
            [first, last],
        )
        low, high, max_id = cursor.fetchone()
        cursor.execute(f"CREATE TABLE {new} (LIKE {table} INCLUDING DEFAULTS) PARTITION BY RANGE ({column})")
        cursor.execute(f"CREATE TABLE {default_partition(table)}__new PARTITION OF {new} DEFAULT")
        month, end = month_start(min(low, first)), month_start(max(high, last))
        while month <= end:
            cursor.execute(
                f"CREATE TABLE {partition_name(table, month)}__new PARTITION OF {new} "
                "FOR VALUES FROM (%s) TO (%s)",
                [month, add_months(month, 1)],
            )
            month = add_months(month, 1)
        cursor.execute(f"INSERT INTO {new} SELECT * FROM {table}")
        cursor.execute(f"DROP TABLE {table}")
        cursor.execute(f"ALTER TABLE {new} RENAME TO {table}")
        cursor.execute(
            """SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
               WHERE i.inhparent = to_regclass(%s)""",
            [table],
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f"ALTER TABLE {name} RENAME TO {name.removesuffix('__new')}")
        cursor.execute(f"CREATE SEQUENCE {seq} OWNED BY {table}.id")
        cursor.execute(f"SELECT setval('{seq}', %s, %s)", [max(max_id, 1), max_id > 0])
        cursor.execute(f"ALTER TABLE {table} ALTER COLUMN id SET DEFAULT nextval('{seq}')")
        for kind, name, definition, contype in definitions:
            if kind == "i":
                # On the partitioned table, CREATE INDEX builds one per partition and attaches it.
                cursor.execute(definition)
            elif contype == "p":
                columns = definition[definition.index("(") + 1 : definition.index(")")]
                cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} PRIMARY KEY ({columns}, {column})")
            else:
                cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
