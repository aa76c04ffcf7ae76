"""Background work of letters: write the PDF letter to the applicant after a decision."""

from __future__ import annotations

from django_tasks import task

from microcredit.letters.writing import letter_write


@task()
def write_letter(event_id: int) -> bool:
    """Write the letter reporting the dossier event, once (a second run changes nothing).

    Enqueued after the commit of the decision (dossiers.services.dossier_transition)."""
    return letter_write(event_id) is not None
