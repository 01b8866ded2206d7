"""Production settings: PostgreSQL, real secret, secure cookies. Refuses the demo secret."""

import os

from django.core.exceptions import ImproperlyConfigured

from canlian.config.settings.base import *  # noqa: F403
from canlian.config.settings.base import DEMO_SECRET_KEY, SECRET_KEY, env_bool

if SECRET_KEY == DEMO_SECRET_KEY or len(SECRET_KEY) < 32:
    raise ImproperlyConfigured(
        "CANLIAN_SECRET_KEY must be set to a random value of at least 32 characters in production; "
        "the demo secret is refused."
    )

DEBUG = False
SESSION_COOKIE_SECURE = env_bool("CANLIAN_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Refuse a superuser connection (it could erase the audit log): see config/dbguard.py.
from django.db.backends.signals import connection_created  # noqa: E402

from canlian.config.dbguard import refuse_superuser  # noqa: E402

connection_created.connect(refuse_superuser, dispatch_uid="canlian-refuse-superuser")

# HTTPS: HSTS for a year (CANLIAN_HSTS_SECONDS), HTTP redirected to HTTPS; behind a reverse proxy
# that terminates TLS set CANLIAN_PROXY_SSL_HEADER=1 (X-Forwarded-Proto from that proxy only).
SECURE_HSTS_SECONDS = int(os.environ.get("CANLIAN_HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("CANLIAN_HSTS_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("CANLIAN_HSTS_PRELOAD", False)
SECURE_SSL_REDIRECT = env_bool("CANLIAN_SSL_REDIRECT", True)
if env_bool("CANLIAN_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
# Preloading into browsers' HSTS lists is for public domains; an intranet name cannot be preloaded.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
