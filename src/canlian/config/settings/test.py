"""Test settings: same as base, with a fast password hasher and tasks run in-process."""

import os

from canlian.config.settings.base import *  # noqa: F403
from canlian.config.settings.base import DATABASES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" and not os.environ.get(
    "CANLIAN_TEST_SQLITE_FILE"
):
    DATABASES["default"]["TEST"] = {"NAME": None}
AXES_ENABLED = True
STATIC_ROOT = None  # static files come from the finders (WhiteNoise), no collectstatic in tests
