"""Set-based writing helpers: load rows into a temporary table at COPY speed (PostgreSQL) or with one
prepared statement (SQLite), then let one INSERT … SELECT … ON CONFLICT do the work."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def load_temp_table(name: str, columns: Sequence[tuple[str, str]], rows: Iterable[Sequence[object]]) -> None:
    """Create (or empty) temp table ``name`` with ``columns`` [(name, sql type)] and load ``rows``."""
    cols_sql = ", ".join(f"{c} {t}" for c, t in columns)
    col_names = ", ".join(c for c, _ in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
        cursor.execute(f"CREATE TEMPORARY TABLE {name} ({cols_sql})")
        if is_postgres():
            with cursor.cursor.copy(f"COPY {name} ({col_names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {name} ({col_names}) VALUES ({marks})", list(rows))


def drop_temp_table(name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
