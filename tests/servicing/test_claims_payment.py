"""The guarantor's payment of the claim (Fonds de cohésion sociale): bounded by the amount
called, not before the claim, recorded once; the loss ledger follows it."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from microcredit.accounts.enums import Role
from microcredit.accounts.models import User
from microcredit.core.errors import TransitionRefused
from microcredit.core.models import AuditEvent
from microcredit.servicing.selectors.claims import claim_ledger
from tests.servicing.claim_helpers import (
    CLAIM_DAY,
    CLAIMED,
    OUTSTANDING,
    D,
    defaulted_loan,
    record,
    record_payment,
    snapshot,
)

pytestmark = pytest.mark.django_db
PAID_ON = date(2026, 9, 10)


@pytest.fixture
def referent(make_user) -> User:  # type: ignore[no-untyped-def]
    return make_user(Role.REFERENT)


@pytest.fixture
def adviser(make_user) -> User:  # type: ignore[no-untyped-def]
    return make_user(Role.BANK_ADVISER, username="conseiller")


def test_the_guarantor_pays_the_claim(referent: User, adviser: User) -> None:
    loan = defaulted_loan(referent, adviser)
    record(adviser, loan)
    claim = record_payment(adviser, loan, CLAIMED, PAID_ON)
    assert (claim.state, claim.paid_amount, claim.paid_on) == ("paid", CLAIMED, PAID_ON)
    ledger = claim_ledger(claim)
    assert ledger.guarantor_paid
    assert (ledger.exposure, ledger.guarantor_share, ledger.bank_share) == (
        OUTSTANDING,
        CLAIMED,
        D("450.98"),  # 901.97 − 450.99
    )
    audit = AuditEvent.objects.get(action="guarantee_claim_paid")
    assert audit.old_values == {"state": "sent"}
    assert audit.new_values["paid_amount"] == "450.99"


def test_a_lower_payment_leaves_the_rest_to_the_bank(referent: User, adviser: User) -> None:
    loan = defaulted_loan(referent, adviser)
    record(adviser, loan)
    claim = record_payment(adviser, loan, D("400.00"), PAID_ON)
    ledger = claim_ledger(claim)
    assert (ledger.guarantor_share, ledger.bank_share) == (D("400.00"), D("501.97"))


def test_the_same_payment_again_changes_nothing_another_is_refused(
    referent: User, adviser: User
) -> None:
    loan = defaulted_loan(referent, adviser)
    record(adviser, loan)
    claim = record_payment(adviser, loan, CLAIMED, PAID_ON)
    before = snapshot(loan)
    assert record_payment(adviser, loan, CLAIMED, PAID_ON) == claim
    with pytest.raises(ValidationError) as caught:
        record_payment(adviser, loan, D("400.00"), PAID_ON)
    assert caught.value.code == "claim_conflict"
    assert caught.value.messages == [
        "Le paiement du garant est déjà enregistré : 450,99\u00a0€ le 10/09/2026."
    ]
    assert snapshot(loan) == before


@pytest.mark.parametrize(
    ("amount", "paid_on", "field", "words"),
    [
        (D("451.00"), PAID_ON, "paid_amount", "ne paie pas plus que le montant appelé (450,99"),
        (D("0.00"), PAID_ON, "paid_amount", "doit être positif"),
        (D("-5.00"), PAID_ON, "paid_amount", "doit être positif"),
        (D("10.001"), PAID_ON, "paid_amount", "Au plus deux décimales"),
        (CLAIMED, date(2026, 7, 2), "paid_on", "ne peut pas précéder l'appel en garantie"),
        (CLAIMED, date(2026, 9, 11), "paid_on", "dans le futur"),
    ],
)
def test_a_refused_payment_changes_nothing(
    referent: User, adviser: User, amount: D, paid_on: date, field: str, words: str
) -> None:
    loan = defaulted_loan(referent, adviser)
    record(adviser, loan)
    before = snapshot(loan)
    with pytest.raises(ValidationError) as caught:
        record_payment(adviser, loan, amount, paid_on, today=PAID_ON)
    [message] = caught.value.message_dict[field]
    assert words in message
    assert snapshot(loan) == before


def test_no_payment_before_the_claim(referent: User, adviser: User) -> None:
    loan = defaulted_loan(referent, adviser)
    before = snapshot(loan)
    with pytest.raises(ValidationError) as caught:
        record_payment(adviser, loan, CLAIMED, CLAIM_DAY)
    assert caught.value.code == "no_claim"
    assert snapshot(loan) == before


def test_only_the_bank_records_the_payment(referent: User, adviser: User) -> None:
    loan = defaulted_loan(referent, adviser)
    record(adviser, loan)
    before = snapshot(loan)
    with pytest.raises(TransitionRefused):
        record_payment(referent, loan, CLAIMED, PAID_ON)
    assert snapshot(loan) == before
