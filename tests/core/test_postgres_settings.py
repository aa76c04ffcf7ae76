"""PostgreSQL's JIT compilation is off for the application's connections (config.settings).

Run for real with: scripts/with-postgres .venv/bin/pytest tests/core/test_postgres_settings.py
"""

from __future__ import annotations

import pytest
from django.db import connection

from config.settings.base import without_jit

POSTGRES = "django.db.backends.postgresql"


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="JIT is PostgreSQL's (DATABASE_URL)")
@pytest.mark.django_db
def test_jit_is_off_on_the_connection() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_jit_off_merges_with_the_options_already_given() -> None:
    database = {"ENGINE": POSTGRES, "NAME": "m", "OPTIONS": {"sslmode": "require"}}
    assert without_jit(database)["OPTIONS"] == {"sslmode": "require", "options": "-c jit=off"}
    assert database["OPTIONS"] == {"sslmode": "require"}  # the given entry is left as it was
    other = {"ENGINE": POSTGRES, "OPTIONS": {"options": "-c statement_timeout=5000"}}
    assert without_jit(other)["OPTIONS"]["options"] == "-c statement_timeout=5000 -c jit=off"
    chosen = {"ENGINE": POSTGRES, "OPTIONS": {"options": "-c jit=on"}}
    assert without_jit(chosen)["OPTIONS"]["options"] == "-c jit=on"  # an explicit choice stays


def test_other_engines_are_left_alone() -> None:
    sqlite = {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}
    assert without_jit(sqlite) == sqlite
    assert "OPTIONS" not in without_jit(sqlite)
