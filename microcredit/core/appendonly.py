"""Audit rows, access-log rows and dossier events are append-only in the database.

On PostgreSQL, triggers (core migration) refuse any UPDATE or DELETE of those rows. The one
documented exception is the retention job's anonymisation of personal fields: it runs inside
`personal_data_anonymisation()`, which sets the transaction-local setting the triggers read.
SQLite has no such triggers; the context manager is then only a transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction

# The transaction-local PostgreSQL setting the triggers read (`current_setting(..., true)`).
ANONYMISATION_SETTING = "microcredit.anonymisation"


@contextmanager
def personal_data_anonymisation() -> Iterator[None]:
    """A transaction in which the append-only tables' personal fields may be rewritten (the
    retention job's anonymisation, nothing else)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, 'on', true)", [ANONYMISATION_SETTING])
        yield
