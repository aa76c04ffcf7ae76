"""Who records repayments: the bank adviser for their bank's loans (as before), and the agent or
the director of a CCAS for their organisation's loans (a bank statement import, channel
« relevé importé »), the repayment's bank being the loan's; references stay unique per bank,
so a line the bank already sent through the API is not recorded twice."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from microcredit.accounts.enums import Role
from microcredit.accounts.models import User
from microcredit.core.models import AuditEvent
from microcredit.loans import services
from microcredit.loans.enums import RecordedVia
from microcredit.loans.models import Loan, Repayment
from microcredit.loans.services import RepaymentLine
from microcredit.organisations.models import Organisation
from tests.factories import make_loan, membership_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def loan(referent: User, adviser: User) -> Loan:
    return make_loan(created_by=referent, adviser=adviser)  # type: ignore[no-any-return]


def line(loan: Loan, reference: str, amount: str = "50.92") -> RepaymentLine:
    return RepaymentLine(
        reference, loan.dossier.number, loan.disbursement_date + timedelta(days=31), Decimal(amount)
    )


def record(user: User, lines: list[RepaymentLine], via: str) -> services.BatchResult:
    return services.repayments_record_batch(
        actor=user,
        membership=membership_of(user),
        lines=lines,
        today=timezone.localdate() + timedelta(days=60),
        via=via,
    )


def test_the_import_channel_is_in_french() -> None:
    assert (RecordedVia.IMPORT.value, RecordedVia.IMPORT.label) == ("import", "relevé importé")


@pytest.mark.parametrize("role", [Role.AGENT, Role.DIRECTOR])
def test_the_ccas_agent_or_director_records_for_the_loans_bank(
    make_user, loan: Loan, role: Role
) -> None:  # type: ignore[no-untyped-def]
    staff = make_user(role, username="personnel")
    result = record(staff, [line(loan, "REL-1")], RecordedVia.IMPORT)
    [repayment] = result.recorded
    assert (repayment.bank_id, repayment.via, repayment.recorded_by_id) == (
        loan.bank_id,
        "import",
        staff.pk,
    )
    audit = AuditEvent.objects.get(action="repayment_recorded")
    assert audit.actor_id == staff.pk


def test_a_reference_the_bank_sent_is_already_recorded_for_the_import(
    make_user, loan: Loan, adviser: User
) -> None:  # type: ignore[no-untyped-def]
    record(adviser, [line(loan, "VIR-1")], RecordedVia.API)
    agent = make_user(Role.AGENT, username="agent")
    again = record(agent, [line(loan, "VIR-1"), line(loan, "REL-2", "10.00")], RecordedVia.IMPORT)
    assert [r.reference for r in again.already_recorded] == ["VIR-1"]
    assert [r.reference for r in again.recorded] == ["REL-2"]
    assert Repayment.objects.get(reference="VIR-1").via == "api"
    # The same reference with another amount is a conflict, and nothing is recorded.
    with pytest.raises(ValidationError) as caught:
        record(agent, [line(loan, "REL-3"), line(loan, "VIR-1", "12.00")], RecordedVia.IMPORT)
    assert [e.code for e in caught.value.error_list] == ["reference_conflict"]
    assert not Repayment.objects.filter(reference="REL-3").exists()


def test_the_money_guard_holds_for_the_import(make_user, loan: Loan) -> None:  # type: ignore[no-untyped-def]
    agent = make_user(Role.AGENT, username="agent")
    with pytest.raises(ValidationError) as caught:
        record(agent, [line(loan, "REL-1", "99999999.99")], RecordedVia.IMPORT)
    assert [e.code for e in caught.value.error_list] == ["amount_exceeds_due"]
    assert not Repayment.objects.exists()


def test_an_agent_of_another_ccas_does_not_see_the_loan(make_user, loan: Loan) -> None:  # type: ignore[no-untyped-def]
    other = Organisation.objects.create(kind="ccas", slug="ccas-ailleurs", name="CCAS d'ailleurs")
    agent = make_user(Role.AGENT, username="agent-ailleurs", organisation=other)
    with pytest.raises(ValidationError) as caught:
        record(agent, [line(loan, "REL-1")], RecordedVia.IMPORT)
    [error] = caught.value.error_list
    assert error.code == "unknown_dossier"
    assert "est inconnu de votre organisation" in error.message
    assert not Repayment.objects.exists()
