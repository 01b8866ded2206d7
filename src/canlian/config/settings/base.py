"""Base settings shared by every environment. Values come from the environment (CANLIAN_*)."""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent.parent.parent  # src/canlian
VAR_DIR = Path(os.environ.get("CANLIAN_VAR_DIR", Path.cwd() / "var"))

DEMO_SECRET_KEY = "canlian-demo-secret-do-not-use-in-production"  # noqa: S105


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


SECRET_KEY = os.environ.get("CANLIAN_SECRET_KEY") or DEMO_SECRET_KEY
DEBUG = env_bool("CANLIAN_DEBUG", False)
ALLOWED_HOSTS = env_list("CANLIAN_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CANLIAN_CSRF_TRUSTED_ORIGINS", [])

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("CANLIAN_DATABASE_URL") or f"sqlite:///{VAR_DIR / 'canlian.sqlite3'}",
        conn_max_age=int(os.environ.get("CANLIAN_DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the worker write while pages read; a busy timeout instead of "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "axes",
    "django_tasks",
    "django_tasks_db",
    # platform: framework pieces, no tables
    "canlian.platform",
    # core registry
    "canlian.core.regions",
    "canlian.core.accounts",
    "canlian.core.audit",
    "canlian.core.jobs",
    "canlian.core.registry",
    "canlian.core.institutions",
    "canlian.core.calendar",
    # program engine, then the domains built on it
    "canlian.programs",
    "canlian.domains.subsidies",
    "canlian.domains.care",
    "canlian.domains.petitions",
    "canlian.domains.rehab",
    "canlian.domains.supervision",
    "canlian.domains.community",
    "canlian.domains.rehabservices",
    "canlian.domains.education",
    "canlian.domains.employment",
    "canlian.domains.matching",
    "canlian.domains.outreach",
    "canlian.reporting",
    # web shell and demo
    "canlian.web",
    "canlian.demo",
]

MIDDLEWARE = [
    "canlian.platform.requestid.RequestIdMiddleware",
    "canlian.platform.inputguard.InputGuardMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "canlian.platform.security.SecurityHeadersMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "canlian.platform.errors.DomainErrorMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "canlian.config.urls"
WSGI_APPLICATION = "canlian.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "canlian.web.context_processors.shell",
            ],
            "builtins": ["template_partials.templatetags.partials"],
        },
    }
]

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "canlian.core.accounts.throttle.LoginThrottleBackend",
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = int(os.environ.get("CANLIAN_SESSION_SECONDS", str(8 * 3600)))
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False

# Login rate limiting and lockout (django-axes): 5 failures per user+IP lock for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("CANLIAN_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("CANLIAN_LOGIN_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "web/locked_out.html"
AXES_VERBOSE = False
# …and over the same window: one user across addresses, one address across users
# (core/accounts/throttle.py; 0 turns a limit off).
CANLIAN_LOGIN_USER_FAILURE_LIMIT = int(os.environ.get("CANLIAN_LOGIN_USER_FAILURE_LIMIT", "20"))
CANLIAN_LOGIN_IP_FAILURE_LIMIT = int(os.environ.get("CANLIAN_LOGIN_IP_FAILURE_LIMIT", "100"))
# The client address: REMOTE_ADDR, unless the site sits behind reverse proxies named here (their
# count, or their addresses): only then is X-Forwarded-For believed, and only their entries of it.
_TRUSTED_PROXY_IPS = [
    ip.strip() for ip in os.environ.get("CANLIAN_TRUSTED_PROXY_IPS", "").split(",") if ip.strip()
]
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("CANLIAN_TRUSTED_PROXY_COUNT", "0")) or None
AXES_IPWARE_PROXY_TRUSTED_IPS = _TRUSTED_PROXY_IPS or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    if (AXES_IPWARE_PROXY_COUNT or _TRUSTED_PROXY_IPS)
    else ("REMOTE_ADDR",)
)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
#: ISO first among the input formats, so date widgets render values <input type="date"> accepts.
FORMAT_MODULE_PATH = ["canlian.formats"]
TIME_ZONE = os.environ.get("CANLIAN_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if os.environ.get("CANLIAN_REDIS_URL"):
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["CANLIAN_REDIS_URL"],
    }

TASKS = {
    "default": {
        "BACKEND": os.environ.get("CANLIAN_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "canlian.core.accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "canlian.platform.permissions.HasCanlianPermission",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "canlian.platform.pagination.KeysetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "canlian.platform.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    # request bodies as their own components: required text is non-blank, uploads are binary
    "COMPONENT_SPLIT_REQUEST": True,
    "TITLE": "canlian API",
    "DESCRIPTION": _(
        "Smart Disabled Persons' Federation REST API: regions, accounts, audit, jobs and the registry."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "canlian.platform.api_schema.document_errors",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("CANLIAN_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# A running job's worker writes a heartbeat this often; a job whose heartbeat is older than
# CANLIAN_JOB_STALE_SECONDS (or whose worker process on this host is gone) is failed so it can be retried.
CANLIAN_JOB_HEARTBEAT_SECONDS = int(os.environ.get("CANLIAN_JOB_HEARTBEAT_SECONDS", "30"))
CANLIAN_JOB_STALE_SECONDS = int(os.environ.get("CANLIAN_JOB_STALE_SECONDS", "600"))
# The files uploaded with a job (lists of people) are deleted this many days after the job finished
# (daily task jobs.purge_files); a failed job older than that cannot be retried: upload it again.
CANLIAN_JOB_FILE_DAYS = int(os.environ.get("CANLIAN_JOB_FILE_DAYS", "30"))

# Who may see full identities is decided in canlian.core.permissions; masking happens in lists.
# An export showing more than this many full ID numbers needs a stated reason (recorded in the audit
# log), and a user may make at most CANLIAN_UNMASKED_EXPORTS_PER_DAY such exports a day.
CANLIAN_UNMASKED_EXPORT_REASON_ROWS = int(os.environ.get("CANLIAN_UNMASKED_EXPORT_REASON_ROWS", "200"))
CANLIAN_UNMASKED_EXPORTS_PER_DAY = int(os.environ.get("CANLIAN_UNMASKED_EXPORTS_PER_DAY", "5"))
CANLIAN_DEMO = env_bool("CANLIAN_DEMO", False)
