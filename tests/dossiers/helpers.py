"""Dossier test helpers: a move through the workflow service, a move expected to be refused
(nothing changes; its French message is returned), a loan paid off on its disbursement day."""

from __future__ import annotations

import pytest

from microcredit.accounts.models import User
from microcredit.core.errors import TransitionRefused
from microcredit.core.models import AuditEvent
from microcredit.dossiers import services
from microcredit.dossiers.models import Dossier, DossierEvent
from microcredit.dossiers.workflow import TRANSITIONS_BY_NAME
from microcredit.loans.models import Loan
from microcredit.loans.services import RepaymentLine, repayments_record_batch
from tests.factories import membership_of


def paid_off_loan(adviser: User, loan: Loan) -> Loan:
    """The loan repaid in full on its disbursement day (a total early repayment)."""
    repayments_record_batch(
        actor=adviser,
        membership=membership_of(adviser),
        lines=[
            RepaymentLine(
                f"SOLDE-{loan.pk}",
                loan.dossier.number,
                loan.disbursement_date,
                loan.principal,
                early_repayment=True,
            )
        ],
        today=loan.disbursement_date,
        via="api",
    )
    return loan


def move(user: User, dossier: Dossier, name: str, **kwargs) -> DossierEvent:  # type: ignore[no-untyped-def]
    known = TRANSITIONS_BY_NAME.get(name)
    kwargs.setdefault("flow", known.flow if known else "")
    return services.dossier_transition(
        actor=user, membership=membership_of(user), dossier_id=dossier.pk, transition=name, **kwargs
    )


def refused(user: User, dossier: Dossier, name: str, **kwargs) -> str:  # type: ignore[no-untyped-def]
    """Try the move, expect a refusal that changes nothing; return the French message."""
    state = Dossier.objects.get(pk=dossier.pk).state
    events = DossierEvent.objects.filter(dossier=dossier).count()
    audits = AuditEvent.objects.count()
    with pytest.raises(TransitionRefused) as error:
        move(user, dossier, name, **kwargs)
    assert Dossier.objects.get(pk=dossier.pk).state == state
    assert DossierEvent.objects.filter(dossier=dossier).count() == events
    assert AuditEvent.objects.count() == audits
    assert error.value.messages
    return str(error.value)
