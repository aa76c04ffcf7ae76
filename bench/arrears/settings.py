"""Settings of the arrears benchmark: the development settings with production's task backend
(letters are queued in the database for the worker, as in production, not written inline) and
e-mails kept in memory (the SMTP round trip is the mail server's time, not the job's)."""

from config.settings.dev import *  # noqa: F403

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
