"""E-mailing the decision letters to the applicant who agreed to be notified by e-mail.

A decision letter (`letters.enums.DECISION_LETTERS`) is e-mailed once it is written and
committed (the task `letters.tasks.email_letter`), as the very PDF stored for the dossier, to
the applicant's address, only while their consent stands (`Applicant.notifications_consent_at`)
and they have an address. Once per letter: `Letter.emailed_at` is claimed before sending, so a
second run, or a second worker, sends nothing; a failed sending gives the claim back (the task
fails, and can be run again).

The message says which organisation writes and that the letter is attached, nothing else: what
the letter says is only in the attachment, to its addressee.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone

from microcredit.letters.enums import DECISION_LETTERS
from microcredit.letters.models import Letter

logger = logging.getLogger(__name__)


def letter_email(letter: Letter, content: bytes) -> EmailMessage:
    """The e-mail carrying `letter` (its PDF `content`) to the dossier's applicant."""
    organisation = letter.dossier.organisation
    message = EmailMessage(
        subject=f"Courrier de {organisation.name}",
        body=(
            "Bonjour,\n\n"
            f"{organisation.name} vous adresse un courrier : vous le trouverez en pièce jointe "
            "(document PDF).\n\n"
            f"{organisation.name}\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[letter.dossier.applicant.email],
        reply_to=[organisation.email] if organisation.email else None,
    )
    on = timezone.localdate(letter.created_at)
    message.attach(f"courrier-{on.isoformat()}.pdf", content, "application/pdf")
    return message


def letter_email_owed(letter: Letter) -> bool:
    """Whether `letter` is to be e-mailed now: a decision letter not e-mailed yet, to an
    applicant who agreed to it and has an e-mail address."""
    applicant = letter.dossier.applicant
    return (
        letter.kind in DECISION_LETTERS
        and letter.emailed_at is None
        and applicant.notifications_consent_at is not None
        and bool(applicant.email.strip())
    )


def letter_email_send(letter_id: int) -> bool:
    """E-mail the letter to its applicant if owed (letter_email_owed), once; True when sent.

    Raises:
        Exception: reading the stored PDF or sending failed (e.g. OSError, SMTPException):
            nothing is recorded, a later run sends it.
    """
    letter = (
        Letter.objects.select_related("dossier__applicant", "dossier__organisation")
        .filter(pk=letter_id)
        .first()
    )
    if letter is None or not letter_email_owed(letter):
        return False
    # Claim the letter: whoever sets emailed_at sends it; anyone else finds it claimed.
    if not Letter.objects.filter(pk=letter.pk, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    ):
        return False
    try:
        with letter.file.open("rb") as stored:
            content = stored.read()
        letter_email(letter, content).send(fail_silently=False)
    except Exception:
        Letter.objects.filter(pk=letter.pk).update(emailed_at=None)
        raise
    return True
