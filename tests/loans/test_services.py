"""Repayments and incidents: idempotent by the bank's reference, batches all-or-nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from loan_engine import Payment, allocate_payments, arrears_state, build_schedule
from microcredit.accounts.enums import Role
from microcredit.accounts.models import User
from microcredit.core.errors import TransitionRefused
from microcredit.core.models import AuditEvent
from microcredit.loans import selectors, services
from microcredit.loans.models import Incident, Loan, Repayment
from microcredit.loans.services import RepaymentLine
from tests.factories import make_loan, make_second_bank, make_transmitted_dossier, membership_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def loan(referent: User, adviser: User) -> Loan:
    return make_loan(created_by=referent, adviser=adviser)


def record(
    adviser: User, lines: list[RepaymentLine], today_offset: int = 60
) -> services.BatchResult:
    return services.repayments_record_batch(
        actor=adviser,
        membership=membership_of(adviser),
        lines=lines,
        today=timezone.localdate() + timedelta(days=today_offset),
        via="api",
    )


def line(loan: Loan, reference: str, days: int = 31, amount: str = "51.49") -> RepaymentLine:
    return RepaymentLine(
        reference, loan.dossier.number, loan.disbursement_date + timedelta(days=days),
        Decimal(amount),
    )  # fmt: skip


def test_the_stored_schedule_is_build_schedule_of_the_terms(loan: Loan) -> None:
    assert selectors.loan_schedule(loan).rows == build_schedule(selectors.loan_terms(loan)).rows


def test_the_same_batch_twice_records_each_repayment_once(loan: Loan, adviser: User) -> None:
    batch = [line(loan, "VIR-001"), line(loan, "VIR-002", days=40, amount="10.00")]
    first = record(adviser, batch)
    assert [r.reference for r in first.recorded] == ["VIR-001", "VIR-002"]
    assert first.already_recorded == []
    audits = AuditEvent.objects.count()
    second = record(adviser, batch)
    assert second.recorded == []
    assert sorted(r.reference for r in second.already_recorded) == ["VIR-001", "VIR-002"]
    assert Repayment.objects.count() == 2
    assert AuditEvent.objects.count() == audits
    # A batch mixing a known line and a new one records only the new one.
    third = record(adviser, [*batch, line(loan, "VIR-003", days=45)])
    assert [r.reference for r in third.recorded] == ["VIR-003"]
    assert Repayment.objects.count() == 3


def test_a_known_reference_with_other_content_is_a_conflict_and_nothing_is_written(
    loan: Loan, adviser: User
) -> None:
    record(adviser, [line(loan, "VIR-001")])
    with pytest.raises(ValidationError) as caught:
        record(adviser, [line(loan, "VIR-NEW"), line(loan, "VIR-001", amount="51.50")])
    [error] = caught.value.error_list
    assert error.code == "reference_conflict"
    assert error.params == {"line": 2, "reference": "VIR-001"}
    assert "Ligne 2" in error.message
    assert list(Repayment.objects.values_list("reference", flat=True)) == ["VIR-001"]


def test_the_same_reference_twice_in_a_batch(loan: Loan, adviser: User) -> None:
    result = record(adviser, [line(loan, "VIR-1"), line(loan, "VIR-1")])
    assert len(result.recorded) == 1
    with pytest.raises(ValidationError) as caught:
        record(adviser, [line(loan, "VIR-2"), line(loan, "VIR-2", amount="1.00")])
    assert [e.code for e in caught.value.error_list] == ["reference_conflict"]
    assert Repayment.objects.count() == 1


def test_every_faulty_line_is_named_and_the_batch_is_all_or_nothing(
    make_user, referent: User, adviser: User, loan: Loan, saint_etienne
) -> None:  # type: ignore[no-untyped-def]
    not_disbursed = make_transmitted_dossier(created_by=referent)
    _bank_b, programme_b = make_second_bank(saint_etienne)
    foreign = make_transmitted_dossier(created_by=referent, programme=programme_b)
    lines = [
        line(loan, "OK-1"),
        RepaymentLine("L2", "MC-1999-99999", loan.disbursement_date, Decimal("10.00")),
        RepaymentLine("L3", not_disbursed.number, loan.disbursement_date, Decimal("10.00")),
        RepaymentLine("L4", foreign.number, loan.disbursement_date, Decimal("10.00")),
        line(loan, "L5", days=365),
        line(loan, "L6", amount="0.00"),
        line(loan, "L7", days=-1),
    ]
    with pytest.raises(ValidationError) as caught:
        record(adviser, lines)
    codes = [(e.params["line"], e.code) for e in caught.value.error_list]
    assert codes == [
        (2, "unknown_dossier"),
        (3, "no_loan"),
        (4, "unknown_dossier"),
        (5, "future_date"),
        (6, "invalid_amount"),
        (7, "before_disbursement"),
    ]
    assert not Repayment.objects.exists()


@pytest.mark.parametrize("role", [Role.REFERENT, Role.COMMITTEE_MEMBER])
def test_only_the_bank_and_the_ccas_agent_or_director_record_repayments(
    make_user, loan: Loan, role: Role
) -> None:  # type: ignore[no-untyped-def]
    # The agent and the director record them too (a statement import): test_guards_recorders.
    someone = make_user(role, username="quelqu-un")
    with pytest.raises(TransitionRefused):
        services.repayments_record_batch(
            actor=someone,
            membership=membership_of(someone),
            lines=[line(loan, "X")],
            today=timezone.localdate() + timedelta(days=60),
            via="api",
        )
    assert not Repayment.objects.exists()


def test_an_adviser_of_another_bank_cannot_record_on_this_loan(
    make_user, loan: Loan, saint_etienne
) -> None:  # type: ignore[no-untyped-def]
    bank_b, _ = make_second_bank(saint_etienne)
    other = make_user(Role.BANK_ADVISER, username="conseiller-b", organisation=bank_b)
    with pytest.raises(ValidationError) as caught:
        record(other, [line(loan, "X")])
    assert [e.code for e in caught.value.error_list] == ["unknown_dossier"]
    with pytest.raises(ValidationError) as caught_incident:
        services.incident_record(
            actor=other,
            membership=membership_of(other),
            reference="INC-1",
            dossier_number=loan.dossier.number,
            kind="missed_installment",
            date=loan.disbursement_date,
            amount=None,
            note="",
            today=timezone.localdate(),
            via="api",
        )
    assert caught_incident.value.error_dict["dossier_number"][0].code == "unknown_dossier"
    assert not Repayment.objects.exists() and not Incident.objects.exists()


def incident(adviser: User, loan: Loan, **overrides: object) -> tuple[Incident, bool]:
    values: dict[str, object] = {
        "reference": "INC-1",
        "dossier_number": loan.dossier.number,
        "kind": "missed_installment",
        "date": loan.disbursement_date + timedelta(days=35),
        "amount": Decimal("51.49"),
        "note": "Prélèvement rejeté.",
        "today": timezone.localdate() + timedelta(days=60),
        "via": "api",
        **overrides,
    }
    return services.incident_record(
        actor=adviser,
        membership=membership_of(adviser),
        **values,  # type: ignore[arg-type]
    )


def test_incidents_are_idempotent_by_reference(loan: Loan, adviser: User) -> None:
    first, created = incident(adviser, loan)
    assert created
    again, created_again = incident(adviser, loan)
    assert (again.pk, created_again) == (first.pk, False)
    with pytest.raises(ValidationError) as caught:
        incident(adviser, loan, amount=Decimal("10.00"))
    assert caught.value.error_dict["reference"][0].code == "reference_conflict"
    with pytest.raises(ValidationError) as caught:
        incident(adviser, loan, reference="INC-2", kind="earthquake")
    assert caught.value.error_dict["kind"][0].code == "invalid_kind"
    assert Incident.objects.count() == 1


def test_the_position_follows_the_engine(loan: Loan, adviser: User) -> None:
    schedule = build_schedule(selectors.loan_terms(loan))
    first, second = schedule.rows[0], schedule.rows[1]
    record(
        adviser,
        [RepaymentLine("P1", loan.dossier.number, first.due_date, first.payment)],
        today_offset=120,
    )
    as_of = second.due_date + timedelta(days=10)
    status = selectors.loan_position(loan, as_of)
    payments = [Payment(first.due_date, first.payment)]
    assert status.position == allocate_payments(schedule, payments, as_of)
    assert status.arrears == arrears_state(schedule, as_of, payments=payments)
    assert status.arrears.days_past_due == 10
    assert status.arrears.overdue_amount == second.payment
    assert status.arrears.bucket == "late"


def test_a_repayment_typed_on_the_portal(loan: Loan, adviser: User) -> None:
    args = {
        "actor": adviser,
        "membership": membership_of(adviser),
        "loan_id": loan.pk,
        "reference": "GUICHET-1",
        "date": loan.disbursement_date,
        "amount": Decimal("20.00"),
        "today": loan.disbursement_date,
    }
    repayment, created = services.repayment_record_for_loan(**args)  # type: ignore[arg-type]
    assert created and repayment.via == "portal"
    _, created_again = services.repayment_record_for_loan(**args)  # type: ignore[arg-type]
    assert not created_again
    assert Repayment.objects.count() == 1


@pytest.mark.parametrize(
    ("transition", "reason", "state"),
    [
        ("record_repaid", "", "repaid"),
        ("call_guarantee", "Impayés depuis trois mois malgré les relances.", "guarantee_called"),
    ],
)
def test_the_loan_state_follows_the_dossier_to_the_end_of_repayment(
    loan: Loan, adviser: User, transition: str, reason: str, state: str
) -> None:
    assert loan.state == "active"
    close(loan, adviser, transition, reason)
    assert loan.state == state


def close(loan: Loan, adviser: User, transition: str, reason: str) -> None:
    """Repaid (after a total early repayment on the disbursement day: the principal, nothing
    accrued) or guarantee called (the bank's flow move, made here without the claim that
    servicing records with it: tests/servicing/test_claims.py)."""
    from microcredit.dossiers.services import dossier_transition
    from microcredit.dossiers.workflow import TRANSITIONS_BY_NAME

    if transition == "record_repaid":
        record(
            adviser,
            [
                RepaymentLine(
                    "SOLDE",
                    loan.dossier.number,
                    loan.disbursement_date,
                    loan.principal,
                    early_repayment=True,
                )
            ],
        )
    dossier_transition(
        actor=adviser,
        membership=membership_of(adviser),
        dossier_id=loan.dossier_id,
        transition=transition,
        reason=reason,
        flow=TRANSITIONS_BY_NAME[transition].flow,
    )
    loan.refresh_from_db()


CLOSINGS = pytest.mark.parametrize(
    ("transition", "reason"),
    [
        ("record_repaid", ""),
        ("call_guarantee", "Impayés depuis trois mois malgré les relances."),
    ],
)


@CLOSINGS
def test_no_repayment_on_a_closed_loan_and_the_batch_names_the_line(
    referent: User, adviser: User, loan: Loan, transition: str, reason: str
) -> None:
    close(loan, adviser, transition, reason)
    active = make_loan(created_by=referent, adviser=adviser)
    before = Repayment.objects.count()
    with pytest.raises(ValidationError) as caught:
        record(adviser, [line(active, "OK-1"), line(loan, "TARD-1")])
    [error] = caught.value.error_list
    assert (error.code, error.params) == ("loan_closed", {"line": 2, "reference": "TARD-1"})
    assert error.message.startswith("Ligne 2 (référence « TARD-1 ») : le prêt du dossier")
    assert "est clos" in error.message
    assert Repayment.objects.count() == before  # all or nothing: OK-1 is not recorded either
    with pytest.raises(ValidationError) as caught:
        services.repayment_record_for_loan(
            actor=adviser,
            membership=membership_of(adviser),
            loan_id=loan.pk,
            reference="GUICHET-TARD",
            date=loan.disbursement_date,
            amount=Decimal("20.00"),
            today=loan.disbursement_date,
        )
    assert [e.code for e in caught.value.error_list] == ["loan_closed"]
    assert Repayment.objects.count() == before


@CLOSINGS
def test_no_incident_on_a_closed_loan(
    loan: Loan, adviser: User, transition: str, reason: str
) -> None:
    close(loan, adviser, transition, reason)
    with pytest.raises(ValidationError) as caught:
        incident(adviser, loan)
    [error] = caught.value.error_dict["dossier_number"]
    assert error.code == "loan_closed" and "est clos" in error.message
    with pytest.raises(ValidationError) as caught:
        services.incident_record_for_loan(
            actor=adviser,
            membership=membership_of(adviser),
            loan_id=loan.pk,
            reference="INC-P",
            kind="missed_installment",
            date=loan.disbursement_date,
            amount=None,
            note="",
            today=loan.disbursement_date,
        )
    assert caught.value.error_dict["dossier_number"][0].code == "loan_closed"
    assert not Incident.objects.exists()


def test_a_batch_already_recorded_before_the_guarantee_call_is_still_idempotent(
    loan: Loan, adviser: User
) -> None:
    batch = [line(loan, "VIR-001")]
    record(adviser, batch)
    close(loan, adviser, "call_guarantee", "Impayés depuis trois mois malgré les relances.")
    again = record(adviser, batch)
    assert [r.reference for r in again.already_recorded] == ["VIR-001"]
    assert again.recorded == []
