"""``microcredit rights-scan``: reassess the open households whose budget is recent.

For the periodic check of the caseload (a timer or cron on the worker's machine): every open
dossier (not refused, reoriented, withdrawn, closed or repaid) whose latest budget describes one
of the last ``--months`` months gets a new estimate of its rights, ``--chunk`` households per
OpenFisca-France simulation. A household or a month OpenFisca-France cannot compute is skipped
and reported, never fatal to the others. Run it where the worker runs, not in the web process
(it loads OpenFisca-France: a few seconds and about 200 MiB, then about 0.6 GiB per chunk of
5,000 households). The progress goes to stderr, one update per chunk.
"""

from __future__ import annotations

import sys
import time
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from microcredit.core.formatting import format_month
from microcredit.rights.selectors import SCAN_MONTHS, scan_window_start
from microcredit.rights.services import SCAN_CHUNK, ScanReport, rights_scan, rights_scan_count

BAR_WIDTH = 30


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise CommandError(f"Nombre invalide : {text} (attendu : un entier ≥ 1).")
    return value


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"Date invalide : {text} (attendu : AAAA-MM-JJ).") from error


class Command(BaseCommand):
    help = (
        "Réévalue les droits des foyers des dossiers ouverts dont le dernier budget est récent, "
        "par lots d'une simulation OpenFisca-France vectorisée ; les foyers ou les mois "
        "qu'OpenFisca-France ne sait pas calculer sont ignorés et signalés."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Affiche seulement le nombre de foyers qui seraient réévalués.",
        )
        parser.add_argument(
            "--months",
            type=_positive,
            default=SCAN_MONTHS,
            help=(
                "fenêtre : budgets du mois courant et des mois précédents, "
                f"en tout ce nombre de mois (par défaut {SCAN_MONTHS})"
            ),
        )
        parser.add_argument(
            "--chunk",
            type=_positive,
            default=SCAN_CHUNK,
            help=f"foyers par simulation (par défaut {SCAN_CHUNK})",
        )
        parser.add_argument(
            "--today",
            type=_day,
            default=None,
            help="date du jour de la fenêtre (AAAA-MM-JJ ; par défaut aujourd'hui)",
        )

    def _progress_bar(self) -> Any:
        started = time.monotonic()
        tty = sys.stderr.isatty()

        def progress(done: int, total: int) -> None:
            filled = BAR_WIDTH * done // total if total else BAR_WIDTH
            bar = "#" * filled + "." * (BAR_WIDTH - filled)
            line = (
                f"Réévaluation des droits [{bar}] {done}/{total} foyer(s), "
                f"{time.monotonic() - started:.0f} s"
            )
            if tty:
                sys.stderr.write("\r" + line + ("\n" if done >= total else ""))
            else:
                sys.stderr.write(line + "\n")
            sys.stderr.flush()

        return progress

    def handle(self, *args: Any, **options: Any) -> None:
        today = options["today"] or timezone.localdate()
        months = options["months"]
        if options["dry_run"]:
            self.stdout.write(
                f"{rights_scan_count(today=today, months=months)} foyer(s) à réévaluer."
            )
            return
        first = scan_window_start(today, months)
        self.stdout.write(
            f"Budgets de {format_month(first)} à {format_month(today)} ({months} mois), "
            f"{options['chunk']} foyer(s) par simulation."
        )
        report: ScanReport = rights_scan(
            today=today, months=months, chunk_size=options["chunk"], progress=self._progress_bar()
        )
        self._summary(report)

    def _summary(self, report: ScanReport) -> None:
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.households} foyer(s) : {report.assessed} estimé(s), "
                f"{report.invalid} incomplet(s), {report.failed} en échec."
            )
        )
        if report.stale:
            self.stdout.write(
                f"{report.stale} foyer(s) ouvert(s) dont le dernier budget est antérieur à "
                f"{format_month(report.first_month or date.min)} : non réévalué(s) "
                "(budget à actualiser)."
            )
        if report.failed:
            self.stdout.write(
                self.style.WARNING(
                    f"{report.failed} foyer(s) ignoré(s) : "
                    "OpenFisca-France n'a pas pu les calculer."
                )
            )
        if report.skipped_months:
            self.stdout.write("Mois qu'OpenFisca-France ne sait pas calculer :")
            for month in report.skipped_months:
                self.stdout.write(
                    f"  {format_month(month.month)} : {month.households} foyer(s) ignoré(s) "
                    f"({month.cause})"
                )
        if report.skipped_households:
            self.stdout.write("Foyers qu'OpenFisca-France n'a pas pu calculer :")
            for skipped in report.skipped_households:
                self.stdout.write(
                    f"  dossier {skipped.number} ({format_month(skipped.month)}) : {skipped.cause}"
                )
            if report.skipped_unlisted:
                self.stdout.write(f"  … et {report.skipped_unlisted} autre(s).")
        if report.rights:
            self.stdout.write("Foyers ayant chaque droit à vérifier :")
            for code, count in report.rights.items():
                self.stdout.write(f"  {code.label} : {count}")
