"""The disbursement: it needs the signed offer and valid values, is recorded once; the payee
is never the borrower and is identified by name and SIRET; a cheque number is recorded once
at a bank."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from microcredit.accounts.enums import Role
from microcredit.accounts.models import User
from microcredit.banking import services
from microcredit.banking.models import BankDecision, Disbursement
from microcredit.core.errors import TransitionRefused
from microcredit.dossiers.enums import DossierState
from tests.banking.helpers import counts, disburse, pdf
from tests.factories import (
    make_applicant,
    make_granted_dossier,
    make_second_bank,
    make_transmitted_dossier,
    membership_of,
)

pytestmark = pytest.mark.django_db


def test_the_disbursement_needs_the_signed_offer(referent: User, adviser: User) -> None:
    dossier = make_granted_dossier(created_by=referent, adviser=adviser, offer=False)
    before = counts()
    with pytest.raises(ValidationError) as caught:
        disburse(adviser, dossier)
    assert caught.value.code == "offer_missing"
    assert counts() == before


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"cheque_number": " "}, "cheque_number", "required"),
        ({"cheque_number": "12/45"}, "cheque_number", "invalid_cheque_number"),
        ({"date": timezone.localdate() + timedelta(days=1)}, "date", "future_date"),
        ({"date": timezone.localdate() - timedelta(days=1)}, "date", "before_offer"),
        ({"amount": Decimal("1199.99")}, "amount", "amount_mismatch"),
        ({"payee_name": "Garage Dupont"}, "payee_change_reason",
         "payee_change_reason_required"),
    ],
)  # fmt: skip
def test_a_refused_disbursement_writes_nothing(
    referent: User, adviser: User, overrides: dict[str, object], field: str, code: str
) -> None:
    dossier = make_granted_dossier(created_by=referent, adviser=adviser)
    before = counts()
    with pytest.raises(ValidationError) as caught:
        disburse(adviser, dossier, **overrides)
    assert [e.code for e in caught.value.error_dict[field]] == [code]
    assert counts() == before
    dossier.refresh_from_db()
    assert dossier.state == DossierState.GRANTED


def test_a_payee_change_is_recorded_with_its_reason_and_document(
    referent: User, adviser: User
) -> None:
    dossier = make_granted_dossier(created_by=referent, adviser=adviser)
    disburse(
        adviser,
        dossier,
        payee_name="Auto-école du Pilat",
        payee_siret="552 100 554 00013",
        payee_change_reason="L'auto-école du devis a fermé.",
        payee_change_upload=pdf("nouveau-devis", "devis.pdf"),
    )
    disbursement = Disbursement.objects.get(dossier=dossier)
    assert disbursement.payee_changed
    assert disbursement.payee_name == "Auto-école du Pilat"
    assert disbursement.payee_siret == "55210055400013"
    assert disbursement.payee_change_document is not None
    assert disbursement.payee_change_document.kind == "payee_change"


def test_the_same_payee_written_differently_is_no_change(referent: User, adviser: User) -> None:
    dossier = make_granted_dossier(created_by=referent, adviser=adviser)
    disburse(adviser, dossier, payee_name="  auto-école  DU forez ")
    disbursement = Disbursement.objects.get(dossier=dossier)
    assert (disbursement.payee_name, disbursement.payee_changed) == ("Auto-école du Forez", False)


def test_a_dossier_cannot_be_disbursed_twice(referent: User, adviser: User) -> None:
    dossier = make_granted_dossier(created_by=referent, adviser=adviser)
    disburse(adviser, dossier)
    before = counts()
    with pytest.raises(TransitionRefused):
        disburse(adviser, dossier, cheque_number="999")
    assert counts() == before


def test_ccas_staff_cannot_use_the_bank_services(make_user, referent: User) -> None:  # type: ignore[no-untyped-def]
    dossier = make_transmitted_dossier(created_by=referent)
    director = make_user(Role.DIRECTOR, username="directrice")
    with pytest.raises(Http404):
        services.bank_refuse(
            actor=director,
            membership=membership_of(director),
            dossier_id=dossier.pk,
            reason="incomplete",
            text="",
        )
    assert not BankDecision.objects.exists()


# --- The payee: never the borrower, identified by name and SIRET --------------------------


@pytest.mark.parametrize(
    "payee",
    [
        "Jérôme Dupré-Martin",
        "DUPRÉ-MARTIN Jérôme",
        "  m.  jerome   dupre martin ",
        "Mme Dupre-Martin, Jérôme",
    ],
)
def test_the_cheque_is_never_made_out_to_the_borrower(
    referent: User, adviser: User, payee: str
) -> None:
    applicant = make_applicant(
        organisation=membership_of(referent).organisation,
        created_by=referent,
        first_name="Jérôme",
        last_name="Dupré-Martin",
    )
    dossier = make_granted_dossier(created_by=referent, adviser=adviser, applicant=applicant)
    before = counts()
    with pytest.raises(ValidationError) as caught:
        disburse(
            adviser,
            dossier,
            payee_name=payee,
            payee_siret="552 100 554 00013",
            payee_change_reason="L'emprunteur paiera lui-même le garage.",
        )
    [error] = caught.value.error_dict["payee_name"]
    assert error.code == "payee_is_borrower"
    assert "à l'ordre de l'emprunteur" in error.message
    assert counts() == before


def test_a_dossier_whose_payee_is_the_borrower_is_not_disbursed(
    referent: User, adviser: User
) -> None:
    applicant = make_applicant(
        organisation=membership_of(referent).organisation,
        created_by=referent,
        first_name="Nadia",
        last_name="Benali",
    )
    dossier = make_granted_dossier(
        created_by=referent, adviser=adviser, applicant=applicant, payee_name="BENALI Nadia"
    )
    with pytest.raises(ValidationError) as caught:
        disburse(adviser, dossier)
    assert [e.code for e in caught.value.error_dict["payee_name"]] == ["payee_is_borrower"]
    # Someone else of the same family name is not the borrower.
    loan = disburse(
        adviser,
        dossier,
        payee_name="Benali Optique",
        payee_siret="44306184100047",
        payee_change_reason="Le devis de l'opticien remplace celui du dossier.",
    )
    assert loan.dossier.disbursement.payee_name == "Benali Optique"


def test_the_dossiers_siret_is_copied_when_the_payee_is_unchanged(
    referent: User, adviser: User
) -> None:
    dossier = make_granted_dossier(
        created_by=referent, adviser=adviser, payee_siret="73282932000074"
    )
    disburse(adviser, dossier)
    disbursement = Disbursement.objects.get(dossier=dossier)
    assert (disbursement.payee_siret, disbursement.payee_changed) == ("73282932000074", False)
    assert disbursement.bank_id == membership_of(adviser).organisation_id


def test_a_siret_given_for_a_dossier_without_one_is_checked_and_recorded(
    referent: User, adviser: User
) -> None:
    dossier = make_granted_dossier(created_by=referent, adviser=adviser)
    assert dossier.payee_siret == ""
    with pytest.raises(ValidationError) as caught:
        disburse(adviser, dossier, payee_siret="732 829 320 00075")
    assert [e.code for e in caught.value.error_dict["payee_siret"]] == ["invalid_siret"]
    disburse(adviser, dossier, payee_siret="732 829 320 00074")
    disbursement = Disbursement.objects.get(dossier=dossier)
    assert (disbursement.payee_siret, disbursement.payee_changed) == ("73282932000074", False)


@pytest.mark.parametrize(
    ("values", "field", "code"),
    [
        ({"payee_name": "Garage du Pilat"}, "payee_siret", "payee_siret_required"),
        ({"payee_name": "Garage du Pilat", "payee_siret": "12345678901234"}, "payee_siret",
         "invalid_siret"),
        # The dossier's name with another SIRET is another payee: it needs a reason.
        ({"payee_siret": "55210055400013", "payee_change_reason": ""}, "payee_change_reason",
         "payee_change_reason_required"),
    ],
)  # fmt: skip
def test_a_new_payee_needs_a_valid_siret(
    referent: User, adviser: User, values: dict[str, str], field: str, code: str
) -> None:
    dossier = make_granted_dossier(
        created_by=referent, adviser=adviser, payee_siret="73282932000074"
    )
    before = counts()
    with pytest.raises(ValidationError) as caught:
        disburse(
            adviser,
            dossier,
            **{"payee_change_reason": "L'auto-école du devis a fermé.", **values},
        )
    assert [e.code for e in caught.value.error_dict[field]] == [code]
    assert counts() == before


# --- A cheque number is recorded once at a bank --------------------------------------------


def test_a_cheque_number_cannot_be_recorded_on_two_dossiers(
    make_user, referent: User, adviser: User, saint_etienne
) -> None:  # type: ignore[no-untyped-def]
    first = make_granted_dossier(created_by=referent, adviser=adviser)
    second = make_granted_dossier(created_by=referent, adviser=adviser)
    disburse(adviser, first, cheque_number="A-778 12")
    before = counts()
    for number in ("A-778 12", "a-778  12"):
        with pytest.raises(ValidationError) as caught:
            disburse(adviser, second, cheque_number=number)
        [error] = caught.value.error_dict["cheque_number"]
        assert error.code == "cheque_reused"
        assert f"déjà enregistré pour le dossier {first.number}" in error.message
        assert counts() == before
    # Another bank's cheque may bear the same number.
    bank_b, programme_b = make_second_bank(saint_etienne)
    adviser_b = make_user(Role.BANK_ADVISER, username="conseiller-b", organisation=bank_b)
    other = make_granted_dossier(created_by=referent, adviser=adviser_b, programme=programme_b)
    disburse(adviser_b, other, cheque_number="A-778 12")
    assert sorted(
        Disbursement.objects.filter(cheque_number="A-778 12").values_list("bank_id", flat=True)
    ) == sorted([membership_of(adviser).organisation_id, bank_b.pk])


def test_the_database_refuses_a_cheque_number_twice_at_a_bank(
    referent: User, adviser: User
) -> None:
    from django.db import IntegrityError, transaction

    loan = disburse(adviser, make_granted_dossier(created_by=referent, adviser=adviser))
    disbursement = Disbursement.objects.get(dossier=loan.dossier)
    other = make_granted_dossier(created_by=referent, adviser=adviser)
    with pytest.raises(IntegrityError), transaction.atomic():
        Disbursement.objects.create(
            dossier=other,
            bank_id=disbursement.bank_id,
            cheque_number=disbursement.cheque_number,
            date=disbursement.date,
            amount=disbursement.amount,
            payee_name="Auto-école du Forez",
            recorded_by=adviser,
        )
