"""The portfolio's summary (PAR30, counts per bucket) is computed once per state of the nightly
job's figures and kept for SUMMARY_TTL_SECONDS (#19): the next view reads it from the cache, a new
snapshot of the day or a new loan recomputes it at once, and another membership never reads it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership
from microcredit.servicing.selectors.portfolio import portfolio_summary
from tests.factories import make_loan
from tests.servicing.test_portfolio import D, snapshot

pytestmark = pytest.mark.django_db


def test_the_summary_is_read_from_the_cache_until_the_figures_change(
    make_user, count_queries
) -> None:  # type: ignore[no-untyped-def]
    referent = make_user(Role.REFERENT)
    adviser = make_user(Role.BANK_ADVISER, username="conseiller")
    membership = Membership.objects.get(user=adviser)
    first = make_loan(created_by=referent, adviser=adviser)
    snapshot(first, days=0, bucket="current", outstanding="1000.00")

    cold = count_queries(lambda: portfolio_summary(adviser, membership))
    warm = count_queries(lambda: portfolio_summary(adviser, membership))
    assert warm == cold - 1  # the grouping of every visible loan is not made again
    assert portfolio_summary(adviser, membership).outstanding == Decimal("1000.00")

    # A snapshot added to the day (the job's next loan): recomputed at once.
    second = make_loan(created_by=referent, adviser=adviser)
    snapshot(second, days=40, bucket="30+", outstanding="500.00")
    summary = portfolio_summary(adviser, membership)
    assert summary.outstanding == Decimal("1500.00")
    assert summary.at_risk == Decimal("500.00")
    assert summary.as_of == D

    # A loan disbursed since (no snapshot yet): counted as not computed, at once.
    make_loan(created_by=referent, adviser=adviser)
    assert portfolio_summary(adviser, membership).uncomputed == 1

    # Another membership (the référent's CCAS) has its own entry.
    other = Membership.objects.get(user=referent)
    assert count_queries(lambda: portfolio_summary(referent, other)) == cold
