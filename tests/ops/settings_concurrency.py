"""Settings of the server that tests/ops/test_concurrency.py starts: the test settings (the
database from DATABASE_URL, set up by config/settings/sqlite.py), with production's task queue
(django_tasks_db): a request enqueues its letters as rows, as in production, and does not render
their PDFs while it holds the write lock."""

from config.settings.test import *  # noqa: F403

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
