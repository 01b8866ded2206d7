"""Settings come from the environment; production refuses the demo secret."""

from __future__ import annotations

import os
import subprocess
import sys

CODE = "import canlian.config.settings.production as s; print(s.DEBUG)"


def run(env_extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CANLIAN_SECRET")}
    env.update(env_extra)
    return subprocess.run([sys.executable, "-c", CODE], env=env, capture_output=True, text=True, timeout=60)


def test_production_refuses_demo_secret():
    result = run({})
    assert result.returncode != 0 and "CANLIAN_SECRET_KEY" in result.stderr


def test_production_starts_with_a_real_secret():
    result = run({"CANLIAN_SECRET_KEY": "x" * 50})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_database_url_from_environment():
    code = "import canlian.config.settings.base as s; print(s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME'])"
    env = dict(os.environ, CANLIAN_DATABASE_URL="postgres://u@db.example:5432/canlian")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["django.db.backends.postgresql", "canlian"]
