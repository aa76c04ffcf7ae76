"""PostgreSQL's planner settings for the application's connections (config.settings): JIT off,
random_page_cost for SSD storage.

Run for real with: scripts/with-postgres .venv/bin/pytest tests/core/test_postgres_settings.py
"""

from __future__ import annotations

import pytest
from django.db import connection

from config.settings.base import with_planner_settings

POSTGRES = "django.db.backends.postgresql"
DEFAULTS = "-c jit=off -c random_page_cost=1.1"


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's (DATABASE_URL)")
@pytest.mark.django_db
def test_the_planner_settings_hold_on_the_connection() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
        cursor.execute("SHOW random_page_cost")
        assert cursor.fetchone()[0] == "1.1"


def test_the_planner_settings_merge_with_the_options_already_given() -> None:
    database = {"ENGINE": POSTGRES, "NAME": "m", "OPTIONS": {"sslmode": "require"}}
    assert with_planner_settings(database)["OPTIONS"] == {"sslmode": "require", "options": DEFAULTS}
    assert database["OPTIONS"] == {"sslmode": "require"}  # the given entry is left as it was
    other = {"ENGINE": POSTGRES, "OPTIONS": {"options": "-c statement_timeout=5000"}}
    assert (
        with_planner_settings(other)["OPTIONS"]["options"]
        == f"-c statement_timeout=5000 {DEFAULTS}"
    )
    chosen = {"ENGINE": POSTGRES, "OPTIONS": {"options": "-c jit=on -c random_page_cost=4"}}
    # An explicit choice stays.
    assert with_planner_settings(chosen)["OPTIONS"]["options"] == "-c jit=on -c random_page_cost=4"


def test_other_engines_are_left_alone() -> None:
    sqlite = {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}
    assert with_planner_settings(sqlite) == sqlite
    assert "OPTIONS" not in with_planner_settings(sqlite)
