"""The nightly job carries yesterday's snapshot forward when only time passed, and gets exactly
what computing every loan again gives."""

from __future__ import annotations

from datetime import date

import pytest

from microcredit.accounts.enums import Role
from microcredit.loans.models import Loan
from microcredit.servicing.models import ArrearsSnapshot
from microcredit.servicing.rules.arrears import LoanArrears
from microcredit.servicing.selectors.arrears_batch import unchanged_since
from microcredit.servicing.services.arrears import arrears_run
from tests.servicing.arrears_helpers import FEB, MAR, on, pay, reference_loan

pytestmark = pytest.mark.django_db


@pytest.fixture
def referent(make_user):  # type: ignore[no-untyped-def]
    return make_user(Role.REFERENT)


@pytest.fixture
def adviser(make_user):  # type: ignore[no-untyped-def]
    return make_user(Role.BANK_ADVISER, username="conseiller")


# Every column of a snapshot but its id and its stamp.
COLUMNS = [
    "loan_id",
    "as_of",
    "days_past_due",
    "bucket",
    "overdue_amount",
    "overdue_interest",
    "overdue_principal",
    "outstanding_principal",
    "installment",
    "next_due_date",
]


def _figures(results: tuple[LoanArrears, ...]) -> dict[int, tuple[object, ...]]:
    return {
        r.loan_id: (r.state, r.installment, r.next_due_date, r.missed_due_date) for r in results
    }


def _incremental_then_full(day: date) -> dict[int, tuple[object, ...]]:
    """The job's incremental run of `day`, checked against a full computation of the same day
    (which rewrites the same snapshots)."""
    with on(day, hour=2):
        incremental = _figures(arrears_run(as_of=day).results)
        stored = set(ArrearsSnapshot.objects.filter(as_of=day).values_list(*COLUMNS))
        full = _figures(arrears_run(as_of=day, incremental=False).results)
    assert incremental == full
    assert stored == set(ArrearsSnapshot.objects.filter(as_of=day).values_list(*COLUMNS))
    return incremental


def test_carrying_forward_gives_what_the_engine_gives(referent, adviser) -> None:  # type: ignore[no-untyped-def]
    loans: dict[str, Loan] = {
        name: reference_loan(referent=referent, adviser=adviser)
        for name in ["nothing", "on-time", "feb-only", "late-payer"]
    }
    pay(loans["on-time"], adviser, FEB)
    pay(loans["feb-only"], adviser, FEB)

    # 10 March, then 14 March: no installment fell due in between, nothing was paid.
    _incremental_then_full(date(2026, 3, 10))
    ids = [loan.pk for loan in loans.values()]
    assert set(unchanged_since(ids, date(2026, 3, 10), date(2026, 3, 14))) == set(ids)
    figures = _incremental_then_full(date(2026, 3, 14))
    # Nothing paid since 15 February: 28 − 15 + 14 = 27 days late on 14 March.
    assert figures[loans["nothing"].pk][0].days_past_due == 27  # type: ignore[attr-defined]

    # 15 March falls due between 14 and 16 March: every loan is computed again.
    assert unchanged_since(ids, date(2026, 3, 14), date(2026, 3, 16)) == {}
    figures = _incremental_then_full(date(2026, 3, 16))
    assert figures[loans["nothing"].pk][0].days_past_due == 29  # type: ignore[attr-defined]
    assert figures[loans["feb-only"].pk][0].days_past_due == 1  # type: ignore[attr-defined]

    # 17 March: the nothing loan reaches 30 days (the 30+ bucket) by time passing only.
    figures = _incremental_then_full(date(2026, 3, 17))
    assert figures[loans["nothing"].pk][0].bucket == "30+"  # type: ignore[attr-defined]

    # The late payer pays February on 18 March (recorded that day): it alone is computed again.
    pay(loans["late-payer"], adviser, date(2026, 3, 18))
    # The on-time loan's March installment, paid on 15 March, reaches the bank's file late.
    pay(loans["on-time"], adviser, MAR, recorded_on=date(2026, 3, 19))
    changed = set(ids) - set(unchanged_since(ids, date(2026, 3, 17), date(2026, 3, 20)))
    assert changed == {loans["late-payer"].pk, loans["on-time"].pk}
    figures = _incremental_then_full(date(2026, 3, 20))
    # February paid, March (15 March) not: 5 days late.
    assert figures[loans["late-payer"].pk][0].days_past_due == 5  # type: ignore[attr-defined]
    assert figures[loans["on-time"].pk][0].days_past_due == 0  # type: ignore[attr-defined]


def test_a_repayment_dated_back_but_recorded_after_the_snapshot_is_seen(referent, adviser) -> None:  # type: ignore[no-untyped-def]
    loan = reference_loan(referent=referent, adviser=adviser)
    with on(date(2026, 3, 10), hour=2):
        arrears_run(as_of=date(2026, 3, 10))
    # Recorded on 12 March, dated 15 February (before the last run's date).
    pay(loan, adviser, FEB, recorded_on=date(2026, 3, 12))
    assert unchanged_since([loan.pk], date(2026, 3, 10), date(2026, 3, 13)) == {}
    figures = _incremental_then_full(date(2026, 3, 13))
    assert figures[loan.pk][0].days_past_due == 0  # type: ignore[attr-defined]
