"""The letter to the applicant after a decision (plugged into dossiers.hooks)."""

from __future__ import annotations

from django.db import transaction

from microcredit.dossiers.models import DossierEvent
from microcredit.letters.enums import LETTER_FOR_TRANSITION
from microcredit.letters.tasks import write_letter


def letter_after_decision(event: DossierEvent) -> None:
    """A decision that has a letter gets it written once the move is committed."""
    if event.transition in LETTER_FOR_TRANSITION:
        transaction.on_commit(lambda: write_letter.enqueue(event.pk))
