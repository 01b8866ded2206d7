"""Set-based writing: COPY on PostgreSQL, executemany on SQLite; keys dropped and restored for bulk loads."""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence

from django.db import connection

from canlian.platform.bulk import is_postgres

# --- writing ---------------------------------------------------------------------------------------


#: NULL in the rows: every value is text, written as is by COPY (PostgreSQL's text format; the
#: generator makes no value with a tab, newline or backslash) and bound as text on SQLite, whose
#: column affinities turn digits back into integers.
NULL = "\\N"


class _Table:
    __slots__ = ("name", "rows", "sql", "written")

    def __init__(self, model: type, columns: Sequence[str]) -> None:
        quote = connection.ops.quote_name
        self.name = model._meta.db_table
        cols = ", ".join(quote(c) for c in columns)
        if is_postgres():
            self.sql = f"COPY {quote(self.name)} ({cols}) FROM STDIN"
        else:
            marks = ", ".join(["%s"] * len(columns))
            self.sql = f"INSERT INTO {quote(self.name)} ({cols}) VALUES ({marks})"
        self.rows: list[tuple[str, ...]] = []
        self.written = 0


class _Writer:
    """Writes batches of rows. On PostgreSQL a thread runs the COPYs on the transaction's own
    connection while the generator builds the next batch (the server works on the other core);
    the calling thread must not use the connection until ``close()``. On SQLite: executemany, inline.
    """

    def __init__(self) -> None:
        self.postgres = is_postgres()
        self.error: BaseException | None = None
        if self.postgres:
            connection.ensure_connection()
            self.raw = connection.connection
            self.queue: queue.Queue = queue.Queue(maxsize=2)
            self.thread = threading.Thread(target=self._run, name="demo-copy", daemon=True)
            self.thread.start()

    def submit(self, tables: Sequence[_Table]) -> None:
        batch = [(t.sql, t.rows) for t in tables if t.rows]
        for table in tables:
            table.written += len(table.rows)
            table.rows = []
        if not self.postgres:
            with connection.cursor() as cursor:
                for sql, rows in batch:
                    cursor.executemany(sql, [tuple(None if v == NULL else v for v in row) for row in rows])
            return
        if self.error is not None:
            self.close()
        self.queue.put(batch)

    def _run(self) -> None:
        while True:
            batch = self.queue.get()
            if batch is None:
                return
            if self.error is not None:
                continue
            try:
                with self.raw.cursor() as cursor:
                    for sql, rows in batch:
                        with cursor.copy(sql) as copy:
                            copy.write("\n".join(map("\t".join, rows)) + "\n")
            except BaseException as exc:  # re-raised in the calling thread by close()
                self.error = exc

    def close(self) -> None:
        if self.postgres and self.thread.is_alive():
            self.queue.put(None)
            self.thread.join()
        if self.error is not None:
            error, self.error = self.error, None
            raise error


#: What a bulk load drops and rebuilds (PostgreSQL): every foreign key (one deferred trigger per row
#: otherwise; re-adding one checks it with a single join), and the unique constraints and indexes
#: that lead with a value column (names, pinyin, ID and certificate numbers, dates): maintained
#: row by row their inserts land all over the tree, while one build over sorted data is several
#: times cheaper. Indexes that lead with an id column stay: the generator writes ids in increasing
#: order, so those inserts append at the right edge, and the server keeps them up to date on its
#: own core while Python generates. Columns: drop, restore, restore order, leading column.
_KEYS_SQL = """
SELECT format('ALTER TABLE %%s DROP CONSTRAINT %%I', c.conrelid::regclass, c.conname),
       format('ALTER TABLE %%s ADD CONSTRAINT %%I %%s', c.conrelid::regclass, c.conname,
              pg_get_constraintdef(c.oid)),
       CASE c.contype WHEN 'f' THEN 3 ELSE 2 END,
       CASE c.contype WHEN 'f' THEN '' ELSE a.attname END
FROM pg_constraint c
JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
WHERE c.conrelid = ANY(%(tables)s::regclass[]) AND c.contype IN ('f', 'u')
UNION ALL
SELECT format('DROP INDEX %%s', i.indexrelid::regclass), pg_get_indexdef(i.indexrelid), 1, a.attname
FROM pg_index i
JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
WHERE i.indrelid = ANY(%(tables)s::regclass[]) AND NOT i.indisprimary
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid)
ORDER BY 3, 1
"""


def _drop_keys(models: Sequence[type]) -> list[str]:
    """Drop the foreign keys and the value-led unique constraints and indexes of ``models`` (inside
    the caller's transaction) and return the statements that restore them, in order."""
    tables = [m._meta.db_table for m in models]
    with connection.cursor() as cursor:
        cursor.execute(_KEYS_SQL, {"tables": tables})
        keys = [k for k in cursor.fetchall() if not (k[3] == "id" or k[3].endswith("_id"))]
        # Foreign keys first: a unique constraint cannot go while a key depends on it.
        for drop, _restore, _order, _column in sorted(keys, key=lambda k: -k[2]):
            cursor.execute(drop)
    return [restore for _drop, restore, _order, _column in keys]


def _restore_keys(statements: list[str]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for sql in statements:
            cursor.execute(sql)


def _existing_rows(model: type) -> int:
    """PostgreSQL's estimate of a table's rows (no count over millions)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT GREATEST(reltuples, 0)::bigint FROM pg_class WHERE oid = %s::regclass",
            [model._meta.db_table],
        )
        row = cursor.fetchone()
        return int(row[0]) if row else 0


def _reserve_ids(model: type) -> int:
    """The first id of a block this transaction may use explicitly (the table is locked against
    other writers on PostgreSQL until commit)."""
    quote = connection.ops.quote_name
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if is_postgres():
            cursor.execute(f"LOCK TABLE {quote(table)} IN SHARE ROW EXCLUSIVE MODE")
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [table])
            from_sequence = cursor.fetchone()[0]
        else:
            from_sequence = 1
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {quote(table)}")
        return max(from_sequence, cursor.fetchone()[0])


def _move_sequence(model: type) -> None:
    """Move PostgreSQL's sequence past the explicit ids (SQLite's AUTOINCREMENT follows by itself)."""
    if not is_postgres():
        return
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, 'id'), MAX(id)) FROM {table} "
            "HAVING MAX(id) IS NOT NULL",
            [model._meta.db_table],
        )
