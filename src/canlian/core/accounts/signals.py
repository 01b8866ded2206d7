"""Sign-in and sign-out are audited (failed sign-ins too, by the username tried)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.dispatch import receiver

from canlian.core.audit.actions import audit_record
from canlian.core.audit.events import EventType


def _home_code(user: Any) -> str:
    codes = user.region_codes() if hasattr(user, "region_codes") else []
    return min(codes, key=len) if codes else ""


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    with transaction.atomic():
        audit_record(actor=user, event=EventType.LOGIN_SUCCEEDED, obj=user, region_code=_home_code(user))


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        with transaction.atomic():
            audit_record(actor=user, event=EventType.LOGOUT, obj=user, region_code=_home_code(user))


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    with transaction.atomic():
        audit_record(
            actor=None,
            event=EventType.LOGIN_FAILED,
            object_type="accounts.user",
            object_repr=str(credentials.get("username", ""))[:150],
            region_code="",
        )
