"""Production refuses to run as a database superuser: a superuser can erase the audit log
(TRUNCATE, DISABLE TRIGGER, session_replication_role). Connect as the application role of
``canlian db-roles``; ``CANLIAN_ALLOW_SUPERUSER=1`` lifts the check for a one-off maintenance task."""

from __future__ import annotations

import os
from typing import Any

from django.core.exceptions import ImproperlyConfigured


def refuse_superuser(sender: Any = None, connection: Any = None, **kwargs: Any) -> None:
    """A ``connection_created`` receiver: raise on a PostgreSQL connection made as a superuser."""
    if connection is None or connection.vendor != "postgresql":
        return
    if os.environ.get("CANLIAN_ALLOW_SUPERUSER", "").lower() in ("1", "true", "yes", "on"):
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, current_user FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
    if row and row[0]:
        raise ImproperlyConfigured(
            f"The database role {row[1]!r} is a superuser: production connects as the application role "
            "(see docs/deploy.md, `canlian db-roles`). Set CANLIAN_ALLOW_SUPERUSER=1 only for maintenance."
        )
