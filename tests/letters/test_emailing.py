"""Decision letters e-mailed to the applicant who agreed to it: the stored PDF attached, after
the commit, once per letter; nothing without the consent, nor for a letter that is not a
decision's."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

from microcredit.accounts.models import User
from microcredit.applicants.models import Applicant
from microcredit.banking.enums import BankOutcome
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier, DossierEvent
from microcredit.dossiers.services import dossier_transition
from microcredit.letters import tasks
from microcredit.letters.emailing import letter_email_send
from microcredit.letters.enums import DECISION_LETTERS, LETTER_FOR_TRANSITION, LetterKind
from microcredit.letters.models import Letter
from tests.factories import make_applicant, make_dossier
from tests.letters.conftest import normalised
from tests.pdfs import pdf_text

pytestmark = pytest.mark.django_db

ADDRESS = "camille.martin@example.org"


def to_applicant() -> list[mail.EmailMessage]:
    """The e-mails to the applicant (the staff's own notifications left aside)."""
    return [m for m in mail.outbox if m.to == [ADDRESS]]


@pytest.fixture
def applicant(referent: User, saint_etienne) -> Applicant:  # type: ignore[no-untyped-def]
    return make_applicant(
        organisation=saint_etienne,
        created_by=referent,
        first_name="Camille",
        last_name="Martin",
        email=ADDRESS,
        notifications_consent_at=timezone.now(),
    )


@pytest.fixture
def decide(
    director: User, referent: User, django_capture_on_commit_callbacks: Any
) -> Callable[..., DossierEvent]:
    """The commission's `transition` on a dossier of `applicant`, committed."""

    def run(applicant: Applicant, transition: str, **kwargs: Any) -> DossierEvent:
        dossier = make_dossier(
            created_by=referent,
            referent=referent,
            applicant=applicant,
            state=DossierState.READY_FOR_COMMITTEE,
        )
        with django_capture_on_commit_callbacks(execute=True):
            event = dossier_transition(
                actor=director,
                membership=director.memberships.get(),
                dossier_id=dossier.pk,
                transition=transition,
                flow="commission",
                **kwargs,
            )
            assert to_applicant() == []  # nothing leaves before the commit
        return event

    return run


def test_the_decision_letters_are_the_decisions_not_the_missed_installment() -> None:
    assert set(LETTER_FOR_TRANSITION.values()) <= DECISION_LETTERS
    assert LetterKind.REPAYMENT_PLAN in DECISION_LETTERS
    assert LetterKind.MISSED_INSTALLMENT not in DECISION_LETTERS
    assert set(LetterKind.values) - DECISION_LETTERS == {LetterKind.MISSED_INSTALLMENT}


def test_with_consent_the_letter_is_e_mailed_as_its_stored_pdf(decide, applicant) -> None:  # type: ignore[no-untyped-def]
    event = decide(applicant, "refuse_by_committee", reason="Projet non finançable.")
    letter = Letter.objects.get(event=event)
    [message] = to_applicant()
    assert message.subject == "Courrier de CCAS de Saint-Étienne"
    assert message.body == (
        "Bonjour,\n\nCCAS de Saint-Étienne vous adresse un courrier : vous le trouverez en pièce "
        "jointe (document PDF).\n\nCCAS de Saint-Étienne\n"
    )
    [(filename, content, mimetype)] = message.attachments
    assert mimetype == "application/pdf"
    assert filename == f"courrier-{timezone.localdate(letter.created_at).isoformat()}.pdf"
    assert content.startswith(b"%PDF-")
    with letter.file.open("rb") as stored:
        assert content == stored.read()  # the very letter the dossier keeps
    text = normalised(pdf_text(content))
    assert "Camille MARTIN" in text and "Projet non finançable." in text
    # Nothing of the letter in the message itself.
    for said in ("Martin", "Camille", event.dossier.number, "refus", "finançable"):
        assert said not in message.subject + message.body
    letter.refresh_from_db()
    assert letter.emailed_at is not None


def test_the_bank_s_acceptance_is_e_mailed_too(bank_decision, applicant, referent) -> None:  # type: ignore[no-untyped-def]
    dossier = make_dossier(
        created_by=referent,
        referent=referent,
        applicant=applicant,
        state=DossierState.TRANSMITTED_TO_BANK,
        with_consent=True,
    )
    event = bank_decision(BankOutcome.ACCEPTED, dossier=dossier)
    [message] = to_applicant()
    assert "accord" in normalised(pdf_text(message.attachments[0][1])).lower()
    assert Letter.objects.get(event=event).kind == LetterKind.BANK_ACCEPTANCE


def test_without_consent_nothing_is_sent(decide, applicant) -> None:  # type: ignore[no-untyped-def]
    Applicant.objects.filter(pk=applicant.pk).update(notifications_consent_at=None)
    applicant.refresh_from_db()
    event = decide(applicant, "adjourn", reason="Le devis à jour.")
    letter = Letter.objects.get(event=event)  # the letter is written, for the post
    assert to_applicant() == []
    assert letter.emailed_at is None
    assert letter_email_send(letter.pk) is False
    assert to_applicant() == []


def test_without_an_address_nothing_is_sent(decide, applicant) -> None:  # type: ignore[no-untyped-def]
    Applicant.objects.filter(pk=applicant.pk).update(email="")
    applicant.refresh_from_db()
    event = decide(applicant, "adjourn", reason="Le devis à jour.")
    assert not [m for m in mail.outbox if m.attachments]
    assert Letter.objects.get(event=event).emailed_at is None


def test_a_letter_is_never_e_mailed_twice(
    decide: Any, applicant: Applicant, django_capture_on_commit_callbacks: Any
) -> None:
    event = decide(applicant, "adjourn", reason="Le devis à jour.")
    letter = Letter.objects.get(event=event)
    assert len(to_applicant()) == 1
    assert letter_email_send(letter.pk) is False
    with django_capture_on_commit_callbacks(execute=True):
        tasks.email_letter.enqueue(letter.pk)
        tasks.write_letter.enqueue(event.pk)  # the letter exists: not written, not sent again
    out = StringIO()
    call_command("letters_backfill", stdout=out)
    assert "Aucun courrier manquant" in out.getvalue()
    assert len(to_applicant()) == 1


def test_a_failed_sending_is_not_recorded_and_a_later_run_sends_it(
    decide: Any, applicant: Applicant, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Down:
        def send(self, fail_silently: bool = False) -> int:
            raise OSError("serveur de messagerie injoignable")

    monkeypatch.setattr("microcredit.letters.emailing.letter_email", lambda letter, content: Down())
    event = decide(applicant, "adjourn", reason="Le devis à jour.")
    letter = Letter.objects.get(event=event)
    assert letter.emailed_at is None  # the task failed, the claim given back
    monkeypatch.undo()
    assert letter_email_send(letter.pk) is True
    assert len(to_applicant()) == 1
    assert letter_email_send(letter.pk) is False


def test_the_consent_withdrawn_before_the_sending_stops_it(decide, applicant) -> None:  # type: ignore[no-untyped-def]
    event = decide(applicant, "adjourn", reason="Le devis à jour.")
    letter = Letter.objects.get(event=event)
    Letter.objects.filter(pk=letter.pk).update(emailed_at=None)
    Applicant.objects.filter(pk=applicant.pk).update(notifications_consent_at=None)
    mail.outbox.clear()
    assert letter_email_send(letter.pk) is False
    assert to_applicant() == []


def test_a_missed_installment_letter_is_not_e_mailed(applicant, referent) -> None:  # type: ignore[no-untyped-def]
    dossier: Dossier = make_dossier(created_by=referent, referent=referent, applicant=applicant)
    letter = Letter(
        dossier=dossier, kind=LetterKind.MISSED_INSTALLMENT, key="2026-04-15", size=5, sha256="0"
    )
    letter.file.save("courrier.pdf", ContentFile(b"%PDF-"), save=True)
    tasks.letter_written(letter)
    assert letter_email_send(letter.pk) is False
    assert to_applicant() == []


def test_a_letter_the_backfill_writes_is_e_mailed_once_committed(
    decide: Any,
    applicant: Applicant,
    broken_renderer: Callable[[], None],
    django_capture_on_commit_callbacks: Any,
) -> None:
    event = decide(applicant, "adjourn", reason="Le devis à jour.")
    assert not Letter.objects.filter(event=event).exists()  # its task failed
    assert to_applicant() == []
    broken_renderer()  # repaired
    with django_capture_on_commit_callbacks(execute=True):
        call_command("letters_backfill", stdout=StringIO())
        assert to_applicant() == []
    [message] = to_applicant()
    assert message.attachments[0][1].startswith(b"%PDF-")
    assert Letter.objects.get(event=event).emailed_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        call_command("letters_backfill", stdout=StringIO())
    assert len(to_applicant()) == 1
