"""Login throttling beyond django-axes' per user+address lockout: a limit for one user across
addresses (a password sprayed from many machines) and one for one address across users (one machine
trying many accounts), each counted over axes' cool-off window from its attempt table.

``LoginThrottleBackend`` sits first among the authentication backends: over a limit it raises
``PermissionDenied``, which stops Django's authentication (the sign-in fails with the usual message
and axes records the failure). The client address is axes' (``get_client_ip_address``), which honours
the trusted proxies configured in settings (``CANLIAN_TRUSTED_PROXY_COUNT``/``_IPS``) and otherwise
takes REMOTE_ADDR only, never a client-supplied X-Forwarded-For.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.utils import timezone


def _window_start() -> dt.datetime:
    hours = float(getattr(settings, "AXES_COOLOFF_TIME", 0.25) or 0.25)
    return timezone.now() - dt.timedelta(hours=hours)


def failures(*, username: str | None = None, ip_address: str | None = None) -> int:
    from axes.models import AccessAttempt

    rows = AccessAttempt.objects.filter(attempt_time__gte=_window_start())
    if username is not None:
        rows = rows.filter(username=username)
    if ip_address is not None:
        rows = rows.filter(ip_address=ip_address)
    return int(rows.aggregate(n=Sum("failures_since_start"))["n"] or 0)


def throttled(username: str | None, ip_address: str | None) -> bool:
    user_limit = int(getattr(settings, "CANLIAN_LOGIN_USER_FAILURE_LIMIT", 20))
    ip_limit = int(getattr(settings, "CANLIAN_LOGIN_IP_FAILURE_LIMIT", 100))
    if username and user_limit and failures(username=username) >= user_limit:
        return True
    return bool(ip_address and ip_limit and failures(ip_address=ip_address) >= ip_limit)


class LoginThrottleBackend(ModelBackend):
    """Authenticates no one itself (``authenticate`` returns None or refuses); it derives from
    ModelBackend only so that a session naming it as the first backend still finds its user."""

    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> None:
        if request is None or not getattr(settings, "AXES_ENABLED", True):
            return None
        from axes.helpers import get_client_ip_address

        if throttled(username, get_client_ip_address(request)):
            raise PermissionDenied("too many failed sign-ins")
        return None
