"""Base for canlian commands: domain errors become a readable message and a non-zero exit."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from canlian.platform.errors import DomainError, ValidationFailed
from canlian.platform.requestid import request_context


class CanlianCommand(BaseCommand):
    def execute(self, *args: Any, **options: Any) -> Any:
        import uuid

        with request_context(f"cli-{uuid.uuid4().hex[:16]}"):
            try:
                return super().execute(*args, **options)
            except ValidationFailed as exc:
                for error in exc.errors[:200]:
                    self.stderr.write(str(error))
                if len(exc.errors) > 200:
                    self.stderr.write(f"… {len(exc.errors) - 200} more")
                raise CommandError(f"{exc.code}: {exc.message}", returncode=2) from exc
            except DomainError as exc:
                raise CommandError(f"{exc.code}: {exc.message}", returncode=2) from exc

    def actor_from(self, username: str | None) -> Any:
        if not username:
            return None
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {username!r}.")
        return user
