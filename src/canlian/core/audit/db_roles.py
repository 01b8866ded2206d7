"""The database roles of a production site (PostgreSQL): an owner that migrates, an application
role that owns nothing, and an audit table the application can only append to and read.

- **owner** (e.g. ``canlian_owner``): owns the schema and every table; ``canlian migrate`` runs as it.
  Not a superuser.
- **app** (e.g. ``canlian_app``): what the web server, the worker and ``canlian daily`` connect as.
  SELECT/INSERT/UPDATE/DELETE on the tables (and the same on tables created later, through default
  privileges), but on ``audit_auditevent`` SELECT and INSERT only. Owning nothing, it cannot
  ``TRUNCATE``, ``ALTER TABLE … DISABLE TRIGGER`` or drop the triggers, and not being a superuser it
  cannot ``SET session_replication_role``. Production settings refuse to start as a superuser.
- A statement trigger refuses ``TRUNCATE`` of the audit table to every role but a superuser
  (migration audit 0004), so even the owner cannot empty it by mistake.

``canlian db-roles`` prints the SQL for a DBA to run as a superuser (``psql -f``), or runs it with
``--execute`` on the configured connection. Passwords are set separately (``\\password`` in psql),
never written into this SQL.
"""

from __future__ import annotations

import re

AUDIT_TABLE = "audit_auditevent"
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _ident(name: str, what: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"{what} {name!r}: use lower-case letters, digits and underscores")
    return f'"{name}"'


def db_roles_sql(*, owner: str, app: str, database: str, schema: str = "public") -> str:
    """The idempotent SQL that creates (or corrects) the two roles and hands the schema to the owner."""
    o, a, d, s = (
        _ident(owner, "owner role"),
        _ident(app, "app role"),
        _ident(database, "database"),
        _ident(schema, "schema"),
    )
    return f"""-- canlian database roles: owner {owner} (migrations), application {app} (owns nothing)
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{owner}') THEN CREATE ROLE {o} LOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{app}') THEN CREATE ROLE {a} LOGIN; END IF;
END $$;
ALTER ROLE {o} NOSUPERUSER NOCREATEROLE NOBYPASSRLS;
ALTER ROLE {a} NOSUPERUSER NOCREATEROLE NOCREATEDB NOBYPASSRLS;
GRANT CONNECT, TEMPORARY ON DATABASE {d} TO {o}, {a};
ALTER SCHEMA {s} OWNER TO {o};
REVOKE CREATE ON SCHEMA {s} FROM PUBLIC;
GRANT USAGE ON SCHEMA {s} TO {a};
DO $$ DECLARE r record; BEGIN
  FOR r IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = '{schema}' AND c.relkind IN ('r', 'p', 'v', 'm') LOOP
    EXECUTE format('ALTER TABLE %I.%I OWNER TO %I', '{schema}', r.relname, '{owner}');
  END LOOP;
  FOR r IN SELECT p.oid::regprocedure AS f FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = '{schema}' LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO %I', r.f, '{owner}');
  END LOOP;
END $$;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {s} TO {a};
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {s} TO {a};
ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA {s} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {a};
ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA {s} GRANT USAGE, SELECT ON SEQUENCES TO {a};
REVOKE ALL ON {s}.{AUDIT_TABLE} FROM {a};
GRANT SELECT, INSERT ON {s}.{AUDIT_TABLE} TO {a};
"""
