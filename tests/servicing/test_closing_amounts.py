"""The CCAS's bonification, recorded once the loan is repaid and the invoice filed: its amount is
the loan engine's (LOAN_CONVENTIONS, "Bonification"), checked here against figures derived by
hand in closing_helpers: the last installment paid; after a total early repayment the installment
in force before it (never the lump sum); capped or switched off by the parameters; none after a
guarantee claim."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from microcredit.accounts.enums import Role
from microcredit.accounts.models import User
from microcredit.core.errors import Refused
from microcredit.core.models import AuditEvent
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier
from microcredit.loans.enums import LoanState
from microcredit.loans.models import Loan
from microcredit.programmes.models import ProgrammeVersion
from microcredit.servicing.enums import PaymentMode
from microcredit.servicing.models import Bonification
from microcredit.servicing.selectors.closing import bonification_figures, closing_section
from microcredit.servicing.services.closing import (
    bonification_record,
    bonification_waive,
    project_proof_record,
    project_proof_waive,
)
from tests.factories import membership_of
from tests.servicing.closing_helpers import (
    AFTER,
    INSTALLMENT,
    LAST_INSTALLMENT,
    PAID_OFF_EARLY,
    PAYOFF,
    D,
    invoice,
    on,
    repaid_loan,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def referent(make_user) -> User:  # type: ignore[no-untyped-def]
    return make_user(Role.REFERENT)


@pytest.fixture
def adviser(make_user) -> User:  # type: ignore[no-untyped-def]
    return make_user(Role.BANK_ADVISER, username="conseiller")


def _prove(referent: User, loan: Loan) -> None:
    with on(AFTER):
        project_proof_record(
            actor=referent,
            membership=membership_of(referent),
            loan_id=loan.pk,
            upload=invoice(f"facture-{loan.pk}"),
            today=AFTER,
        )


def _record(referent: User, loan: Loan, **kwargs) -> Bonification:  # type: ignore[no-untyped-def]
    with on(AFTER):
        return bonification_record(
            actor=referent,
            membership=membership_of(referent),
            loan_id=loan.pk,
            paid_on=AFTER,
            mode=PaymentMode.TRANSFER,
            today=AFTER,
            **kwargs,
        )


def test_after_a_normal_end_the_last_installment_paid_is_refunded(
    referent: User, adviser: User
) -> None:
    loan = repaid_loan(referent, adviser)
    with on(AFTER):
        shown = closing_section(loan, membership_of(referent), AFTER).figures
    assert shown is not None
    assert (shown.amount, shown.after_early_repayment, shown.capped) == (
        LAST_INSTALLMENT,
        False,
        False,
    )
    _prove(referent, loan)
    bonification = _record(referent, loan, expected_amount=LAST_INSTALLMENT)
    bonification.refresh_from_db()
    assert bonification.amount == D("200.59")  # the 10 June installment, not A = 200.58
    assert (bonification.paid_on, bonification.mode) == (AFTER, PaymentMode.TRANSFER)
    audit = AuditEvent.objects.filter(action="bonification_recorded").get()
    assert audit.new_values["amount"] == "200.59"


def test_after_a_total_early_repayment_the_installment_in_force_before_it(
    referent: User, adviser: User
) -> None:
    loan = repaid_loan(referent, adviser, PAID_OFF_EARLY)
    _prove(referent, loan)
    with on(AFTER):
        figures = bonification_figures(loan, proven=True, today=AFTER)
    assert figures.after_early_repayment
    assert figures.amount == INSTALLMENT == D("200.58")
    assert figures.amount != PAYOFF  # never the lump sum (200.39)
    assert _record(referent, loan).amount == D("200.58")


def test_the_cap_of_the_parameters_limits_the_refund(referent: User, adviser: User) -> None:
    ProgrammeVersion.objects.update(bonification_cap=D("150.00"))
    loan = repaid_loan(referent, adviser)
    _prove(referent, loan)
    with on(AFTER):
        figures = bonification_figures(loan, proven=True, today=AFTER)
    assert (figures.amount, figures.capped) == (D("150.00"), True)  # min(200.59, 150.00)
    assert _record(referent, loan).amount == D("150.00")


def test_switched_off_nothing_is_due_and_only_a_waiver_is_recorded(
    referent: User, adviser: User
) -> None:
    ProgrammeVersion.objects.update(bonification_enabled=False)
    loan = repaid_loan(referent, adviser)
    _prove(referent, loan)
    with pytest.raises(Refused, match="pas prévue par les paramètres"):
        _record(referent, loan)
    assert not Bonification.objects.exists()
    bonification_waive(
        actor=referent,
        membership=membership_of(referent),
        loan_id=loan.pk,
        reason="Bonification non prévue par le dispositif.",
    )
    assert Bonification.objects.get().amount == Decimal("0.00")


def test_none_after_a_guarantee_claim(referent: User, adviser: User) -> None:
    loan = repaid_loan(referent, adviser, record_repaid=False)
    Dossier.objects.filter(pk=loan.dossier_id).update(state=DossierState.GUARANTEE_CALLED)
    Loan.objects.filter(pk=loan.pk).update(state=LoanState.GUARANTEE_CALLED)
    loan.refresh_from_db()
    with on(AFTER):
        figures = bonification_figures(loan, proven=True, today=AFTER)
        section = closing_section(loan, membership_of(referent), AFTER)
    # Fully repaid and proven, yet the engine gives nothing once the guarantee was called.
    assert (figures.fully_repaid, figures.amount) == (True, D("0.00"))
    assert "appel en garantie" in figures.no_amount_reason
    assert (section.guarantee_called, section.figures, section.blockers) == (True, None, [])
    with pytest.raises(Refused, match="garantie a été appelée"):
        _record(referent, loan)
    assert not Bonification.objects.exists()


def test_refused_before_the_proof_and_without_an_amount_after_a_waived_proof(
    referent: User, adviser: User
) -> None:
    loan = repaid_loan(referent, adviser)
    with pytest.raises(Refused, match="justificatif du projet"):
        _record(referent, loan)
    project_proof_waive(
        actor=referent,
        membership=membership_of(referent),
        loan_id=loan.pk,
        reason="Projet non réalisé : la personne a renoncé au permis.",
    )
    with on(AFTER):
        section = closing_section(loan, membership_of(referent), AFTER)
    assert section.figures is not None and section.figures.amount == D("0.00")
    with pytest.raises(Refused, match="justificatif du projet a été dispensé"):
        _record(referent, loan)
    assert not Bonification.objects.exists()


def test_an_amount_that_is_no_longer_the_one_shown_is_refused(
    referent: User, adviser: User
) -> None:
    loan = repaid_loan(referent, adviser)
    _prove(referent, loan)
    ProgrammeVersion.objects.update(bonification_cap=D("100.00"))  # changed after display
    with pytest.raises(Refused, match="maintenant de 100,00"):
        _record(referent, loan, expected_amount=LAST_INSTALLMENT)
    assert not Bonification.objects.exists()


@pytest.mark.parametrize(
    ("paid_on", "mode", "field"),
    [
        (AFTER.replace(day=16), PaymentMode.CHEQUE, "paid_on"),  # tomorrow
        (AFTER.replace(month=1), PaymentMode.CHEQUE, "paid_on"),  # before the cheque
        (AFTER, "especes", "mode"),
    ],
)
def test_a_bad_date_or_mode_records_nothing(
    referent: User, adviser: User, paid_on: date, mode: str, field: str
) -> None:
    loan = repaid_loan(referent, adviser)
    _prove(referent, loan)
    audits = AuditEvent.objects.count()
    with on(AFTER), pytest.raises(ValidationError) as error:
        bonification_record(
            actor=referent,
            membership=membership_of(referent),
            loan_id=loan.pk,
            paid_on=paid_on,
            mode=mode,
            today=AFTER,
        )
    assert field in error.value.message_dict
    assert not Bonification.objects.exists()
    assert AuditEvent.objects.count() == audits
