"""Settings of the load benchmark (bench/load/run.py): production's settings
(``config.settings.prod``: DEBUG off, WhiteNoise serving the collected static files, the
database-backed task queue, JSON logs, two-factor authentication required for staff) reached in
plain HTTP on the loopback address, without the reverse proxy that terminates HTTPS in production.

Only what plain HTTP needs changes: no redirection to HTTPS, no HSTS header, and the session and
CSRF cookies are not marked ``Secure`` (a client does not send a ``Secure`` cookie over HTTP).
E-mails are kept in memory (no SMTP server). The environment production requires gets defaults
here for a run by hand; ``run.py`` sets every one of them itself (a fresh SECRET_KEY each run,
``ALLOWED_HOSTS=127.0.0.1``, ``STATIC_ROOT`` in a temporary folder).
"""

import os

os.environ.setdefault("SECRET_KEY", "bench-load-not-a-secret-" + "x" * 40)
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")
os.environ.setdefault("SITE_URL", "http://127.0.0.1:8000")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

from config.settings.prod import *  # noqa: F403

SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
