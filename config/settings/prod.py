"""Production settings: every secret and host comes from the environment."""

import os
from pathlib import Path

from microcredit.core.logging import logging_config, sentry_init

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = os.environ["SECRET_KEY"]
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "1") == "1"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True

# Staff and bank users must use two-factor authentication in production.
OTP_REQUIRED_FOR_STAFF = os.environ.get("OTP_REQUIRED_FOR_STAFF", "1") == "1"

# Real e-mail through the SMTP server given by the environment.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "0") == "1"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "micro-credit@ccas.invalid")
SITE_URL = os.environ.get(
    "SITE_URL", "https://" + (ALLOWED_HOSTS[0] if ALLOWED_HOSTS else "localhost")
)

# Background tasks are stored in the database and run by `microcredit db_worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Static files: `microcredit collectstatic` writes them here, WhiteNoise serves them.
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")  # noqa: F405

# Logs: JSON lines on the standard error (journald, docker logs), each with the request's id (the
# proxy's X-Request-ID, else a new one) and the user's id; MICROCREDIT_LOG_FORMAT=text for
# humans. Sentry when SENTRY_DSN is set, without personal data (microcredit/core/logging.py).
MIDDLEWARE = ["microcredit.core.logging.RequestContextMiddleware", *MIDDLEWARE]  # noqa: F405
LOGGING = logging_config(
    os.environ.get("MICROCREDIT_LOG_FORMAT", "json"),
    os.environ.get("MICROCREDIT_LOG_LEVEL", "INFO"),
)
SENTRY_ENABLED = sentry_init(
    os.environ.get("SENTRY_DSN", ""),
    environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
    release=os.environ.get("SENTRY_RELEASE"),
)
