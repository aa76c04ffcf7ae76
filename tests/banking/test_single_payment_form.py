"""The bank adviser's single-repayment form (loan page) shares its checks with the batch
import (the API and the bank statement), whose messages name the line: « Ligne 1 (référence
« X ») : … ». On the form there is no line: each refusal is a sentence for the one repayment
typed, on the field it is about (the others on top), and nothing is recorded (issue #15).

The loan: 1 200 € over 24 months, disbursed on 10/03/2027; the first installment falls due on
10/04/2027."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from microcredit.accounts.models import User
from microcredit.loans.enums import LoanState
from microcredit.loans.models import Loan, Repayment
from tests.factories import make_loan

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
DISBURSED = date(2027, 3, 10)
TODAY = date(2027, 4, 15)


@contextmanager
def on(day: date) -> Iterator[None]:
    with time_machine.travel(datetime.combine(day, time(10, 0), tzinfo=PARIS), tick=False):
        yield


@pytest.fixture
def loan(referent: User, adviser: User) -> Loan:
    with on(DISBURSED):
        return make_loan(created_by=referent, adviser=adviser)  # type: ignore[no-any-return]


def post(client, loan: Loan, **fields: str):  # type: ignore[no-untyped-def]
    data = {"rep-reference": "GUICHET-2", "rep-date": "15/03/2027", "rep-amount": "10,00"}
    data.update({f"rep-{name}": value for name, value in fields.items()})
    with on(TODAY):
        return client.post(reverse("loans:repayment_create", args=[loan.pk]), data)


# (the form's fields, the field the refusal goes on, the start of its message)
REFUSALS = [
    pytest.param(
        {"reference": "GUICHET-1", "amount": "11,00"},
        "reference",
        "Cette référence est déjà enregistrée pour un autre remboursement",
        id="reference_conflict",
    ),
    pytest.param({"date": "16/04/2027"}, "date", "La date est dans le futur.", id="future_date"),
    pytest.param(
        {"date": "09/03/2027"},
        "date",
        "La date précède le décaissement du prêt (10/03/2027).",
        id="before_disbursement",
    ),
    pytest.param(
        {"amount": "0,00"}, "amount", "Le montant doit être positif, au centime.", id="zero"
    ),
    pytest.param(
        {"amount": "100 000,00"},
        "amount",
        "Le montant dépasse ce qui est dû au 15/03/2027",
        id="amount_exceeds_due",
    ),
    pytest.param(
        {"date": "10/04/2027", "amount": "1,00", "early_repayment": "on"},
        "amount",
        "Remboursement anticipé impossible : le montant doit dépasser",
        id="early_amount_too_small",
    ),
]


@pytest.mark.parametrize(("fields", "field", "start"), REFUSALS)
def test_a_refusal_is_phrased_for_the_one_repayment_on_its_field(
    client, loan: Loan, adviser: User, fields: dict[str, str], field: str, start: str
) -> None:  # type: ignore[no-untyped-def]
    with on(TODAY):
        client.force_login(adviser)
    assert post(client, loan, reference="GUICHET-1").status_code == 302
    response = post(client, loan, **fields)
    assert response.status_code == 200
    errors = response.context["repayment_form"].errors
    assert list(errors) == [field], errors
    assert errors[field][0].startswith(start), errors
    assert "Ligne" not in response.content.decode()
    assert "référence «" not in response.content.decode()
    assert list(Repayment.objects.values_list("reference", flat=True)) == ["GUICHET-1"]


def test_a_closed_loan_is_refused_on_top_of_the_form_without_a_line(
    client, loan: Loan, adviser: User
) -> None:  # type: ignore[no-untyped-def]
    Loan.objects.filter(pk=loan.pk).update(state=LoanState.REPAID)
    with on(TODAY):
        client.force_login(adviser)
    response = post(client, loan)
    errors = response.context["repayment_form"].errors
    assert list(errors) == ["__all__"], errors
    assert errors["__all__"][0].startswith(f"Le prêt du dossier « {loan.dossier.number} » est clos")
    assert "Ligne" not in response.content.decode()
    assert not Repayment.objects.exists()
