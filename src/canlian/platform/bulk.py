"""Set-based writing helpers: load rows into a temporary table at COPY speed (PostgreSQL) or with one
prepared statement (SQLite), then let one INSERT … SELECT … ON CONFLICT do the work."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def without_jit() -> None:
    """PostgreSQL: no JIT compilation for the rest of the current transaction (``SET LOCAL``). A
    one-off batch statement with a long CTE chain has a planner cost far above ``jit_above_cost``,
    and compiling it took 4 of the 5 s of a 100,000-enrollment cycle's statement (EXPLAIN ANALYZE,
    bench/monthly_cycle.py); it runs once, so the compiled code never pays back. No-op elsewhere."""
    if is_postgres():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")


def load_temp_table(name: str, columns: Sequence[tuple[str, str]], rows: Iterable[Sequence[object]]) -> None:
    """Create (or empty) temp table ``name`` with ``columns`` [(name, sql type)] and load ``rows``."""
    create_temp_table(name, columns)
    append_rows(name, [c for c, _ in columns], rows)


def drop_temp_table(name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {name}")


def create_temp_table(name: str, columns: Sequence[tuple[str, str]]) -> None:
    """Create (or recreate, empty) temp table ``name`` with ``columns`` [(name, sql type)]."""
    cols_sql = ", ".join(f"{c} {t}" for c, t in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
        cursor.execute(f"CREATE TEMPORARY TABLE {name} ({cols_sql})")


def append_rows(name: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Append ``rows`` to an existing table: COPY on PostgreSQL, consuming ``rows`` lazily so that
    the server parses and stores while Python is still producing; one executemany on SQLite."""
    col_names = ", ".join(columns)
    with connection.cursor() as cursor:
        if is_postgres():
            with cursor.cursor.copy(f"COPY {name} ({col_names}) FROM STDIN") as copy:
                write = copy.write_row
                for row in rows:
                    write(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {name} ({col_names}) VALUES ({marks})", list(rows))  # type: ignore[arg-type]


#: The keys of a table other than its primary key: foreign keys, unique constraints and indexes, with
#: the statements that drop and restore them. Columns: kind (f, u, i), name, leading column, drop,
#: restore, number of columns.
_KEYS_SQL = """
SELECT c.contype, c.conname, COALESCE(a.attname, ''),
       format('ALTER TABLE %%s DROP CONSTRAINT %%I', c.conrelid::regclass, c.conname),
       format('ALTER TABLE %%s ADD CONSTRAINT %%I %%s', c.conrelid::regclass, c.conname,
              pg_get_constraintdef(c.oid)),
       cardinality(c.conkey)
FROM pg_constraint c
LEFT JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
WHERE c.conrelid = ANY(%(tables)s::regclass[]) AND c.contype IN ('f', 'u')
UNION ALL
SELECT 'i', i.indexrelid::regclass::text, COALESCE(a.attname, ''),
       format('DROP INDEX %%s', i.indexrelid::regclass), pg_get_indexdef(i.indexrelid), i.indnatts::int
FROM pg_index i
LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
WHERE i.indrelid = ANY(%(tables)s::regclass[]) AND NOT i.indisprimary
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid)
"""


def owns_tables(tables: Sequence[str]) -> bool:
    """PostgreSQL: whether the connected role owns (or is a member of the owner of) every table."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(bool_and(pg_has_role(current_user, relowner, 'USAGE')), false) "
            "FROM pg_class WHERE oid = ANY(%(tables)s::regclass[])",
            {"tables": list(tables)},
        )
        return bool(cursor.fetchone()[0])


def drop_secondary_keys(tables: Sequence[str], *, keep_unique: Sequence[tuple[str, str]] = ()) -> list[str]:
    """PostgreSQL, inside the caller's transaction: drop the foreign keys, the unique
    constraints and secondary indexes of ``tables`` for a bulk load, and return the statements that
    restore them.

    Maintained row by row, inserts into an index on names or numbers land all over its tree and every
    foreign key fires a trigger per row; one build over the loaded table (and one join per foreign key)
    is several times cheaper (measured: keeping even the indexes led by an id column costs more than
    rebuilding them). ``keep_unique`` names single-column unique constraints to keep, as (table,
    column), e.g. the key of an ON CONFLICT. The DDL locks the tables until commit: for loads into
    (nearly) empty tables."""
    keep = {(t, c) for t, c in keep_unique}
    if not owns_tables(tables):
        # Production connects as an application role that owns no table (docs/deploy.md): DDL is
        # not its to run, so the load keeps the keys and is slower, not refused.
        return []
    with connection.cursor() as cursor:
        # Rows written earlier in the transaction leave foreign-key checks pending, and a table with
        # pending checks cannot be altered: run them now, then defer again (Django's keys are
        # DEFERRABLE INITIALLY DEFERRED).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute(_KEYS_SQL, {"tables": list(tables)})
        keys = cursor.fetchall()
        restore: dict[str, list[str]] = {"i": [], "u": [], "f": []}
        # Foreign keys first: a unique constraint cannot go while a key depends on it.
        for kind, name, column, drop, create, width in sorted(keys, key=lambda k: "fui".index(k[0])):
            if kind == "u" and width == 1 and any(name.startswith(t) and column == c for t, c in keep):
                continue
            cursor.execute(drop)
            restore[kind].append(create)
    return restore["i"] + restore["u"] + restore["f"]


def restore_keys(statements: Sequence[str], *, analyze: Sequence[str] = ()) -> None:
    """Rebuild what ``drop_secondary_keys`` dropped (a unique index verifies its data as it is built),
    then refresh the planner's statistics of ``analyze``."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for sql in statements:
            cursor.execute(sql)
        for table in analyze:
            cursor.execute(f"ANALYZE {table}")


def count_up_to(table: str, limit: int) -> int:
    """The table's rows, counting no further than ``limit`` (cheap on a large table)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM (SELECT 1 FROM {table} LIMIT %s) t", [limit])
        return int(cursor.fetchone()[0])
