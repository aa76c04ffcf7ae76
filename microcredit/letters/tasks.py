"""Background work of letters: write the PDF letter to the applicant after a decision, or to the
borrower after a fact of the loan's follow-up (servicing.hooks.letter_due)."""

from __future__ import annotations

import logging

from django_tasks import task

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
        return letter_write(event_id) is not None
    except Exception as error:
        # The tasks backend logs the traceback; this names the event.
        logger.error("Letter of dossier event %s not written: %r", event_id, error)
        raise


@task()
def write_servicing_letter(loan_id: int, kind: str, key: str) -> bool:
    """Write the letter servicing owes the borrower of the loan (servicing.hooks.letter_due),
    once per (kind, key). Enqueued after the commit of the move that decided it.

    True when written; False when it was written already or nothing is owed. Failures are
    logged and raised as for `write_letter`; `microcredit letters_backfill` writes the letters
    still owed for the agreed plans and the missed-installment alerts."""
    try:
        return servicing_letter_write(loan_id, kind, key) is not None
    except Exception as error:
        logger.error("Letter %s/%s of loan %s not written: %r", kind, key, loan_id, error)
        raise
