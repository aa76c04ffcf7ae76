"""SQLite, the embedded default, set up for concurrent writes (issue #17, F2).

Not a settings module: a helper of base.py and test.py. The reasons and the measures:
docs/adr/0013-sqlite-ecritures-concurrentes.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# How long a connection waits for the write lock before « database is locked », in seconds.
BUSY_TIMEOUT_SECONDS = 20

# Run on every new connection (Django splits on « ; »). WAL: readers never block the writer and
# the writer never blocks readers; synchronous=NORMAL is WAL's safe setting (a power cut may lose
# the last commits, never corrupt the file).
INIT_COMMAND = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL"

CONCURRENT_WRITES_OPTIONS: dict[str, Any] = {
    "init_command": INIT_COMMAND,
    "timeout": BUSY_TIMEOUT_SECONDS,
    # Every transaction (atomic block) takes the write lock at BEGIN, waiting up to the busy
    # timeout: a transaction that read first can no longer fail when it then writes.
    "transaction_mode": "IMMEDIATE",
}


def for_concurrent_writes(database: Mapping[str, Any]) -> dict[str, Any]:
    """`database` (a DATABASES entry) with SQLite's options for concurrent writes merged into its
    OPTIONS (WAL, synchronous=NORMAL, a busy timeout, immediate transactions); an option already
    given stays as it is. Other engines, and SQLite in memory, are returned unchanged."""
    if "sqlite3" not in str(database.get("ENGINE", "")):
        return dict(database)
    if str(database.get("NAME", "")) in {"", ":memory:"}:
        return dict(database)
    options = {**CONCURRENT_WRITES_OPTIONS, **dict(database.get("OPTIONS") or {})}
    return {**database, "OPTIONS": options}
