"""`microcredit appointment_reminders [--on YYYY-MM-DD]`: the reminders of the day before, for
the planned appointments of the day after `--on` (default: today, Paris time); run by hand or
by the scheduler. Each reminder is sent once, however many times the command runs."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from microcredit.core.formatting import format_date
from microcredit.followup.services.notes import ReminderRun, appointment_reminders_send


def _plural(count: int, singular: str, plural: str) -> str:
    return f"{count} {singular if count <= 1 else plural}"


def summary(run: ReminderRun) -> list[str]:
    """The run in French, a few lines."""
    planned = _plural(run.appointments, "rendez-vous prévu", "rendez-vous prévus")
    lines = [
        f"Rendez-vous du {format_date(run.day)} : {planned} à rappeler.",
        f"{_plural(run.staff_sent, 'rappel envoyé', 'rappels envoyés')} aux référents, "
        f"{_plural(run.applicant_sent, 'rappel envoyé', 'rappels envoyés')} aux demandeurs "
        "(avec leur consentement).",
    ]
    if run.without_referent:
        lines.append(
            f"{_plural(run.without_referent, 'rendez-vous', 'rendez-vous')} sans référent "
            "joignable par courriel (aucun référent, compte désactivé ou courriel absent)."
        )
    if run.failed:
        lines.append(
            f"{_plural(run.failed, 'rappel non envoyé', 'rappels non envoyés')} (serveur de "
            "courriel) : relancez la commande, ils seront envoyés une seule fois."
        )
    return lines


class Command(BaseCommand):
    help = (
        "Envoie les rappels des rendez-vous prévus le lendemain de --on (par défaut "
        "aujourd'hui, heure de Paris) : au référent du dossier (un lien vers le dossier, "
        "aucune donnée personnelle) et au demandeur qui a consenti aux notifications et donné "
        "un courriel (la date, l'heure et le lieu de son rendez-vous). Chaque rappel part une "
        "seule fois, même si la commande est relancée."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--on",
            dest="on",
            metavar="AAAA-MM-JJ",
            help="jour de l'envoi (par défaut : aujourd'hui, heure de Paris) ; les rendez-vous "
            "rappelés sont ceux du lendemain",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        run = appointment_reminders_send(on=self._on(options["on"]))
        for line in summary(run):
            self.stdout.write(line)
        if run.failed:
            verb = "n'a" if run.failed == 1 else "n'ont"
            raise CommandError(
                f"{_plural(run.failed, 'rappel', 'rappels')} {verb} pas pu partir : voir le "
                "journal des erreurs, puis relancez la commande."
            )

    @staticmethod
    def _on(value: str | None) -> date:
        if not value:
            return timezone.localdate()
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise CommandError(
                f"Date invalide : « {value} » (attendu : AAAA-MM-JJ, par exemple 2026-04-20)."
            ) from None
