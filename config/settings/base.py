"""Settings shared by every environment. Environment-specific values live in dev/test/prod."""

import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from config.settings.sqlite import for_concurrent_writes
from microcredit.accounts.client_ip import parse_trusted_proxies
from microcredit.core.logging import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

DEBUG = False
ALLOWED_HOSTS: list[str] = []

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "microcredit.core",
    "microcredit.accounts",
    "microcredit.organisations",
    "microcredit.programmes",
    "microcredit.simulator",
    "microcredit.applicants",
    "microcredit.dossiers",
    "microcredit.documents",
    "microcredit.followup",
    "microcredit.commissions",
    "microcredit.budgets",
    "microcredit.rights",
    "microcredit.banking",
    "microcredit.servicing",
    "microcredit.loans",
    "microcredit.letters",
    "microcredit.api",
    "microcredit.reporting",
    "microcredit.privacy",
    "microcredit.shell",
    "microcredit.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "microcredit.core.middleware.UploadNameMiddleware",
    # Cache-Control: no-store on every answer but static files, theme and logo (F5).
    "microcredit.core.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Pushes the idle expiry back once a minute, not on every request (one write less a page).
    "microcredit.accounts.middleware.SessionRefreshMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "microcredit.accounts.middleware.MembershipMiddleware",
    "microcredit.accounts.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "microcredit" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "microcredit.shell.context_processors.shell",
            ],
        },
    },
]


# PostgreSQL's planner settings for every connection of the application (docs/operations.md):
# - jit off: the application's queries are short OLTP ones and reporting aggregates, for which
#   JIT's compile time (about 0.5 s a heavy query) outweighs what it saves;
# - random_page_cost 1.1 instead of 4: the cost of reading a page out of order, which the default
#   sets for spinning disks. On SSD (or a database in memory), with 4 the planner prefers hashing
#   a whole table to probing an index a few hundred times (the bank adviser's plans to decide:
#   34 ms against 6 ms at 25,000 loans; docs/adr/0016-passage-a-l-echelle.md).
PLANNER_SETTINGS = {"jit": "off", "random_page_cost": "1.1"}


def with_planner_settings(database: Mapping[str, Any]) -> dict[str, Any]:
    """`database` (a DATABASES entry) with PLANNER_SETTINGS for every PostgreSQL connection,
    merged into its OPTIONS; a setting the entry gives already stays as given. Other engines
    are returned unchanged."""
    if "postgresql" not in str(database.get("ENGINE", "")):
        return dict(database)
    options = dict(database.get("OPTIONS") or {})
    server = str(options.get("options", ""))
    for name, value in PLANNER_SETTINGS.items():
        if f"{name}=" not in server:
            server = f"{server} -c {name}={value}".strip()
    options["options"] = server
    return {**database, "OPTIONS": options}


# The database comes from DATABASE_URL; without it, the embedded SQLite file under var/, set up
# for concurrent writes (WAL, busy timeout, immediate transactions: config/settings/sqlite.py).
DATABASES = {
    "default": with_planner_settings(
        for_concurrent_writes(
            dj_database_url.config(
                default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
                conn_max_age=60,
                conn_health_checks=True,
            )
        )
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "shell:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Idle session expiry: a session idle longer than SESSION_COOKIE_AGE ends. A request pushes the
# expiry back when the last push is SESSION_REFRESH_AFTER seconds old or more
# (accounts.middleware.SessionRefreshMiddleware), not on every request: a session so ends between
# 29 and 30 minutes after the last request, and the page's warning counts 29.
SESSION_COOKIE_AGE = int(timedelta(minutes=30).total_seconds())
SESSION_REFRESH_AFTER = 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# django-axes: lock the (username, IP address) pair out after five failures.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# The client's address behind a reverse proxy (F8, docs/adr/0011): X-Forwarded-For is read only
# from the trusted proxies. MICROCREDIT_TRUSTED_PROXIES: empty (default: no proxy, the header is
# ignored), a count ("1": exactly one proxy in front, the only way in) or addresses/networks
# ("10.0.0.2,10.0.1.0/24").
MICROCREDIT_TRUSTED_PROXIES = parse_trusted_proxies(
    os.environ.get("MICROCREDIT_TRUSTED_PROXIES", "")
)
AXES_CLIENT_IP_CALLABLE = "microcredit.accounts.client_ip.client_ip"

# The bank partner's API (F7, docs/adr/0011): a token expires this many days after its creation;
# each token may make this many calls (ninja's rate: "600/m", "10/s", "20000/d").
MICROCREDIT_API_TOKEN_LIFETIME_DAYS = int(
    os.environ.get("MICROCREDIT_API_TOKEN_LIFETIME_DAYS", "365")
)
MICROCREDIT_API_THROTTLE_RATE = os.environ.get("MICROCREDIT_API_THROTTLE_RATE", "600/m")
# #18: the first answer to a write sent with an Idempotency-Key is kept this many days (a replay
# within them gets it back); the bank's webhooks must be https unless this is set (tests, a
# receiver on the loopback).
MICROCREDIT_IDEMPOTENCY_DAYS = int(os.environ.get("MICROCREDIT_IDEMPOTENCY_DAYS", "30"))
MICROCREDIT_WEBHOOKS_ALLOW_HTTP = os.environ.get("MICROCREDIT_WEBHOOKS_ALLOW_HTTP", "") == "1"

# Two-factor authentication (TOTP). When True, staff and bank users must enrol and verify.
OTP_REQUIRED_FOR_STAFF = False
OTP_TOTP_ISSUER = "Micro-crédit CCAS"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("Anglais"))]
LOCALE_PATHS = [BASE_DIR / "microcredit" / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
# Project overrides of the locale formats (config/formats/<lang>/formats.py).
FORMAT_MODULE_PATH = ["config.formats"]
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Front-end libraries come from the npm registry (package-lock.json) and are served locally.
STATICFILES_DIRS = [
    BASE_DIR / "microcredit" / "static",
    ("vendor/pico", BASE_DIR / "node_modules" / "@picocss" / "pico" / "css"),
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
]


def uploads_storage(environ: Mapping[str, str]) -> dict[str, Any]:
    """The STORAGES["default"] entry of the uploads (documents, letters, minutes, logos), from
    the environment: MICROCREDIT_STORAGE=local (the disk, MEDIA_ROOT) or s3 (an S3-compatible
    store through django-storages, for several machines serving one CCAS). docs/backup.md.

    Private by construction: objects are written with a private ACL, never overwritten, and
    read only through the storage API by the views that check access; no public URL is used.
    """
    kind = environ.get("MICROCREDIT_STORAGE", "local").strip().lower() or "local"
    if kind == "local":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if kind != "s3":
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            f"MICROCREDIT_STORAGE vaut « {kind} » : les valeurs possibles sont local et s3."
        )
    bucket = environ.get("AWS_STORAGE_BUCKET_NAME", "").strip()
    if not bucket:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            "MICROCREDIT_STORAGE=s3 demande AWS_STORAGE_BUCKET_NAME (le nom du compartiment)."
        )
    endpoint = environ.get("AWS_S3_ENDPOINT_URL", "").strip() or None
    options: dict[str, Any] = {
        "bucket_name": bucket,
        "endpoint_url": endpoint,
        "region_name": environ.get("AWS_S3_REGION_NAME", "").strip() or None,
        "access_key": environ.get("AWS_ACCESS_KEY_ID") or None,
        "secret_key": environ.get("AWS_SECRET_ACCESS_KEY") or None,
        "location": environ.get("AWS_LOCATION", "").strip("/"),
        # "" sends no ACL header, for the stores whose buckets refuse ACLs (bucket policy only).
        "default_acl": environ.get("AWS_DEFAULT_ACL", "private") or None,
        "file_overwrite": False,
        # A URL is never handed out (the views stream the file); if one ever were, it is
        # signed and short-lived, never a public link to a personal file.
        "querystring_auth": True,
        "querystring_expire": 300,
        "signature_version": "s3v4",
        # S3-compatible servers (MinIO, Garage, Ceph...) answer on paths, not on sub-domains.
        "addressing_style": environ.get("AWS_S3_ADDRESSING_STYLE")
        or ("path" if endpoint else None),
    }
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


STORAGES = {
    "default": uploads_storage(os.environ),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Uploaded files (logos, dossier documents, letters, minutes) live outside the web root, served
# by views after the access check; on the local disk, under MEDIA_ROOT.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or VAR_DIR / "uploads")
MEDIA_URL = "/fichiers/"
# `microcredit backup`/`restore`: the folder of pg_dump/pg_restore when they are not on the PATH
# (else /usr/lib/postgresql/<version>/bin is searched).
BACKUP_PG_BIN_DIR = os.environ.get("MICROCREDIT_PG_BIN_DIR", "")

# Strict Content-Security-Policy: no inline script or style, nothing from another origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
        "manifest-src": [SELF],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# The address links in e-mails point to: the environment's SITE_URL (`make run PORT=…` passes
# http://127.0.0.1:<port>), else the development server's default address.
SITE_URL = os.environ.get("SITE_URL") or "http://127.0.0.1:8000"

# Background tasks (django-tasks): run immediately here; production uses the database backend and
# its worker (`microcredit db_worker`), see config/settings/prod.py.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# Dossier documents: PDF, JPEG or PNG, at most this many bytes each.
DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_FROM_EMAIL = "micro-credit@ccas.invalid"

# The organisation shown on public pages (simulator, login) when several are hosted.
DEFAULT_ORGANISATION_SLUG = "ccas-saint-etienne"

# Logs on the standard error, with each request's id and user id, never personal data
# (microcredit/core/logging.py): text here, JSON lines in production (config/settings/prod.py).
LOGGING = logging_config(
    os.environ.get("MICROCREDIT_LOG_FORMAT", "text"),
    os.environ.get("MICROCREDIT_LOG_LEVEL", "WARNING"),
)
# /healthz answers « degraded » when a background task has waited longer than this, ready and
# not started (the worker `microcredit db_worker` is down or overwhelmed): docs/operations.md.
TASK_QUEUE_STALE_AFTER = timedelta(
    minutes=int(os.environ.get("MICROCREDIT_TASK_QUEUE_STALE_MINUTES", "15"))
)
