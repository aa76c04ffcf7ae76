"""The bank calls the guarantee of a loan in default: the amount from the engine (figures derived
by hand in claim_helpers), the dossier and the loan move with it, one claim per loan (a retry
answers it), and the old plain move is no longer a way around the claim."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from microcredit.accounts.enums import Role
from microcredit.accounts.models import User
from microcredit.core.errors import TransitionRefused
from microcredit.core.models import AuditEvent
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier, DossierEvent
from microcredit.dossiers.workflow import transitions_for
from microcredit.loans.enums import LoanState
from microcredit.programmes.models import ProgrammeVersion
from microcredit.servicing.models import GuaranteeClaim
from microcredit.servicing.selectors.claims import claim_ledger
from tests.dossiers.helpers import move, refused
from tests.factories import make_second_bank
from tests.servicing.claim_helpers import (
    ACCELERATION,
    CLAIM_DAY,
    CLAIMED,
    CLAIMED_WITH_INTEREST,
    DUE,
    FIRST_UNPAID,
    INTEREST,
    OUTSTANDING,
    REASON,
    D,
    defaulted_loan,
    on,
    pay,
    record,
    snapshot,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def referent(make_user) -> User:  # type: ignore[no-untyped-def]
    return make_user(Role.REFERENT)


@pytest.fixture
def adviser(make_user) -> User:  # type: ignore[no-untyped-def]
    return make_user(Role.BANK_ADVISER, username="conseiller")


def test_the_claim_is_half_the_outstanding_principal_at_the_acceleration(
    referent: User, adviser: User
) -> None:
    loan = defaulted_loan(referent, adviser)
    claim = record(adviser, loan)
    assert (claim.outstanding_principal, claim.accrued_interest) == (OUTSTANDING, INTEREST)
    assert claim.amount == CLAIMED  # 901.97 × 50 % = 450.985 → 450.99
    assert (claim.rate_percent, claim.includes_interest) == (D("50.00"), False)
    assert claim.guarantor_name == "Fonds de cohésion sociale"
    assert (claim.state, claim.paid_amount, claim.paid_on) == ("sent", None, None)
    assert (claim.acceleration_date, claim.first_unpaid_date) == (ACCELERATION, FIRST_UNPAID)
    assert (claim.reference, claim.recorded_by_id) == ("GAR-2026-001", adviser.pk)
    ledger = claim_ledger(claim)
    # Expected from the guarantor until it pays: 450.99; the bank bears 901.97 − 450.99.
    assert (ledger.exposure, ledger.guarantor_share, ledger.bank_share) == (
        OUTSTANDING,
        CLAIMED,
        D("450.98"),
    )
    assert not ledger.guarantor_paid


def test_the_dossier_and_the_loan_move_with_the_claim(referent: User, adviser: User) -> None:
    loan = defaulted_loan(referent, adviser)
    audits = AuditEvent.objects.count()
    claim = record(adviser, loan)
    dossier = Dossier.objects.get(pk=loan.dossier_id)
    assert dossier.state == DossierState.GUARANTEE_CALLED
    loan.refresh_from_db()
    assert loan.state == LoanState.GUARANTEE_CALLED
    event = DossierEvent.objects.filter(dossier=dossier).order_by("-id").first()
    assert event is not None
    assert (event.transition, event.reason, event.actor_id) == (
        "call_guarantee",
        REASON,
        adviser.pk,
    )
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True)[audits:])
    assert actions == ["dossier_call_guarantee", "guarantee_claim_recorded"]
    audit = AuditEvent.objects.get(action="guarantee_claim_recorded")
    assert audit.object_id == str(claim.pk)
    assert audit.new_values["amount"] == "450.99"


def test_the_interest_is_claimed_when_the_programme_says_so(referent: User, adviser: User) -> None:
    loan = defaulted_loan(referent, adviser)
    ProgrammeVersion.objects.filter(programme=loan.dossier.programme).update(
        guarantee_includes_interest=True, guarantor_name="Fonds de garantie (test)"
    )
    claim = record(adviser, loan)
    assert claim.amount == CLAIMED_WITH_INTEREST  # (901.97 + 3.04) × 50 % = 452.505 → 452.51
    assert (claim.includes_interest, claim.guarantor_name) == (True, "Fonds de garantie (test)")
    ledger = claim_ledger(claim)
    assert (ledger.exposure, ledger.bank_share) == (D("905.01"), D("452.50"))


def test_a_partly_paid_installment_is_taken_off(referent: User, adviser: User) -> None:
    loan = defaulted_loan(referent, adviser)
    # 50.00 paid on 20 May: the interest of the 15 May row first (1.32), then 48.68 of principal.
    pay(adviser, loan, DUE[3].replace(day=20), D("50.00"), "VIR-PARTIEL")
    claim = record(adviser, loan)
    # Principal 901.97 − 48.68 = 853.29; × 50 % = 426.645 → 426.65. Interest 3.04 − 1.32 = 1.72.
    assert (claim.outstanding_principal, claim.accrued_interest) == (D("853.29"), D("1.72"))
    assert claim.amount == D("426.65")
    assert claim.first_unpaid_date == FIRST_UNPAID  # still not settled


def test_a_retry_answers_the_claim_already_recorded(referent: User, adviser: User) -> None:
    loan = defaulted_loan(referent, adviser)
    claim = record(adviser, loan)
    before = snapshot(loan)
    assert record(adviser, loan) == claim
    assert record(adviser, loan, reference="") == claim  # the same dates, no reference
    assert record(adviser, loan, reason="Relance") == claim  # the reason is not the claim's data
    assert snapshot(loan) == before


@pytest.mark.parametrize(
    "overrides",
    [
        {"acceleration_date": ACCELERATION.replace(day=2)},
        {"first_unpaid_date": DUE[4]},
        {"reference": "GAR-AUTRE"},
    ],
)
def test_a_second_claim_with_other_data_is_refused(
    referent: User, adviser: User, overrides: dict[str, object]
) -> None:
    loan = defaulted_loan(referent, adviser)
    record(adviser, loan)
    before = snapshot(loan)
    with pytest.raises(ValidationError) as caught:
        record(adviser, loan, **overrides)
    assert caught.value.code == "claim_conflict"
    assert "La garantie de ce prêt est déjà appelée" in caught.value.messages[0]
    assert "un seul appel en garantie par prêt" in caught.value.messages[0]
    assert snapshot(loan) == before


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"acceleration_date": CLAIM_DAY.replace(day=4)}, "acceleration_date", "dans le futur"),
        (
            {"acceleration_date": ACCELERATION.replace(year=2025)},
            "acceleration_date",
            "antérieure au décaissement (15/01/2026)",
        ),
        ({"first_unpaid_date": ACCELERATION}, "first_unpaid_date", "précède la déchéance"),
        (
            {"first_unpaid_date": FIRST_UNPAID.replace(day=16)},
            "first_unpaid_date",
            "Le 16/05/2026 n'est pas une date d'échéance de l'échéancier en vigueur",
        ),
        (
            {"first_unpaid_date": DUE[2]},
            "first_unpaid_date",
            "L'échéance du 15/04/2026 est payée d'après les remboursements enregistrés : la "
            "première échéance impayée est celle du 15/05/2026.",
        ),
        (
            {"first_unpaid_date": DUE[4]},
            "first_unpaid_date",
            "L'échéance du 15/05/2026 était déjà impayée",
        ),
        ({"reason": "   "}, "reason", "Indiquez le motif"),
    ],
)
def test_a_refused_claim_changes_nothing(
    referent: User, adviser: User, overrides: dict[str, object], field: str, words: str
) -> None:
    loan = defaulted_loan(referent, adviser)
    before = snapshot(loan)
    with pytest.raises(ValidationError) as caught:
        record(adviser, loan, **overrides)
    [message] = caught.value.message_dict[field]
    assert words in message
    assert snapshot(loan) == before


def test_no_claim_on_a_loan_up_to_date(referent: User, adviser: User) -> None:
    loan = defaulted_loan(referent, adviser, paid=5)
    before = snapshot(loan)
    with pytest.raises(ValidationError) as caught:
        record(adviser, loan)
    [message] = caught.value.message_dict["first_unpaid_date"]
    assert message.startswith("Aucune échéance n'était impayée le 01/07/2026")
    assert snapshot(loan) == before


def test_only_the_adviser_of_the_loans_bank_calls_the_guarantee(
    make_user, referent: User, adviser: User, saint_etienne
) -> None:  # type: ignore[no-untyped-def]
    loan = defaulted_loan(referent, adviser)
    before = snapshot(loan)
    with pytest.raises(TransitionRefused) as caught:
        record(referent, loan)
    assert "Seul le conseiller de la banque du prêt" in str(caught.value)
    bank_b, _programme = make_second_bank(saint_etienne)
    other = make_user(Role.BANK_ADVISER, username="conseiller-b", organisation=bank_b)
    with pytest.raises(Http404):
        record(other, loan)
    assert snapshot(loan) == before


def test_the_plain_move_is_no_longer_a_way_around_the_claim(referent: User, adviser: User) -> None:
    loan = defaulted_loan(referent, adviser)
    dossier = Dossier.objects.get(pk=loan.dossier_id)
    assert "call_guarantee" not in {
        t.name for t in transitions_for(DossierState.DISBURSED, Role.BANK_ADVISER)
    }
    with on(CLAIM_DAY):
        message = refused(adviser, dossier, "call_guarantee", reason=REASON, flow="")
    assert "« Appeler la garantie » s'enregistre depuis le portail ou l'API" in message
    assert not GuaranteeClaim.objects.exists()


def test_the_referent_closes_the_dossier_after_the_claim(referent: User, adviser: User) -> None:
    loan = defaulted_loan(referent, adviser)
    record(adviser, loan)
    with on(CLAIM_DAY):
        move(referent, Dossier.objects.get(pk=loan.dossier_id), "close")
    assert Dossier.objects.get(pk=loan.dossier_id).state == DossierState.CLOSED
    assert GuaranteeClaim.objects.get(loan=loan).amount == CLAIMED  # the claim stays


def test_a_dossier_no_longer_in_repayment_has_no_claim(referent: User, adviser: User) -> None:
    loan = defaulted_loan(referent, adviser)
    Dossier.objects.filter(pk=loan.dossier_id).update(state=DossierState.REPAID)
    before = snapshot(loan)
    with pytest.raises(TransitionRefused) as caught:
        record(adviser, loan)
    assert "prêt en remboursement : le dossier est « remboursé »" in str(caught.value)
    assert snapshot(loan) == before
