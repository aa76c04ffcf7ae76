"""A letter is written to the applicant after each decision, once, with what was decided."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from django_tasks import TaskResultStatus

from microcredit.banking.enums import BankOutcome, BankRefusalReason
from microcredit.core.formatting import format_eur, format_percent
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.services import dossier_transition
from microcredit.letters.enums import LetterKind
from microcredit.letters.models import Letter, LetterTemplate
from microcredit.letters.tasks import write_letter
from microcredit.letters.writing import LetterDataMissing, letter_write
from microcredit.programmes.models import ProgrammeVersion
from tests.factories import make_dossier
from tests.letters.conftest import normalised, provisional_schedule
from tests.pdfs import pdf_text

pytestmark = pytest.mark.django_db


def letter_text(letter: Letter) -> str:
    with letter.file.open("rb") as handle:
        content = handle.read()
    assert letter.size == len(content)
    assert letter.sha256 == hashlib.sha256(content).hexdigest()
    return normalised(pdf_text(content))


def assert_addressed(text: str, letter: Letter) -> None:
    dossier = letter.dossier
    applicant = dossier.applicant
    assert "CCAS de Saint-Étienne" in text
    assert f"{applicant.first_name} {applicant.last_name.upper()}" in text
    assert applicant.address in text
    assert f"{applicant.postcode} {applicant.commune_name}" in text
    assert dossier.number in text
    assert "Claire Vidal" in text  # the référent, as contact
    assert "La Présidente du CCAS" in text
    assert "INVALID_TEMPLATE_VARIABLE" not in text


def test_adjournment_letter_gives_the_information_requested(committee_decision) -> None:
    event = committee_decision("adjourn", reason="Le devis à jour de l'auto-école.")
    letter = Letter.objects.get(event=event)
    assert letter.kind == LetterKind.COMMITTEE_ADJOURNMENT
    assert letter.dossier_id == event.dossier_id
    text = letter_text(letter)
    assert_addressed(text, letter)
    assert "Le devis à jour de l'auto-école." in text
    assert "mise en attente" in text


def test_refusal_letter_gives_the_reason(committee_decision) -> None:
    event = committee_decision("refuse_by_committee", reason="Reste à vivre trop faible.")
    letter = Letter.objects.get(event=event)
    assert letter.kind == LetterKind.COMMITTEE_REFUSAL
    text = letter_text(letter)
    assert_addressed(text, letter)
    assert "Reste à vivre trop faible." in text
    assert "est refusée" in text


def test_reorientation_letter_names_the_scheme_and_the_reason(committee_decision) -> None:
    event = committee_decision(
        "committee_reorient",
        reorientation_scheme="point_conseil_budget",
        reason="Un accompagnement budgétaire d'abord.",
    )
    letter = Letter.objects.get(event=event)
    assert letter.kind == LetterKind.COMMITTEE_REORIENTATION
    text = letter_text(letter)
    assert_addressed(text, letter)
    assert "Point conseil budget" in text
    assert "Un accompagnement budgétaire d'abord." in text
    assert "Réorienté vers" not in text  # the event's prefix is not repeated


@pytest.mark.parametrize(
    ("amount", "months", "deferral_months", "deferral_kind"),
    [
        (Decimal("1200.00"), 24, 0, "none"),
        (Decimal("3000.00"), 36, 3, "interest_only"),
        (Decimal("800.00"), 12, 2, "capitalised"),
    ],
)
def test_acceptance_letter_gives_the_terms_the_taeg_and_the_schedule(
    bank_decision, amount, months, deferral_months, deferral_kind
) -> None:
    event = bank_decision(
        BankOutcome.ACCEPTED,
        amount=amount,
        months=months,
        deferral_months=deferral_months,
        deferral_kind=deferral_kind,
    )
    letter = Letter.objects.get(event=event)
    assert letter.kind == LetterKind.BANK_ACCEPTANCE
    decision = event.dossier.bank_decision
    text = letter_text(letter)
    assert_addressed(text, letter)
    schedule = provisional_schedule(
        amount, months, deferral_months, deferral_kind, timezone.localdate()
    )
    n = normalised
    assert f"Montant prêté {n(format_eur(amount))}" in text
    assert f"Durée de remboursement {months} mois" in text
    assert f"Taux d'intérêt annuel (taux nominal) {n(format_percent(Decimal('1.75')))}" in text
    assert f"Mensualité {n(format_eur(decision.installment))}" in text
    assert f"(TAEG) {n(format_percent(decision.apr_percent))}" in text
    assert f"Total des intérêts {n(format_eur(schedule.total_interest))}" in text
    assert f"Montant total à rembourser {n(format_eur(schedule.total_due))}" in text
    if deferral_months:
        assert f"Différé {deferral_months} mois" in text
    for row in schedule.rows:
        assert (
            f"{row.number} {row.due_date:%d/%m/%Y} {n(format_eur(row.payment))} "
            f"{n(format_eur(row.interest))} {n(format_eur(row.principal))} "
            f"{n(format_eur(row.balance))}"
        ) in text, row
    assert "définitives" in text
    assert "dernière mensualité" in text  # the bonification of the scheme's version 1


def test_acceptance_letter_reads_known_figures(bank_decision) -> None:
    event = bank_decision(BankOutcome.ACCEPTED, amount=Decimal("1200.00"), months=24)
    text = letter_text(Letter.objects.get(event=event))
    assert "1 200,00 €" in text
    assert "TAEG) 1,76 %" in text
    assert "50,92 €" in text


def test_acceptance_letter_without_bonification_when_the_version_disables_it(
    bank_decision,
) -> None:
    ProgrammeVersion.objects.update(bonification_enabled=False)
    event = bank_decision(BankOutcome.ACCEPTED)
    text = letter_text(Letter.objects.get(event=event))
    assert "dernière mensualité" not in text


def test_bank_refusal_letter_gives_the_reason_from_the_list_and_the_text(bank_decision) -> None:
    event = bank_decision(
        BankOutcome.REFUSED,
        refusal_reason=BankRefusalReason.OVER_INDEBTEDNESS,
        refusal_text="Trois crédits renouvelables en cours.",
    )
    letter = Letter.objects.get(event=event)
    assert letter.kind == LetterKind.BANK_REFUSAL
    text = letter_text(letter)
    assert_addressed(text, letter)
    assert "endettement trop élevé ou procédure de surendettement" in text
    assert "Trois crédits renouvelables en cours." in text


def test_the_letter_is_written_after_commit_only(
    director, referent, django_capture_on_commit_callbacks
) -> None:
    dossier = make_dossier(
        created_by=referent, referent=referent, state=DossierState.READY_FOR_COMMITTEE
    )
    with django_capture_on_commit_callbacks() as callbacks:
        dossier_transition(
            actor=director,
            membership=director.memberships.get(),
            dossier_id=dossier.pk,
            transition="refuse_by_committee",
            reason="Projet non finançable.",
            flow="commission",
        )
    assert not Letter.objects.exists()
    for callback in callbacks:
        callback()
    assert Letter.objects.filter(dossier=dossier).count() == 1


def test_the_same_event_twice_gives_one_letter(committee_decision) -> None:
    event = committee_decision("refuse_by_committee", reason="Projet non finançable.")
    letter = Letter.objects.get(event=event)
    result = write_letter.enqueue(event.pk)
    assert result.return_value is False
    assert letter_write(event.pk) is None
    assert list(Letter.objects.filter(event=event)) == [letter]


def test_no_letter_for_a_move_without_one(referent, django_capture_on_commit_callbacks) -> None:
    dossier = make_dossier(created_by=referent, referent=referent)
    with django_capture_on_commit_callbacks(execute=True):
        event = dossier_transition(
            actor=referent,
            membership=referent.memberships.get(),
            dossier_id=dossier.pk,
            transition="start_diagnosis",
        )
    assert letter_write(event.pk) is None
    result = write_letter.enqueue(event.pk)
    assert (result.status, result.return_value) == (TaskResultStatus.SUCCESSFUL, False)
    assert not Letter.objects.exists()


def test_a_bank_move_without_its_decision_fails_the_task(
    adviser, referent, django_capture_on_commit_callbacks, caplog
) -> None:
    dossier = make_dossier(
        created_by=referent, referent=referent, state=DossierState.TRANSMITTED_TO_BANK
    )
    with django_capture_on_commit_callbacks(execute=True):
        event = dossier_transition(
            actor=adviser,
            membership=adviser.memberships.get(),
            dossier_id=dossier.pk,
            transition="bank_accept",
            flow="bank",
        )
    result = write_letter.enqueue(event.pk)
    assert result.status == TaskResultStatus.FAILED
    assert result.errors[0].exception_class_path == "microcredit.letters.writing.LetterDataMissing"
    assert f"Letter of dossier event {event.pk} not written" in caplog.text
    with pytest.raises(LetterDataMissing, match="décision de la banque de cette étape"):
        letter_write(event.pk)
    assert not Letter.objects.exists()


def test_a_rendering_failure_fails_the_task_keeps_the_decision_and_can_be_retried(
    committee_decision, broken_renderer
) -> None:
    event = committee_decision("refuse_by_committee", reason="Projet non finançable.")
    event.dossier.refresh_from_db()
    assert event.dossier.state == DossierState.REFUSED_BY_COMMITTEE  # the decision stands
    assert not Letter.objects.exists()
    result = write_letter.enqueue(event.pk)
    assert result.status == TaskResultStatus.FAILED
    assert result.errors[0].exception_class_path == "builtins.OSError"
    with pytest.raises(OSError):
        letter_write(event.pk)
    broken_renderer()
    result = write_letter.enqueue(event.pk)
    assert (result.status, result.return_value) == (TaskResultStatus.SUCCESSFUL, True)
    assert Letter.objects.get().event == event


def test_a_storage_failure_leaves_neither_row_nor_file(committee_decision, monkeypatch) -> None:
    files: list[str] = []
    real_save = Letter.save

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        files.append(self.file.name)
        raise OSError("base de données indisponible")

    monkeypatch.setattr(Letter, "save", save)
    event = committee_decision("adjourn", reason="Le devis.")
    assert write_letter.enqueue(event.pk).status == TaskResultStatus.FAILED
    monkeypatch.setattr(Letter, "save", real_save)
    assert files and not Letter.objects.exists()
    assert not any(default_storage.exists(name) for name in files)


def test_the_organisation_texts_replace_the_defaults(saint_etienne, committee_decision) -> None:
    LetterTemplate.objects.create(
        organisation=saint_etienne,
        kind=LetterKind.COMMITTEE_REFUSAL,
        subject="Réponse de la Commission Permanente",
        introduction="Nous avons étudié votre demande avec la plus grande attention.",
        conclusion="Le service social reste à votre disposition.",
        signatory="Mme Martine Durand, Vice-présidente",
    )
    event = committee_decision("refuse_by_committee", reason="Projet non finançable.")
    text = letter_text(Letter.objects.get(event=event))
    assert "Objet : Réponse de la Commission Permanente" in text
    assert "Nous avons étudié votre demande avec la plus grande attention." in text
    assert "Le service social reste à votre disposition." in text
    assert "Mme Martine Durand, Vice-présidente" in text
    assert "n'a pas pu l'accepter" not in text  # the default introduction
    assert "La Présidente du CCAS" not in text
    assert "Projet non finançable." in text  # the fixed part stays


def test_template_syntax_and_markup_in_texts_stay_literal(
    saint_etienne, committee_decision
) -> None:
    LetterTemplate.objects.create(
        organisation=saint_etienne,
        kind=LetterKind.COMMITTEE_ADJOURNMENT,
        subject="Objet {{ dossier_number }}",
        introduction="Bonjour {{ applicant.last_name }} {% now 'Y' %} <script>alert(1)</script>",
        conclusion="<b>gras</b> & <img src='file:///etc/passwd'>",
        signatory="{{ organisation.name }}",
    )
    event = committee_decision("adjourn", reason="<i>Le devis</i> {{ texts }}")
    text = letter_text(Letter.objects.get(event=event))
    assert "Objet : Objet {{ dossier_number }}" in text
    assert "Bonjour {{ applicant.last_name }} {% now 'Y' %} <script>alert(1)</script>" in text
    assert "<b>gras</b> & <img src='file:///etc/passwd'>" in text
    assert "{{ organisation.name }}" in text
    assert "<i>Le devis</i> {{ texts }}" in text
