"""Production settings: PostgreSQL, real secret, secure cookies. Refuses the demo secret."""

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
