"""`microcredit letters_backfill [--dry-run]`: write the letters the decisions and the loans'
follow-up still lack.

Each decision of `letters.enums.LETTER_FOR_TRANSITION` gets its letter from the task
`write_letter` after its commit, each fact of the follow-up (a missed installment, an agreed
plan: `SERVICING_LETTERS`) from `write_servicing_letter`; when that task failed (rendering,
storage, data missing) the letter is missing and the dossier page shows it pending. This command
writes those letters, the decisions' first (oldest first), then the follow-up's, through the same
`letter_write` / `servicing_letter_write`: idempotent (a letter is written once per decision, or
per loan, kind and key; a second run finds nothing to do). A letter that still cannot be written
is reported and the others are written; the command then ends in error (exit code 1), for the
scheduler. A decision letter it writes is e-mailed to the applicant who agreed to it, as after
the tasks (letters.emailing).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from microcredit.core.formatting import format_date
from microcredit.dossiers.models import DossierEvent
from microcredit.letters.enums import LETTER_FOR_TRANSITION, LetterKind
from microcredit.letters.models import Letter
from microcredit.letters.selectors import Owed, events_without_letter, servicing_letters_owed
from microcredit.letters.tasks import letter_written
from microcredit.letters.writing import LetterDataMissing, letter_write, servicing_letter_write

logger = logging.getLogger(__name__)


class NothingOwed(Exception):
    """A missed installment paid meanwhile (recorded after the alert): no letter is owed."""


def _plural(count: int, singular: str, plural: str) -> str:
    return f"{count} {singular if count <= 1 else plural}"


def describe(event: DossierEvent) -> str:
    """The letter of `event` in French: kind, dossier, date of the decision."""
    label = LetterKind(LETTER_FOR_TRANSITION[event.transition]).label
    on = timezone.localdate(event.at)
    return f"courrier « {label} » du dossier {event.dossier.number}, décision du {format_date(on)}"


def describe_owed(owed: Owed) -> str:
    """The letter of a fact of the follow-up in French: kind, dossier, date of the fact."""
    label = LetterKind(owed.kind).label
    fact = "échéance" if owed.kind == LetterKind.MISSED_INSTALLMENT else "plan accepté"
    return (
        f"courrier « {label} » du dossier {owed.dossier_number}, {fact} du {format_date(owed.on)}"
    )


def failure(error: Exception) -> str:
    if isinstance(error, LetterDataMissing):
        return str(error)
    return f"erreur {type(error).__name__} : {error}"


class Command(BaseCommand):
    help = (
        "Écrit les courriers au demandeur qui manquent après une décision (ajournement, refus, "
        "réorientation, accord ou refus de la banque, versement, appel en garantie, clôture) ou "
        "après un fait du suivi du prêt (mensualité impayée, plan de reprise accepté). Sans "
        "effet sur un courrier déjà écrit."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="affiche les courriers qui manquent, sans rien écrire",
        )

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        events = list(events_without_letter())
        owed = servicing_letters_owed(unwritten=True)
        if not events and not owed:
            self.stdout.write("Aucun courrier manquant : chaque décision a son courrier.")
            return
        if dry_run:
            for what in [describe(e) for e in events] + [describe_owed(o) for o in owed]:
                self.stdout.write(f"À écrire : {what}.")
            self.stdout.write(
                _plural(len(events) + len(owed), "courrier à écrire", "courriers à écrire")
                + " (simulation : rien n'a été écrit)."
            )
            return
        written = failed = 0
        for event in events:
            outcome = self._write(describe(event), partial(letter_write, event.pk))
            written += outcome == "written"
            failed += outcome == "failed"
        for item in owed:
            outcome = self._write(describe_owed(item), partial(self._write_owed, item))
            written += outcome == "written"
            failed += outcome == "failed"
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

    def _write_owed(self, owed: Owed) -> Letter | None:
        letter = servicing_letter_write(owed.loan_id, owed.kind, owed.key)
        if (
            letter is None
            and not Letter.objects.filter(
                dossier_id=owed.dossier_id, kind=owed.kind, key=owed.key
            ).exists()
        ):
            raise NothingOwed
        return letter

    def _write(self, what: str, write: Callable[[], Letter | None]) -> str:
        """Write one letter and say so: "written", "already" or "failed"."""
        try:
            letter = write()
        except NothingOwed:
            self.stdout.write(f"Sans objet : {what} (plus rien à signaler à cette date).")
            return "already"
        except Exception as error:
            logger.exception("Letter not written: %s", what)
            self.stderr.write(f"Non écrit : {what} — {failure(error)}.")
            return "failed"
        if letter is None:
            self.stdout.write(f"Déjà écrit entre-temps : {what}.")
            return "already"
        self.stdout.write(f"Écrit : {what}.")
        letter_written(letter)  # a decision letter owed by e-mail leaves once committed
        return "written"
