"""`microcredit installment_reminders [--on YYYY-MM-DD] [--batch-size N]`: e-mail the borrowers
who agreed to it the reminder of their installment due five days later
(servicing.services.reminders), once per loan and due date; run every morning by the scheduler
(servicing/schedule.py)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from microcredit.core.formatting import format_date
from microcredit.servicing.services.reminders import (
    BATCH_SIZE,
    DAYS_BEFORE,
    RemindersRun,
    installment_reminders_run,
)


def _plural(count: int, singular: str, plural: str) -> str:
    return f"{count} {singular if count <= 1 else plural}"


def summary(run: RemindersRun) -> str:
    """The run in French, one line."""
    return (
        f"Rappels des échéances du {format_date(run.due_date)} : "
        f"{_plural(run.sent, 'envoyé', 'envoyés')}, "
        f"{_plural(run.already, 'déjà envoyé', 'déjà envoyés')}, "
        f"{_plural(run.failed, 'en échec', 'en échec')}."
    )


class Command(BaseCommand):
    help = (
        f"Envoie par e-mail le rappel des échéances qui tombent dans {DAYS_BEFORE} jours aux "
        "emprunteurs qui ont accepté d'être prévenus par e-mail : la date et le montant, une "
        "seule fois par prêt et par échéance. --on AAAA-MM-JJ : le jour de l'envoi (par défaut "
        "aujourd'hui)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--on", metavar="AAAA-MM-JJ", help="jour de l'envoi (par défaut : aujourd'hui)"
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=BATCH_SIZE,
            help=f"prêts lus par lot (par défaut {BATCH_SIZE})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        on = today
        if options["on"]:
            try:
                on = date.fromisoformat(options["on"])
            except ValueError:
                raise CommandError(
                    f"Date invalide : « {options['on']} » (attendu : AAAA-MM-JJ, par exemple "
                    "2026-04-20)."
                ) from None
        if options["batch_size"] < 1:
            raise CommandError("La taille des lots doit être d'au moins 1.")
        due_date = on + timedelta(days=DAYS_BEFORE)
        if due_date < today:
            raise CommandError(
                f"Les échéances du {format_date(due_date)} sont déjà passées : aucun rappel "
                "n'est envoyé."
            )
        run = installment_reminders_run(on=on, batch_size=options["batch_size"])
        self.stdout.write(summary(run))
        if run.failed:
            lost = _plural(run.failed, "rappel n'a pas pu partir", "rappels n'ont pas pu partir")
            raise CommandError(
                f"{lost} : voir le journal ; relancez la commande pour ce jour une fois la "
                "messagerie rétablie."
            )
