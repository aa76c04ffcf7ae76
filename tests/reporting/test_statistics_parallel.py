"""The bilan's funnel pass on a second connection (PostgreSQL, outside a transaction): the same
figures as in turn, all read in one snapshot (reporting.selectors._funnel_pass)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from microcredit.organisations.models import Organisation
from microcredit.reporting.selectors import bilan
from tests.reporting.test_statistics import PERIOD, build

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="a second connection: PostgreSQL (DATABASE_URL)"
    ),
    # Committed rows: a second connection sees them (inside a transaction the pass runs in turn).
    pytest.mark.django_db(transaction=True),
]


def test_the_funnel_pass_aside_gives_the_figures_of_the_pass_in_turn(make_user) -> None:  # type: ignore[no-untyped-def]
    saint_etienne = Organisation.objects.get(slug="ccas-saint-etienne")
    bank = Organisation.objects.get(slug="parcours-confiance")
    with transaction.atomic():  # the builder re-dates the events it writes: one transaction
        build(saint_etienne, bank, make_user)

    with CaptureQueriesContext(connection) as aside:
        parallel = bilan(organisation_ids=[saint_etienne.pk], period=PERIOD)
    with transaction.atomic(), CaptureQueriesContext(connection) as in_turn:
        sequential = bilan(organisation_ids=[saint_etienne.pk], period=PERIOD)

    assert parallel == sequential
    assert parallel.received > 0 and parallel.funnel[-1].count > 0
    # Aside: this connection exported its snapshot and did not run the pass itself.
    sql = [q["sql"] for q in aside.captured_queries]
    assert any("pg_export_snapshot" in s for s in sql)
    assert not any(s.startswith("WITH days") for s in sql)
    assert any(q["sql"].startswith("WITH days") for q in in_turn.captured_queries)
