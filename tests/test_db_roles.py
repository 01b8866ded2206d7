"""Production's database roles: the application role cannot erase or change the audit log
(PostgreSQL), and production refuses a superuser connection."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from canlian.config.dbguard import refuse_superuser
from canlian.core.audit.actions import audit_record
from canlian.core.audit.db_roles import db_roles_sql
from canlian.core.audit.models import AuditEvent

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="database roles are PostgreSQL's"
)


def test_the_sql_names_the_roles_and_refuses_odd_names(capsys):
    call_command("db_roles", "--owner", "site_owner", "--app", "site_app", "--database", "canlian")
    sql = capsys.readouterr().out
    assert 'GRANT SELECT, INSERT ON "public".audit_auditevent TO "site_app"' in sql
    assert 'ALTER SCHEMA "public" OWNER TO "site_owner"' in sql
    with pytest.raises(ValueError):
        db_roles_sql(owner='x"; DROP TABLE y; --', app="a", database="d")


def _refused(cursor, statement: str) -> bool:
    cursor.execute("SAVEPOINT probe")
    try:
        cursor.execute(statement)
    except DatabaseError:
        cursor.execute("ROLLBACK TO SAVEPOINT probe")
        return True
    cursor.execute("RELEASE SAVEPOINT probe")
    return False


@postgres_only
@pytest.mark.django_db
def test_the_app_role_can_append_and_read_but_not_erase_or_change():
    suffix = uuid.uuid4().hex[:8]
    owner, app = f"t_owner_{suffix}", f"t_app_{suffix}"
    with transaction.atomic():
        event = audit_record(
            actor=None, event="job.submitted", object_type="test", object_id=1, object_repr="x"
        )
    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks before ALTER TABLE
        cursor.execute(db_roles_sql(owner=owner, app=app, database=connection.settings_dict["NAME"]))
        cursor.execute(f'SET ROLE "{app}"')
        try:
            assert _refused(cursor, f"TRUNCATE {table}")
            assert _refused(cursor, f"ALTER TABLE {table} DISABLE TRIGGER ALL")
            assert _refused(cursor, "SET session_replication_role = replica")
            assert _refused(cursor, f"UPDATE {table} SET object_repr = 'changed' WHERE id = {event.pk}")
            assert _refused(cursor, f"DELETE FROM {table} WHERE id = {event.pk}")
            assert _refused(cursor, f"DROP TRIGGER audit_event_no_update ON {table}")
            # …while the application's own work goes on: append and read the log, write other tables
            assert not _refused(
                cursor,
                f"INSERT INTO {table} (occurred_at, actor_label, event_type, object_type, object_id, "
                f"object_repr, region_code, old_values, new_values, request_id, ip_address) "
                f"VALUES (now(), 'system', 'job.submitted', 'test', '2', 'y', '', NULL, NULL, '', NULL)",
            )
            cursor.execute(f"SELECT count(*) FROM {table} WHERE object_type = 'test'")
            assert cursor.fetchone()[0] == 2
            assert not _refused(cursor, "UPDATE regions_region SET name = name WHERE false")
        finally:
            cursor.execute("RESET ROLE")
        # the owner (no superuser) cannot empty the log either: the statement trigger refuses
        cursor.execute(f'SET ROLE "{owner}"')
        try:
            assert _refused(cursor, f"TRUNCATE {table}")
        finally:
            cursor.execute("RESET ROLE")


@postgres_only
@pytest.mark.django_db
def test_production_refuses_a_superuser_connection(monkeypatch):
    # the test database connects as the superuser postgres
    monkeypatch.delenv("CANLIAN_ALLOW_SUPERUSER", raising=False)
    with pytest.raises(ImproperlyConfigured, match="superuser"):
        refuse_superuser(connection=connection)
    monkeypatch.setenv("CANLIAN_ALLOW_SUPERUSER", "1")
    refuse_superuser(connection=connection)


def test_the_guard_ignores_sqlite():
    class Fake:
        vendor = "sqlite"

    refuse_superuser(connection=Fake())
