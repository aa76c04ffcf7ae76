"""The letters after the cheque: disbursement with the schedule, a missed installment, the plan
of repayment, the guarantee call, the closing with the bonification; each written once.

The loan of every test (conftest `disbursed_loan`): 1 200,00 € over 12 months at 1,75 %, the
cheque recorded on 15/10/2025, due dates on the 15th from 15/11/2025 to 15/10/2026. By
LOAN_CONVENTIONS, i = 0,0175 / 12:
- installment A = 1200 × i / (1 − (1 + i)^−12) = 100,948… → 100,95 €;
- row 1: interest 1200 × 0,0175 / 12 = 1,75, principal 100,95 − 1,75 = 99,20, balance 1 100,80;
- row 2: interest 1100,80 × 0,0175 / 12 = 1,605… → 1,61, principal 99,34, balance 1 001,46;
- rows 3 to 11 likewise; the last row takes the remaining 100,81 of principal plus 0,15 of
  interest: 100,96 €; total interest 11,41 €, total due 1 211,41 €;
- APR (1 + 0,0175/12)^12 − 1 = 1,7641… % → 1,76 %.
"""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal

import pytest
import time_machine

from loan_engine import repayment_plan
from microcredit.accounts.models import User
from microcredit.dossiers.models import DossierEvent
from microcredit.letters.enums import LetterKind
from microcredit.letters.handlers import letter_after_decision
from microcredit.letters.models import Letter, LetterTemplate
from microcredit.loans.models import Loan, Repayment
from microcredit.loans.selectors import loan_schedule
from microcredit.loans.services.schedules import schedule_version_store
from microcredit.servicing import hooks
from microcredit.servicing.enums import ClaimState, PaymentMode, PlanMode, PlanState
from microcredit.servicing.models import Bonification, GuaranteeClaim, RepaymentPlan
from tests.letters.conftest import at, normalised
from tests.pdfs import pdf_text

pytestmark = pytest.mark.django_db


def text_of(letter: Letter) -> str:
    with letter.file.open("rb") as handle:
        content = handle.read()
    assert letter.size == len(content)
    assert letter.sha256 == hashlib.sha256(content).hexdigest()
    return normalised(pdf_text(content))


def assert_addressed(text: str, loan: Loan) -> None:
    dossier = loan.dossier
    applicant = dossier.applicant
    assert "CCAS de Saint-Étienne" in text
    assert f"{applicant.first_name} {applicant.last_name.upper()}" in text
    assert dossier.number in text
    assert "Claire Vidal" in text  # the référent, as contact
    assert "La Présidente du CCAS" in text
    assert "INVALID_TEMPLATE_VARIABLE" not in text


def send(loan: Loan, kind: str, key: str, capture) -> None:  # type: ignore[no-untyped-def]
    """servicing.hooks.letter_due sent inside a committed transaction (as servicing does)."""
    with capture(execute=True):
        hooks.letter_due.send(loan, kind, key)


def key_letters(loan: Loan) -> list[Letter]:
    return list(Letter.objects.filter(dossier_id=loan.dossier_id, event__isnull=True))


def move(loan: Loan, actor: User, transition: str, from_state: str, to_state: str, capture):  # type: ignore[no-untyped-def]
    """The dossier event of `transition`, with letters' handler, committed."""
    with capture(execute=True):
        event = DossierEvent.objects.create(
            dossier_id=loan.dossier_id,
            actor=actor,
            transition=transition,
            from_state=from_state,
            to_state=to_state,
            reason="Motif interne de la banque.",
        )
        letter_after_decision(event)
    return event


# --- The disbursement, with the schedule ----------------------------------------------------


def test_the_disbursement_letter_gives_the_schedule_of_version_one(disbursed_loan) -> None:
    loan = disbursed_loan
    letter = Letter.objects.get(dossier_id=loan.dossier_id, kind=LetterKind.DISBURSEMENT)
    assert letter.event is not None and letter.event.transition == "disburse"
    assert letter.key == ""
    text = text_of(letter)
    assert_addressed(text, loan)
    assert "Votre micro-crédit de 1 200,00 € a été versé le 15/10/2025" in text
    assert "le chèque a été remis à Auto-école du Forez" in text
    assert "Mensualité 100,95 €" in text
    assert "Total des intérêts 11,41 €" in text
    assert "Montant total à rembourser 1 211,41 €" in text
    assert "(TAEG) 1,76 %" in text
    assert "Première échéance 15/11/2025" in text and "Dernière échéance 15/10/2026" in text
    # The schedule: row 1, row 2 and the last row, as derived in the module's docstring.
    assert "1 15/11/2025 100,95 € 1,75 € 99,20 € 1 100,80 €" in text
    assert "2 15/12/2025 100,95 € 1,61 € 99,34 € 1 001,46 €" in text
    assert "12 15/10/2026 100,96 € 0,15 € 100,81 € 0,00 €" in text
    # The bonification promised: the last installment, 100,96 €, the scheme has no cap.
    assert "le CCAS vous rembourse le montant de la dernière mensualité" in text
    assert "soit 100,96 € d'après l'échéancier" in text
    # Written once: the bank's acceptance letter and this one, nothing else.
    kinds = sorted(Letter.objects.filter(dossier_id=loan.dossier_id).values_list("kind", flat=True))
    assert kinds == [LetterKind.BANK_ACCEPTANCE, LetterKind.DISBURSEMENT]
    from microcredit.letters.writing import letter_write

    assert letter_write(letter.event.pk) is None


# --- A missed installment -------------------------------------------------------------------


def test_a_missed_installment_letter_gives_the_amount_overdue_once(
    disbursed_loan, adviser, django_capture_on_commit_callbacks
) -> None:
    loan = disbursed_loan
    # 40,00 € paid on the due date: 100,95 − 40,00 = 60,95 € overdue the day after.
    Repayment.objects.create(
        loan=loan,
        bank=loan.bank,
        reference="VIR-1",
        date=date(2025, 11, 15),
        amount=Decimal("40.00"),
        recorded_by=adviser,
        via="portal",
    )
    with time_machine.travel(at(date(2025, 11, 17)), tick=False):
        send(loan, "missed_installment", "2025-11-15", django_capture_on_commit_callbacks)
    (letter,) = key_letters(loan)
    assert (letter.kind, letter.key) == (LetterKind.MISSED_INSTALLMENT, "2025-11-15")
    text = text_of(letter)
    assert_addressed(text, loan)
    assert "Le 17 novembre 2025" in text
    assert "Nous n'avons pas reçu le paiement de votre mensualité du 15/11/2025." in text
    assert "Mensualité du 15/11/2025 100,95 €" in text
    assert "Montant à rattraper au 16/11/2025 60,95 €" in text
    assert "Prochaine mensualité, le 15/12/2025 100,95 €" in text
    assert "Téléphone" in text or "E-mail" in text or "Votre référent, Claire Vidal" in text
    before = (letter.pk, letter.sha256, letter.file.name)
    # The same fact again (the next night, or a replay): nothing more is written.
    with time_machine.travel(at(date(2025, 11, 18)), tick=False):
        send(loan, "missed_installment", "2025-11-15", django_capture_on_commit_callbacks)
    assert [(x.pk, x.sha256, x.file.name) for x in key_letters(loan)] == [before]


def test_the_missed_installment_letter_uses_the_organisation_texts(
    disbursed_loan, director, django_capture_on_commit_callbacks
) -> None:
    LetterTemplate.objects.create(
        organisation=disbursed_loan.organisation,
        kind=LetterKind.MISSED_INSTALLMENT,
        subject="Un retard sur votre prêt",
        introduction="Notre équipe a remarqué un retard de paiement.",
        conclusion="À très bientôt.",
        signatory="Le Directeur du CCAS",
    )
    with time_machine.travel(at(date(2025, 11, 16)), tick=False):
        send(disbursed_loan, "missed_installment", "2025-11-15", django_capture_on_commit_callbacks)
    text = text_of(key_letters(disbursed_loan)[0])
    assert "Objet : Un retard sur votre prêt" in text
    assert "Notre équipe a remarqué un retard de paiement." in text
    assert "Le Directeur du CCAS" in text
    assert "La Présidente du CCAS" not in text
    assert "Montant à rattraper au 16/11/2025 100,95 €" in text


def test_no_letter_for_another_kind_a_paid_installment_or_an_unknown_date(
    disbursed_loan, adviser, django_capture_on_commit_callbacks, caplog
) -> None:
    loan = disbursed_loan
    Repayment.objects.create(
        loan=loan,
        bank=loan.bank,
        reference="VIR-1",
        date=date(2025, 11, 14),
        amount=Decimal("100.95"),
        recorded_by=adviser,
        via="portal",
    )
    with time_machine.travel(at(date(2025, 11, 16)), tick=False):
        send(loan, "bucket_entered", "30", django_capture_on_commit_callbacks)
        send(loan, "committee_refusal", "x", django_capture_on_commit_callbacks)
        # Paid in full on 14/11: nothing is overdue on 16/11, no letter is owed.
        send(loan, "missed_installment", "2025-11-15", django_capture_on_commit_callbacks)
    assert key_letters(loan) == []
    assert "not written" not in caplog.text
    # Not a due date of the loan: a failure, logged (the backfill reports it).
    with time_machine.travel(at(date(2025, 11, 20)), tick=False):
        send(loan, "missed_installment", "2025-11-17", django_capture_on_commit_callbacks)
    assert key_letters(loan) == []
    assert f"Letter missed_installment/2025-11-17 of loan {loan.pk} not written" in caplog.text


# --- The repayment plan ---------------------------------------------------------------------


def agreed_plan(loan: Loan, referent: User, adviser: User) -> RepaymentPlan:
    """Nothing paid; on 20/12/2025 the two overdue installments (2 × 100,95 = 201,90 €) are
    spread over 3 months on top of the running ones, agreed by the bank (version 2)."""
    schedule = loan_schedule(loan)
    plan_schedule = repayment_plan(schedule, [], date(2025, 12, 20), 3, "on_top")
    version = schedule_version_store(
        actor=adviser, loan=loan, schedule=plan_schedule, reason="Plan de reprise"
    )
    return RepaymentPlan.objects.create(
        loan=loan,
        state=PlanState.AGREED,
        as_of=date(2025, 12, 20),
        months=3,
        mode=PlanMode.ON_TOP,
        overdue_amount=Decimal("201.90"),
        note="Madame paie 70 € de plus par mois, le 15.",
        proposed_by=referent,
        decided_at=at(date(2025, 12, 21)),
        decided_by=adviser,
        schedule_version=version,
    )


def test_the_plan_letter_gives_the_new_schedule_and_the_agreement_once(
    disbursed_loan, referent, adviser, django_capture_on_commit_callbacks
) -> None:
    loan = disbursed_loan
    plan = agreed_plan(loan, referent, adviser)
    with time_machine.travel(at(date(2025, 12, 21)), tick=False):
        send(loan, "repayment_plan", str(plan.pk), django_capture_on_commit_callbacks)
    (letter,) = key_letters(loan)
    assert (letter.kind, letter.key) == (LetterKind.REPAYMENT_PLAN, str(plan.pk))
    text = text_of(letter)
    assert_addressed(text, loan)
    assert "le retard de 201,90 € est étalé sur 3 mois" in text
    assert "Retard repris dans le plan 201,90 €" in text
    assert "Durée du plan 3 mois" in text
    assert "Plan accepté par la banque le 21/12/2025" in text
    assert "Madame paie 70 € de plus par mois, le 15." in text
    # The coming rows of version 2: from 15/01/2026 (the rows up to 20/12 are not shown).
    lines = list(plan.schedule_version.lines.order_by("number"))  # type: ignore[union-attr]
    coming = [line for line in lines if line.due_date > date(2025, 12, 20)]
    assert coming[0].due_date == date(2026, 1, 15)
    assert "15/11/2025" not in text and "15/12/2025" not in text
    # On top: each of the 3 plan months pays the running 100,95 € plus a share of 201,90 €
    # (more than 100,95 + 201,90 / 3 = 168,25 € with the interest of the overdue principal).
    for line in coming[:3]:
        assert line.payment > Decimal("168.25")
        assert f"{line.due_date:%d/%m/%Y}" in text
        assert str(line.payment).replace(".", ",") + " €" in text
    assert f"Prochaine échéance, le 15/01/2026 {coming[0].payment}".replace(".", ",") in text
    send(loan, "repayment_plan", str(plan.pk), django_capture_on_commit_callbacks)
    assert [x.pk for x in key_letters(loan)] == [letter.pk]


def test_a_plan_not_agreed_or_of_another_loan_writes_nothing(
    disbursed_loan, referent, adviser, django_capture_on_commit_callbacks
) -> None:
    loan = disbursed_loan
    proposed = RepaymentPlan.objects.create(
        loan=loan,
        as_of=date(2025, 12, 20),
        months=3,
        mode=PlanMode.ON_TOP,
        overdue_amount=Decimal("201.90"),
        proposed_by=referent,
    )
    send(loan, "repayment_plan", str(proposed.pk), django_capture_on_commit_callbacks)
    send(loan, "repayment_plan", "999999", django_capture_on_commit_callbacks)
    assert key_letters(loan) == []


# --- The guarantee call and the closing -----------------------------------------------------


def claim_of(loan: Loan, adviser: User, *, paid: bool) -> GuaranteeClaim:
    """Row 1 paid, nothing since: outstanding principal 1 100,80 €; 50 % guaranteed, interest
    not included: 1100,80 × 50 % = 550,40 €."""
    return GuaranteeClaim.objects.create(
        loan=loan,
        reference="FCS-2025-7",
        acceleration_date=date(2026, 4, 1),
        first_unpaid_date=date(2025, 12, 15),
        guarantor_name="Fonds de cohésion sociale",
        rate_percent=Decimal("50.00"),
        includes_interest=False,
        outstanding_principal=Decimal("1100.80"),
        accrued_interest=Decimal("6.42"),
        amount=Decimal("550.40"),
        state=ClaimState.PAID if paid else ClaimState.SENT,
        paid_amount=Decimal("550.40") if paid else None,
        paid_on=date(2026, 5, 1) if paid else None,
        recorded_by=adviser,
    )


def test_the_guarantee_call_letter_gives_the_claim(
    disbursed_loan, adviser, django_capture_on_commit_callbacks
) -> None:
    loan = disbursed_loan
    claim_of(loan, adviser, paid=False)
    with time_machine.travel(at(date(2026, 4, 2)), tick=False):
        event = move(
            loan, adviser, "call_guarantee", "disbursed", "guarantee_called",
            django_capture_on_commit_callbacks,
        )  # fmt: skip
    letter = Letter.objects.get(event=event)
    assert letter.kind == LetterKind.GUARANTEE_CALL
    text = text_of(letter)
    assert_addressed(text, loan)
    assert "Le 2 avril 2026" in text
    assert "Fin du prêt (déchéance du terme) le 01/04/2026" in text
    assert "Première mensualité impayée 15/12/2025" in text
    assert "Capital restant dû 1 100,80 €" in text
    assert "Part garantie 50,00 %" in text
    assert "Montant demandé au garant 550,40 €" in text
    assert "Motif interne de la banque." not in text  # the bank's text is not for the borrower
    assert "Payé par le garant" not in text


def test_the_closing_letter_gives_the_bonification_paid(
    disbursed_loan, referent, django_capture_on_commit_callbacks
) -> None:
    loan = disbursed_loan
    # Every installment paid: the bonification is the last one actually paid, 100,96 €.
    Bonification.objects.create(
        loan=loan,
        amount=Decimal("100.96"),
        paid_on=date(2026, 11, 10),
        mode=PaymentMode.TRANSFER,
        recorded_by=referent,
    )
    with time_machine.travel(at(date(2026, 11, 12)), tick=False):
        event = move(
            loan, referent, "close", "repaid", "closed", django_capture_on_commit_callbacks
        )
    letter = Letter.objects.get(event=event)
    assert letter.kind == LetterKind.CLOSING
    text = text_of(letter)
    assert_addressed(text, loan)
    assert "Vous avez remboursé tout votre prêt" in text
    assert "Coup de pouce versé par le CCAS 100,96 €" in text
    assert "Versé le 10/11/2026" in text
    assert "100,96 €, versés le 10/11/2026 par virement." in text
    other_kinds = Letter.objects.filter(dossier_id=loan.dossier_id).exclude(
        kind__in=[LetterKind.BANK_ACCEPTANCE, LetterKind.DISBURSEMENT, LetterKind.CLOSING]
    )
    assert not other_kinds.exists()


def test_the_closing_after_a_guarantee_claim_says_no_bonification(
    disbursed_loan, adviser, referent, django_capture_on_commit_callbacks
) -> None:
    loan = disbursed_loan
    claim_of(loan, adviser, paid=True)
    with time_machine.travel(at(date(2026, 5, 5)), tick=False):
        event = move(
            loan, referent, "close", "guarantee_called", "closed",
            django_capture_on_commit_callbacks,
        )  # fmt: skip
    text = text_of(Letter.objects.get(event=event))
    assert "Votre dossier de micro-crédit est clôturé." in text
    assert "Payé par le garant le 01/05/2026 550,40 €" in text
    assert "ne peut pas être versé" in text
    assert "Coup de pouce versé" not in text


def test_the_closing_letter_says_why_the_bonification_is_waived(
    disbursed_loan, referent, django_capture_on_commit_callbacks
) -> None:
    loan = disbursed_loan
    Bonification.objects.create(
        loan=loan,
        amount=Decimal("0.00"),
        waived_reason="Le justificatif du projet n'a pas pu être fourni",
        recorded_by=referent,
    )
    with time_machine.travel(at(date(2026, 11, 12)), tick=False):
        event = move(
            loan, referent, "close", "repaid", "closed", django_capture_on_commit_callbacks
        )
    text = text_of(Letter.objects.get(event=event))
    assert "Le 12 novembre 2026" in text
    assert "Le CCAS ne verse pas de coup de pouce de fin de prêt pour ce micro-crédit." in text
    assert "Motif : Le justificatif du projet n'a pas pu être fourni." in text
