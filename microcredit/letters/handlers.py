"""The letters owed after a move of a lower app (plugged into dossiers.hooks, servicing.hooks)."""

from __future__ import annotations

from django.db import transaction

from microcredit.dossiers.models import DossierEvent
from microcredit.letters.enums import LETTER_FOR_TRANSITION
from microcredit.letters.pending import pending_letter_add, pending_servicing_add
from microcredit.letters.tasks import write_letter, write_servicing_letter
from microcredit.loans.models import Loan


def letter_after_decision(event: DossierEvent) -> None:
    """A decision that has a letter is queued as pending in the move's transaction (the
    agent's « Courriers en attente ») and gets it written once the move is committed."""
    if event.transition in LETTER_FOR_TRANSITION:
        pending_letter_add(event)
        transaction.on_commit(lambda: write_letter.enqueue(event.pk))


def letter_after_servicing(loan: Loan, kind: str, key: str) -> None:
    """A letter servicing owes the borrower (missed installment, repayment plan) is queued as
    pending (the agent's « Courriers en attente ») and written once the move that decided it is
    committed; `key` makes it once per loan.

    The queue's row is added at the commit, before the letter's task is enqueued, not in the
    move's transaction: the nightly arrears job sends a letter per loan of its batch, whose
    queries must not grow with its loans (ADR 0017). A failure to queue it (logged) does not
    keep the letter from being written."""
    loan_id = loan.pk
    transaction.on_commit(lambda: pending_servicing_add(loan_id, kind, key), robust=True)
    transaction.on_commit(lambda: write_servicing_letter.enqueue(loan_id, kind, key))
