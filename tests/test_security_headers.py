"""Pages run only the site's own scripts (CSP without inline script), pages of signed-in users are
never cached, static files are; production's deploy check is clean."""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys

import canlian

TEMPLATES = pathlib.Path(canlian.__file__).parent


def test_pages_carry_the_policy_and_no_store(client, county_admin):
    login = client.get("/login/")
    assert (
        "script-src 'self'" in login["Content-Security-Policy"]
        and "unsafe-inline" not in login["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    )
    client.force_login(county_admin)
    static = client.get("/static/canlian/app.js")
    assert static.status_code == 200 and "no-store" not in static.get("Cache-Control", "")
    for url in ("/", "/registry/persons/", "/api/v1/persons/", "/steering/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "no-store", url
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"], url


def test_no_template_holds_an_inline_script_or_handler():
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
    handler = re.compile(r"\son[a-z]+\s*=", re.I)
    found = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        if inline_script.search(text) or handler.search(text):
            found.append(str(path.relative_to(TEMPLATES)))
    assert found == []


def test_production_deploy_check_has_no_security_warning():
    # a clean environment: only what finds Python and the package (the suite's own variables stay out)
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "PYTHONPATH", "LANG", "VIRTUAL_ENV")}
    env.update(DJANGO_SETTINGS_MODULE="canlian.config.settings.production", CANLIAN_SECRET_KEY="x7#Kq" * 12)
    result = subprocess.run(
        [sys.executable, "-m", "canlian", "check", "--deploy", "--fail-level", "ERROR"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    errors = [
        line for line in (result.stdout + result.stderr).splitlines() if ".E" in line or "ERROR" in line
    ]
    assert result.returncode == 0, errors or result.stderr[-2000:]
    assert "security." not in result.stdout + result.stderr
