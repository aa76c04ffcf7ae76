"""Background work of letters: write the PDF letter to the applicant after a decision, or to the
borrower after a fact of the loan's follow-up (servicing.hooks.letter_due); e-mail the decision
letters to the applicants who agreed to it (letters.emailing)."""

from __future__ import annotations

import logging

from django.db import transaction
from django_tasks import task

from microcredit.letters.emailing import letter_email_owed, letter_email_send
from microcredit.letters.models import Letter
from microcredit.letters.writing import letter_write, servicing_letter_write

logger = logging.getLogger(__name__)


@task()
def write_letter(event_id: int) -> bool:
    """Write the letter reporting the dossier event, once (a second run changes nothing).

    Enqueued after the commit of the decision (dossiers.services.dossier_transition). True when
    written; False when it was written already or the event calls for no letter. Any failure
    (the decision's data missing, rendering, storage) is logged and raised, so that the tasks
    backend marks the task FAILED; the dossier page then shows the letter as pending and
    `microcredit letters_backfill` writes it."""
    try:
        letter = letter_write(event_id)
    except Exception as error:
        # The tasks backend logs the traceback; this names the event.
        logger.error("Letter of dossier event %s not written: %r", event_id, error)
        raise
    letter_written(letter)
    return letter is not None


@task()
def write_servicing_letter(loan_id: int, kind: str, key: str) -> bool:
    """Write the letter servicing owes the borrower of the loan (servicing.hooks.letter_due),
    once per (kind, key). Enqueued after the commit of the move that decided it.

    True when written; False when it was written already or nothing is owed. Failures are
    logged and raised as for `write_letter`; `microcredit letters_backfill` writes the letters
    still owed for the agreed plans and the missed-installment alerts."""
    try:
        letter = servicing_letter_write(loan_id, kind, key)
    except Exception as error:
        logger.error("Letter %s/%s of loan %s not written: %r", kind, key, loan_id, error)
        raise
    letter_written(letter)
    return letter is not None


def letter_written(letter: Letter | None) -> None:
    """A letter just written: a decision letter owed by e-mail (letters.emailing) is e-mailed
    once its row is committed. Called by the tasks above and by `letters_backfill`."""
    if letter is None or not letter_email_owed(letter):
        return
    letter_id = letter.pk
    transaction.on_commit(lambda: email_letter.enqueue(letter_id))


@task()
def email_letter(letter_id: int) -> bool:
    """E-mail the decision letter to its applicant, if they agreed to it, once (a second run
    sends nothing). True when sent. A failure (the stored PDF unreadable, the mail server
    down) is logged and raised: the tasks backend marks the task FAILED, nothing is recorded,
    and running it again sends the letter."""
    try:
        return letter_email_send(letter_id)
    except Exception as error:
        logger.error("Letter %s not e-mailed: %r", letter_id, error)
        raise
