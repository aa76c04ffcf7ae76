"""The demo of `make run` ends with the nightly arrears job: on a fixed day its active loans have
the days past due and buckets derived by hand, and the late one's alerts wait on the home pages."""

from __future__ import annotations

from datetime import date

import pytest

from microcredit.accounts.models import User
from microcredit.demo.loading import load_demo
from microcredit.loans.enums import LoanState
from microcredit.loans.models import Loan
from microcredit.servicing.models import Alert, ArrearsSnapshot
from tests.servicing.arrears_helpers import on

pytestmark = pytest.mark.django_db

DAY = date(2026, 12, 6)


def test_the_demo_day_has_its_arrears_and_the_late_loan_its_alerts(client) -> None:  # type: ignore[no-untyped-def]
    with on(DAY):
        load_demo()

    snapshots = {
        s.loan.dossier.applicant.last_name: s
        for s in ArrearsSnapshot.objects.filter(as_of=DAY).select_related(
            "loan__dossier__applicant"
        )
    }
    active = Loan.objects.filter(state=LoanState.ACTIVE)
    assert set(snapshots) == {loan.dossier.applicant.last_name for loan in active}
    # Sandrine Faure: decided on 7 May, cheque on the working day 17 days later (Sunday 24 May,
    # so Monday 25 May); three months of interest only (25 June, July, August), installments
    # from 25 September; nothing paid from 1 October: overdue since 25 October, 31 days of
    # October-November + 11 = 42 days, 30+.
    faure = snapshots["Faure"]
    assert faure.loan.disbursement_date == date(2026, 5, 25)
    assert (faure.days_past_due, faure.bucket) == (42, "30+")
    assert faure.next_due_date == date(2026, 12, 25)
    # Georges Lambert pays every installment on its due date.
    assert (snapshots["Lambert"].days_past_due, snapshots["Lambert"].bucket) == (0, "current")

    alerts = set(Alert.objects.values_list("loan__dossier__applicant__last_name", "kind", "key"))
    assert alerts == {
        ("Faure", "missed_installment", "2026-10-25"),
        ("Faure", "bucket_entered", "30+"),
    }
    recipients = set(Alert.objects.values_list("recipient__username", flat=True))
    assert recipients == {"referent", "banque"}
    for username in ("referent", "banque"):
        client.force_login(User.objects.get(username=username))
        body = client.get("/").content.decode()
        assert "Première échéance impayée" in body and faure.loan.dossier.number in body

    # Loading again the same day rewrites the same snapshots and raises nothing more.
    with on(DAY):
        load_demo()
    assert Alert.objects.count() == 4
    assert ArrearsSnapshot.objects.filter(as_of=DAY).count() == len(snapshots)
