"""Sign-in limits: per user and address (axes), per user across addresses, per address across
users; the client address comes from X-Forwarded-For only behind a configured proxy."""

from __future__ import annotations

import pytest
from django.test import override_settings

PASSWORD = "pw-Strong-2026"


def _login(client, username, password, ip, **extra):
    client.logout()
    response = client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)
    return response.status_code == 302 and "_auth_user_id" in client.session


@override_settings(CANLIAN_LOGIN_USER_FAILURE_LIMIT=6, AXES_FAILURE_LIMIT=5)
def test_one_user_sprayed_from_many_addresses_is_stopped(client, county_admin):
    for ip in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        for _ in range(2):  # 2 per address: far from the per-address lockout of 5
            assert not _login(client, "dyq_admin", "wrong", ip)
    # 6 failures across addresses: even the right password from a fourth address is refused…
    assert not _login(client, "dyq_admin", PASSWORD, "10.0.0.4")


@override_settings(CANLIAN_LOGIN_USER_FAILURE_LIMIT=7, AXES_FAILURE_LIMIT=5)
def test_below_the_user_limit_the_right_password_still_works(client, county_admin):
    for ip in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        for _ in range(2):
            assert not _login(client, "dyq_admin", "wrong", ip)
    assert _login(client, "dyq_admin", PASSWORD, "10.0.0.4")


@override_settings(CANLIAN_LOGIN_IP_FAILURE_LIMIT=6, CANLIAN_LOGIN_USER_FAILURE_LIMIT=0)
def test_one_address_trying_many_users_is_stopped(client, make_user):
    make_user("county_admin", "370505", username="klq_admin")
    for name in ("a1", "a2", "a3"):
        for _ in range(2):
            assert not _login(client, name, "wrong", "10.9.9.9")
    assert not _login(client, "klq_admin", PASSWORD, "10.9.9.9")  # the 7th try from that address
    assert _login(client, "klq_admin", PASSWORD, "10.9.9.10")  # another address is not affected


@override_settings(CANLIAN_LOGIN_USER_FAILURE_LIMIT=0, AXES_FAILURE_LIMIT=3)
def test_a_forged_forwarded_for_does_not_dodge_the_lockout(client, county_admin):
    """Without a trusted proxy configured, X-Forwarded-For is ignored: changing it each time does
    not give a fresh address."""
    for n in range(3):
        _login(client, "dyq_admin", "wrong", "10.1.1.1", HTTP_X_FORWARDED_FOR=f"1.2.3.{n}")
    assert not _login(client, "dyq_admin", PASSWORD, "10.1.1.1", HTTP_X_FORWARDED_FOR="1.2.3.99")


def test_the_settings_believe_forwarded_for_only_behind_a_named_proxy():
    import os
    import subprocess
    import sys

    code = "import canlian.config.settings.base as s; print(s.AXES_IPWARE_META_PRECEDENCE_ORDER)"
    plain = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=dict(os.environ)
    )
    proxied = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ, CANLIAN_TRUSTED_PROXY_COUNT="1"),
    )
    assert plain.stdout.strip() == "('REMOTE_ADDR',)"
    assert "HTTP_X_FORWARDED_FOR" in proxied.stdout


pytestmark = pytest.mark.django_db
