"""The loan's position for the bank's reconciliation (#18): the repayments read back page by
page, the position at a date, the schedule lines' stable identity, `updated_since` on the list.

The loan: 1 200 € over 24 months at 1.75 %, disbursed on 10/03/2027, due dates on the 10th. The
figures are derived here from LOAN_CONVENTIONS, not read from the engine: a period's interest is
balance × 1.75 % / 12 rounded half-up once; installment A = 50.92 (tests/loans/test_payoff.py).
- 10/04: interest 1 200 × 1.75 % / 12 = 1.75, principal 50.92 − 1.75 = 49.17, balance 1 150.83;
- 10/05: interest 1 150.83 × 1.75 % / 12 = 1.6783… → 1.68, principal 49.24, balance 1 101.59;
- 10/06: interest 1 101.59 × 1.75 % / 12 = 1.6064… → 1.61, principal 49.31.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from microcredit.accounts.models import User
from microcredit.core.formatting import format_eur
from microcredit.core.models import AccessLog
from microcredit.loans import services
from microcredit.loans.models import Loan
from microcredit.loans.services import RepaymentLine
from tests.api.helpers import assert_error
from tests.factories import make_granted_dossier, make_loan, membership_of

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
D = Decimal
DISBURSED = date(2027, 3, 10)


@contextmanager
def on(day: date, hour: int = 10) -> Iterator[None]:
    with time_machine.travel(datetime.combine(day, time(hour, 0), tzinfo=PARIS), tick=False):
        yield


@pytest.fixture
def loan(referent: User, adviser: User) -> Loan:
    with on(DISBURSED):
        return make_loan(created_by=referent, adviser=adviser)  # type: ignore[no-any-return]


def repay(
    adviser: User,
    loan: Loan,
    *lines: tuple[str, date, str],
    early: str = "",
    today: date,
) -> None:
    """Record repayments through the service (as the API's batch does), on `today`."""
    with on(today):
        services.repayments_record_batch(
            actor=adviser,
            membership=membership_of(adviser),
            lines=[
                RepaymentLine(
                    ref, loan.dossier.number, day, D(amount), bool(early), early or "installment"
                )
                for ref, day, amount in lines
            ],
            today=today,
            via="api",
        )


def url(loan: Loan, what: str) -> str:
    return f"/api/v1/dossiers/{loan.dossier.number}/{what}"


# ------------------------------------------------------------------------------- repayments
def test_the_repayments_read_back_by_pages_in_date_order_and_logged(
    api, loan: Loan, adviser: User
) -> None:  # type: ignore[no-untyped-def]
    repay(
        adviser,
        loan,
        ("VIR-3", date(2027, 6, 10), "50.92"),
        ("VIR-1", date(2027, 4, 10), "50.92"),
        ("VIR-2", date(2027, 5, 12), "20.00"),
        today=date(2027, 6, 15),
    )
    with on(date(2027, 6, 15)):
        first = api.get(url(loan, "repayments"), page_size=2)
        second = api.get(url(loan, "repayments"), page_size=2, page=2)
    assert first.status_code == 200, first.content
    body = first.json()
    assert (body["count"], body["page"], body["pages"], body["page_size"]) == (3, 1, 2, 2)
    assert [i["reference"] for i in body["items"]] == ["VIR-1", "VIR-2"]
    assert body["items"][0] == {
        "reference": "VIR-1",
        "date": "2027-04-10",
        "amount": "50.92",
        "early_repayment": False,
        "early_repayment_keep": None,
        "recorded_at": body["items"][0]["recorded_at"],
        "via": "api",
    }
    assert body["items"][1]["amount"] == "20.00"
    assert datetime.fromisoformat(body["items"][0]["recorded_at"]).date() == date(2027, 6, 15)
    assert [i["reference"] for i in second.json()["items"]] == ["VIR-3"]
    logs = AccessLog.objects.filter(action="api_dossier_schedule").order_by("id")
    assert [(log.object_id, log.detail) for log in logs] == [
        (str(loan.dossier.pk), "remboursements, page 1"),
        (str(loan.dossier.pk), "remboursements, page 2"),
    ]


def test_the_repayments_list_costs_the_same_queries_for_2_or_20(
    api, loan: Loan, adviser: User
) -> None:  # type: ignore[no-untyped-def]
    counts = []
    for first, size in ((0, 2), (2, 20)):
        repay(
            adviser,
            loan,
            *[(f"R-{i}", date(2027, 4, 10), "1.00") for i in range(first, size)],
            today=date(2027, 4, 20),
        )
        with on(date(2027, 4, 20)):
            api.get(url(loan, "repayments"))  # the token's last use is written once a minute
            with CaptureQueriesContext(connection) as queries:
                body = api.get(url(loan, "repayments")).json()
        assert body["count"] == size
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --------------------------------------------------------------------------------- position
def test_a_late_installment_position_to_the_cent(api, loan: Loan, adviser: User) -> None:  # type: ignore[no-untyped-def]
    # The 10/04 installment paid on time; nothing on 10/05: 22 days late on 01/06.
    repay(adviser, loan, ("VIR-1", date(2027, 4, 10), "50.92"), today=date(2027, 6, 20))
    with on(date(2027, 6, 20)):
        response = api.get(url(loan, "position"), as_of="2027-06-01")
        later = api.get(url(loan, "position"), as_of="2027-06-15").json()
    assert response.status_code == 200, response.content
    assert response.json() == {
        "number": loan.dossier.number,
        "loan_id": loan.pk,
        "as_of": "2027-06-01",
        "loan_state": "active",
        "schedule_version": 1,
        "principal": "1200.00",
        "total_paid": "50.92",
        "paid_principal": "49.17",
        "paid_interest": "1.75",
        "outstanding_principal": "1150.83",
        "overdue_amount": "50.92",
        "overdue_principal": "49.24",
        "overdue_interest": "1.68",
        "days_past_due": 22,
        "bucket": "late",
        "bucket_label": "en retard",
        "credit": "0.00",
        "pending_early_repayment": "0.00",
        "excess": "0.00",
        "fully_repaid": False,
        "next_installment": {
            "line_id": "installment-2027-06-10",
            "due_date": "2027-06-10",
            "kind": "installment",
            "amount": "50.92",
            "remaining": "50.92",
        },
    }
    # On 15/06 the 10/06 one is late too: 36 days since 10/05, two installments unpaid.
    assert (later["days_past_due"], later["bucket"], later["bucket_label"]) == (
        36,
        "30+",
        "30 jours et plus",
    )
    assert (later["overdue_amount"], later["overdue_interest"]) == ("101.84", "3.29")
    assert later["next_installment"]["line_id"] == "installment-2027-07-10"
    log = AccessLog.objects.filter(action="api_dossier_schedule").order_by("id").first()
    assert log is not None and log.detail == "situation au 2027-06-01"


def test_after_an_early_repayment_the_position_and_the_line_ids(
    api, loan: Loan, adviser: User
) -> None:  # type: ignore[no-untyped-def]
    with on(date(2027, 3, 14)):
        before = api.get(url(loan, "schedule")).json()
    # 600 € early on 15/03, keeping the installment (tests/loans/test_early_repayment.py): 0.28
    # accrued (1.75 × 5 / 31), 599.72 principal, balance 600.28; the 10/04 installment then
    # covers 26 days: 600.28 × 1.75 % / 12 × 26 / 31 = 0.7342… → 0.73, principal 50.19,
    # balance 550.09; the next, 10/05: 550.09 × 1.75 % / 12 = 0.8022… → 0.80.
    repay(
        adviser,
        loan,
        ("ANT-1", date(2027, 3, 15), "600.00"),
        early="installment",
        today=date(2027, 3, 15),
    )
    repay(adviser, loan, ("VIR-1", date(2027, 4, 10), "50.92"), today=date(2027, 4, 20))
    with on(date(2027, 4, 20)):
        position = api.get(url(loan, "position")).json()
        after = api.get(url(loan, "schedule")).json()
    assert {
        k: position[k]
        for k in (
            "as_of",
            "schedule_version",
            "total_paid",
            "paid_principal",
            "paid_interest",
            "outstanding_principal",
            "overdue_amount",
            "days_past_due",
            "bucket",
            "credit",
        )
    } == {
        "as_of": "2027-04-20",
        "schedule_version": 2,
        "total_paid": "650.92",
        "paid_principal": "649.91",
        "paid_interest": "1.01",
        "outstanding_principal": "550.09",
        "overdue_amount": "0.00",
        "days_past_due": 0,
        "bucket": "current",
        "credit": "0.00",
    }
    assert position["next_installment"] == {
        "line_id": "installment-2027-05-10",
        "due_date": "2027-05-10",
        "kind": "installment",
        "amount": "50.92",
        "remaining": "50.92",
    }
    # The schedule's lines: renumbered (the early repayment's row first), same identities.
    assert (before["version"], after["version"]) == (1, 2)
    old = {line["line_id"]: line["number"] for line in before["lines"]}
    new = {line["line_id"]: line["number"] for line in after["lines"]}
    assert old["installment-2027-04-10"] == 1 and new["installment-2027-04-10"] == 2
    assert after["lines"][0]["line_id"] == "early-repayment-2027-03-15"
    kept = [i for i in new if i.startswith("installment-")]
    assert kept and all(old[i] + 1 == new[i] for i in kept)
    assert len(set(new)) == len(after["lines"])
    # Paid and still due at today's date, per line.
    lines = after["lines"]
    assert [(x["paid"], x["remaining"], x["status"]) for x in lines[:3]] == [
        ("600.00", "0.00", "paid"),
        ("50.92", "0.00", "paid"),
        ("0.00", "50.92", "due"),
    ]


def test_the_same_figures_as_the_loan_page(client, api, loan: Loan, adviser: User) -> None:  # type: ignore[no-untyped-def]
    repay(adviser, loan, ("VIR-1", date(2027, 4, 10), "70.00"), today=date(2027, 5, 20))
    with on(date(2027, 5, 20)):
        position = api.get(url(loan, "position")).json()
        client.force_login(adviser)
        page = client.get(f"/prets/{loan.pk}/").content.decode()
    start = page.index('id="arrears-title"')
    section = page[start : page.index("</section>", start)]
    # 70 on 10/04: 50.92 + 19.08 on the 10/05 installment; 31.84 of it late on 20/05.
    assert (position["overdue_amount"], position["days_past_due"]) == ("31.84", 10)
    assert "Situation au 20/05/2027" in page
    for field in ("overdue_amount", "total_paid", "outstanding_principal"):
        assert format_eur(D(position[field])) in section, field
    assert f"{position['days_past_due']} jours de retard" in section
    assert position["bucket_label"] in section


def test_the_position_refuses_a_future_date_and_clamps_a_date_before_the_cheque(
    api, loan: Loan
) -> None:  # type: ignore[no-untyped-def]
    with on(date(2027, 4, 20)):
        body = assert_error(api.get(url(loan, "position"), as_of="2027-04-21"), 422, "future_date")
        early = api.get(url(loan, "position"), as_of="2027-01-01").json()
    assert body["errors"] == {"as_of": ["La date est dans le futur."]}
    assert (early["as_of"], early["outstanding_principal"], early["overdue_amount"]) == (
        "2027-03-10",
        "1200.00",
        "0.00",
    )


def test_another_bank_404_and_no_loan_409(api, api_b, loan: Loan, referent, adviser) -> None:  # type: ignore[no-untyped-def]
    granted = make_granted_dossier(created_by=referent, adviser=adviser)
    for what in ("repayments", "position"):
        assert_error(api_b.get(url(loan, what)), 404, "not_found")
        assert_error(api.get(f"/api/v1/dossiers/{granted.number}/{what}"), 409, "no_loan")
    assert not AccessLog.objects.filter(action="api_dossier_schedule").exists()


# ---------------------------------------------------------------------------- updated_since
def numbers(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["number"] for item in response.json()["items"]]


def test_updated_since_picks_the_dossier_whose_repayment_was_just_recorded(
    api, loan: Loan, referent: User, adviser: User
) -> None:  # type: ignore[no-untyped-def]
    with on(DISBURSED):
        untouched = make_loan(created_by=referent, adviser=adviser)
    repay(adviser, loan, ("VIR-1", date(2027, 4, 10), "50.92"), today=date(2027, 4, 12))
    recorded = datetime.combine(date(2027, 4, 12), time(10, 0), tzinfo=PARIS)
    with on(date(2027, 4, 12), hour=11):
        since = api.get(
            "/api/v1/dossiers", updated_since=(recorded - timedelta(minutes=1)).isoformat()
        )
        after = api.get(
            "/api/v1/dossiers", updated_since=(recorded + timedelta(seconds=1)).isoformat()
        )
        both = api.get(
            "/api/v1/dossiers",
            updated_since=datetime(2027, 3, 1, tzinfo=PARIS).isoformat(),
            order="updated",
        )
        naive = api.get("/api/v1/dossiers", updated_since="2027-04-12T09:00:00")
    assert numbers(since) == [loan.dossier.number]
    assert datetime.fromisoformat(since.json()["items"][0]["updated_at"]) == recorded
    assert numbers(after) == []
    # Oldest change first: the untouched one (disbursed on 10/03), then the repaid one.
    assert numbers(both) == [untouched.dossier.number, loan.dossier.number]
    assert_error(naive, 422)


def test_updated_since_sees_an_incident_and_a_new_schedule(
    api, loan: Loan, referent: User, adviser: User
) -> None:  # type: ignore[no-untyped-def]
    with on(DISBURSED):
        other = make_loan(created_by=referent, adviser=adviser)
    with on(date(2027, 5, 12)):
        services.incident_record_for_loan(
            actor=adviser,
            membership=membership_of(adviser),
            loan_id=other.pk,
            reference="INC-1",
            kind="missed_installment",
            date=date(2027, 5, 11),
            amount=None,
            note="",
            today=date(2027, 5, 12),
        )
    repay(
        adviser,
        loan,
        ("ANT-1", date(2027, 5, 13), "300.00"),
        early="end_date",
        today=date(2027, 5, 13),
    )
    with on(date(2027, 5, 14)):
        since_12 = api.get(
            "/api/v1/dossiers", updated_since="2027-05-12T00:00:00+02:00", order="updated"
        )
        since_13 = api.get("/api/v1/dossiers", updated_since="2027-05-13T00:00:00+02:00")
    assert numbers(since_12) == [other.dossier.number, loan.dossier.number]
    assert numbers(since_13) == [loan.dossier.number]


def test_the_changed_list_costs_the_same_queries_for_2_or_4_dossiers(
    api, referent: User, adviser: User
) -> None:  # type: ignore[no-untyped-def]
    counts = []
    loans: list[Loan] = []
    for size in (2, 4):
        with on(DISBURSED):
            loans += [
                make_loan(created_by=referent, adviser=adviser) for _ in range(size - len(loans))
            ]
        for i, one in enumerate(loans):
            repay(
                adviser, one, (f"V-{size}-{i}", date(2027, 4, 10), "5.00"), today=date(2027, 4, 12)
            )
        params = {"updated_since": "2027-04-11T00:00:00+02:00", "order": "updated"}
        with on(date(2027, 4, 13)):
            api.get("/api/v1/dossiers", **params)  # the token's last use: once a minute
            with CaptureQueriesContext(connection) as queries:
                got = numbers(api.get("/api/v1/dossiers", **params))
        assert len(got) == size
        counts.append(len(queries))
    assert counts[0] == counts[1]
