"""Settings of the reporting benchmark: the development settings as production runs them
(DEBUG off, so that nothing keeps the queries' text), the test client's host allowed, production's
task backend (the arrears job queues its letters for the worker) and e-mails kept in memory."""

from config.settings.dev import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]  # noqa: F405
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
