"""Fresh planner statistics after a test filled tables in bulk (PostgreSQL).

A test's rows live in its transaction, where autovacuum never sees them: PostgreSQL plans their
queries on the statistics of empty tables, and may choose nested loops that take minutes over a
thousand rows (the portfolio's name search did). ANALYZE inside the transaction counts the rows
the transaction inserted, as autovacuum does for a real database after a mass insert."""

from __future__ import annotations

from django.db import connection


def analyze() -> None:
    """ANALYZE every table on PostgreSQL; nothing on SQLite (its planner keeps no statistics
    here)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
