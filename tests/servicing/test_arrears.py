"""The nightly arrears job: days past due, buckets, snapshots, PAR30, idempotence, batches."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from microcredit.accounts.enums import Role
from microcredit.loans.enums import LoanState
from microcredit.loans.models import Loan
from microcredit.programmes.models import ProgrammeVersion
from microcredit.servicing.models import Alert, ArrearsSnapshot
from microcredit.servicing.services.arrears import arrears_run
from tests.servicing.arrears_helpers import (
    APR,
    BALANCE_1,
    BALANCE_2,
    BALANCE_3,
    FEB,
    INSTALLMENT,
    MAR,
    MAY,
    pay,
    quick_loan,
    reference_loan,
)

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 4, 20)


@pytest.fixture
def referent(make_user):  # type: ignore[no-untyped-def]
    return make_user(Role.REFERENT)


@pytest.fixture
def adviser(make_user):  # type: ignore[no-untyped-def]
    return make_user(Role.BANK_ADVISER, username="conseiller")


@pytest.fixture
def four_loans(referent, adviser) -> dict[str, Loan]:  # type: ignore[no-untyped-def]
    """Four reference loans: one pays nothing, one pays every installment on its due date, one
    pays February only, one February and March."""
    loans = {
        name: reference_loan(referent=referent, adviser=adviser)
        for name in ["nothing", "all", "feb", "feb-mar"]
    }
    pay(loans["all"], adviser, FEB, MAR, APR)
    pay(loans["feb"], adviser, FEB)
    pay(loans["feb-mar"], adviser, FEB, MAR)
    return loans


def test_on_a_fixed_date_each_loan_has_its_days_past_due_bucket_and_amounts(four_loans) -> None:  # type: ignore[no-untyped-def]
    run = arrears_run(as_of=AS_OF)

    by_loan = {r.loan_id: r for r in run.results}
    nothing, everything = by_loan[four_loans["nothing"].pk], by_loan[four_loans["all"].pk]
    feb, feb_mar = by_loan[four_loans["feb"].pk], by_loan[four_loans["feb-mar"].pk]
    # Nothing paid: overdue since 15 February, 28 days of February + 31 of March + 5 = 64 days.
    assert (nothing.days_past_due, nothing.bucket) == (64, "60+")
    assert nothing.overdue_amount == 3 * INSTALLMENT == Decimal("152.76")
    assert nothing.outstanding_principal == Decimal("1200.00")
    assert nothing.missed_due_date == FEB
    # Every installment paid on its due date: on time, the next one due on 15 May.
    assert (everything.days_past_due, everything.bucket) == (0, "current")
    assert everything.overdue_amount == 0 and everything.outstanding_principal == BALANCE_3
    assert everything.next_due_date == MAY and everything.missed_due_date is None
    # February paid: overdue since 15 March, 31 + 5 = 36 days.
    assert (feb.days_past_due, feb.bucket) == (36, "30+")
    assert feb.overdue_amount == 2 * INSTALLMENT and feb.outstanding_principal == BALANCE_1
    # February and March paid: 5 days late on the April installment.
    assert (feb_mar.days_past_due, feb_mar.bucket) == (5, "late")
    assert feb_mar.overdue_amount == INSTALLMENT and feb_mar.outstanding_principal == BALANCE_2
    # The next due date is the first row due on or after the date not fully paid.
    assert nothing.next_due_date == feb.next_due_date == feb_mar.next_due_date == MAY
    assert {r.installment for r in run.results} == {INSTALLMENT}
    # PAR30: (1200.00 + 1150.83) / (1200.00 + 1052.28 + 1150.83 + 1101.59)
    # = 2350.83 / 4504.70 = 0.52186… → 0.5219.
    assert run.par30 == Decimal("0.5219")
    assert run.loans == run.snapshots_written == 4

    snapshot = ArrearsSnapshot.objects.get(loan=four_loans["feb"], as_of=AS_OF)
    assert (snapshot.days_past_due, snapshot.bucket) == (36, "30+")
    assert snapshot.overdue_amount == Decimal("101.84")
    assert snapshot.outstanding_principal == BALANCE_1
    assert snapshot.installment == INSTALLMENT and snapshot.next_due_date == MAY


def test_running_twice_keeps_one_snapshot_per_loan_and_day_and_rewrites_it(
    four_loans, adviser
) -> None:  # type: ignore[no-untyped-def]
    first = arrears_run(as_of=AS_OF)
    assert first.alerts_raised > 0
    second = arrears_run(as_of=AS_OF)

    assert second.alerts_raised == 0
    assert ArrearsSnapshot.objects.filter(as_of=AS_OF).count() == 4
    assert Alert.objects.count() == first.alerts_raised
    # The borrower who paid February pays March late, on the 20th: the same date computed again
    # rewrites the day's row (now 5 days late on April, 'late').
    pay(four_loans["feb"], adviser, AS_OF)
    arrears_run(as_of=AS_OF)
    snapshot = ArrearsSnapshot.objects.get(loan=four_loans["feb"], as_of=AS_OF)
    assert (snapshot.days_past_due, snapshot.bucket) == (5, "late")
    assert ArrearsSnapshot.objects.filter(as_of=AS_OF).count() == 4
    # Another day adds its own rows; the first day's stay as they were.
    arrears_run(as_of=date(2026, 4, 21))
    assert ArrearsSnapshot.objects.count() == 8


def test_only_active_loans_disbursed_by_the_date_are_computed(referent, adviser) -> None:  # type: ignore[no-untyped-def]
    active, repaid = (reference_loan(referent=referent, adviser=adviser) for _ in range(2))
    Loan.objects.filter(pk=repaid.pk).update(state=LoanState.REPAID)

    assert arrears_run(as_of=date(2026, 1, 14)).loans == 0  # before the disbursement
    run = arrears_run(as_of=date(2026, 1, 15))
    assert [r.loan_id for r in run.results] == [active.pk]
    assert (run.results[0].days_past_due, run.results[0].bucket) == (0, "current")
    assert run.par30 == Decimal("0.0000")


def test_buckets_are_those_of_the_programme_version_in_force_on_the_date(referent, adviser) -> None:  # type: ignore[no-untyped-def]
    loan = reference_loan(referent=referent, adviser=adviser)
    in_force = ProgrammeVersion.objects.filter(
        programme=loan.dossier.programme, valid_from__lte=AS_OF
    ).latest("valid_from")
    assert in_force.arrears_buckets == [1, 30, 60, 90]
    assert arrears_run(as_of=AS_OF).results[0].bucket == "60+"  # 64 days

    # From 20 April the scheme counts 1, 15, 45 and 75 days.
    in_force.pk = None
    in_force.number += 1
    in_force.valid_from = AS_OF
    in_force.arrears_buckets = [1, 15, 45, 75]
    in_force.save()
    assert arrears_run(as_of=date(2026, 4, 19)).results[0].bucket == "60+"  # 63 days
    assert arrears_run(as_of=AS_OF).results[0].bucket == "45+"  # 64 days


# 5 days after the first due date, nothing paid: every loan is 'late' and raises its
# missed-installment alert to two people.
LATE = date(2026, 2, 20)


def _queries(batch_size: int = 1000) -> int:
    with CaptureQueriesContext(connection) as captured:
        arrears_run(as_of=LATE, batch_size=batch_size)
    return len(captured.captured_queries)


def test_the_query_count_of_a_batch_does_not_grow_with_its_loans(referent, adviser) -> None:  # type: ignore[no-untyped-def]
    """3 loans or 30 in a batch: the same queries (SQLite would split an INSERT above 999
    parameters, PostgreSQL never: 30 loans stay below it here, 60 alerts of 12 columns)."""
    for _ in range(3):
        quick_loan(referent=referent, adviser=adviser)
    with_three = _queries()
    assert Alert.objects.count() == 3 * 2
    for _ in range(27):
        quick_loan(referent=referent, adviser=adviser)
    Alert.objects.all().delete()  # the same work again: every loan raises its alert

    assert _queries() == with_three
    assert ArrearsSnapshot.objects.filter(as_of=LATE).count() == 30
    assert Alert.objects.count() == 30 * 2
    # In batches of 10: three batches of the same queries, and one read that finds no more
    # (the scheme's buckets are read by the first batch only).
    Alert.objects.all().delete()
    by_ten = _queries(batch_size=10)
    assert 2 * with_three < by_ten <= 3 * with_three


def test_batches_cover_every_loan_once(referent, adviser) -> None:  # type: ignore[no-untyped-def]
    loans = [quick_loan(referent=referent, adviser=adviser) for _ in range(7)]
    run = arrears_run(as_of=AS_OF, batch_size=3)

    assert sorted(r.loan_id for r in run.results) == sorted(loan.pk for loan in loans)
    assert run.snapshots_written == 7
    with pytest.raises(ValueError):
        arrears_run(as_of=AS_OF, batch_size=0)
