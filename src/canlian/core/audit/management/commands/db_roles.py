"""canlian db-roles: the SQL of the production database roles (see core/audit/db_roles.py)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from canlian.core.audit.db_roles import db_roles_sql


class Command(BaseCommand):
    help = (
        "Print (or run with --execute, as a superuser) the SQL that creates the owner role for "
        "migrations and the application role that owns nothing and may only append to the audit log."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--owner", default="canlian_owner", help="role that owns the schema (migrations)")
        parser.add_argument("--app", default="canlian_app", help="role the application connects as")
        parser.add_argument("--database", help="database name (default: the configured one)")
        parser.add_argument("--schema", default="public")
        parser.add_argument("--execute", action="store_true", help="run it on the configured connection")

    def handle(self, *args: Any, **options: Any) -> None:
        database = options["database"] or connection.settings_dict["NAME"]
        try:
            sql = db_roles_sql(
                owner=options["owner"], app=options["app"], database=database, schema=options["schema"]
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if not options["execute"]:
            self.stdout.write(sql)
            return
        if connection.vendor != "postgresql":
            raise CommandError("Database roles exist on PostgreSQL only.")
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
        self.stdout.write(
            f"Roles {options['owner']} (owner) and {options['app']} (application) are set up on {database}. "
            "Set their passwords with \\password in psql; run migrations as the owner, the site as the app."
        )
