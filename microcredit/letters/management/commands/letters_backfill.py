"""`microcredit letters_backfill [--dry-run]`: write the letters the decisions still lack.

Each decision of `letters.enums.LETTER_FOR_TRANSITION` gets its letter from the task
`write_letter` after its commit; when that task failed (rendering, storage, data missing) the
letter is missing and the dossier page shows it pending. This command writes those letters,
oldest decision first, through the same `letter_write`: idempotent (a letter is written once per
decision, a second run finds nothing to do). A letter that still cannot be written is reported
and the others are written; the command then ends in error (exit code 1), for the scheduler.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from microcredit.core.formatting import format_date
from microcredit.dossiers.models import DossierEvent
from microcredit.letters.enums import LETTER_FOR_TRANSITION, LetterKind
from microcredit.letters.selectors import events_without_letter
from microcredit.letters.writing import LetterDataMissing, letter_write

logger = logging.getLogger(__name__)


def _plural(count: int, singular: str, plural: str) -> str:
    return f"{count} {singular if count <= 1 else plural}"


def describe(event: DossierEvent) -> str:
    """The letter of `event` in French: kind, dossier, date of the decision."""
    label = LetterKind(LETTER_FOR_TRANSITION[event.transition]).label
    on = timezone.localdate(event.at)
    return f"courrier « {label} » du dossier {event.dossier.number}, décision du {format_date(on)}"


def failure(error: Exception) -> str:
    if isinstance(error, LetterDataMissing):
        return str(error)
    return f"erreur {type(error).__name__} : {error}"


class Command(BaseCommand):
    help = (
        "Écrit les courriers au demandeur qui manquent après une décision (ajournement, refus, "
        "réorientation, accord ou refus de la banque). Sans effet sur un courrier déjà écrit."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="affiche les courriers qui manquent, sans rien écrire",
        )

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        events = list(events_without_letter())
        if not events:
            self.stdout.write("Aucun courrier manquant : chaque décision a son courrier.")
            return
        if dry_run:
            for event in events:
                self.stdout.write(f"À écrire : {describe(event)}.")
            self.stdout.write(
                _plural(len(events), "courrier à écrire", "courriers à écrire")
                + " (simulation : rien n'a été écrit)."
            )
            return
        written = failed = 0
        for event in events:
            what = describe(event)
            try:
                letter = letter_write(event.pk)
            except Exception as error:
                logger.exception("Letter of dossier event %s not written", event.pk)
                failed += 1
                self.stderr.write(f"Non écrit : {what} — {failure(error)}.")
                continue
            if letter is None:
                self.stdout.write(f"Déjà écrit entre-temps : {what}.")
            else:
                written += 1
                self.stdout.write(f"Écrit : {what}.")
        self.stdout.write(
            f"{_plural(written, 'courrier écrit', 'courriers écrits')}, "
            f"{_plural(failed, 'en échec', 'en échec')}."
        )
        if failed:
            lost = _plural(
                failed, "courrier n'a pas pu être écrit", "courriers n'ont pas pu être écrits"
            )
            raise CommandError(
                f"{lost} : voir les messages ci-dessus ; relancez la commande une fois la cause "
                "corrigée."
            )
