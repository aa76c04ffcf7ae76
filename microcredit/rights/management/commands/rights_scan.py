"""``microcredit rights-scan``: reassess every open household in one vectorised simulation.

For the periodic check of the whole caseload (a timer or cron on the worker's machine): every
dossier not in a final state that has a budget gets a new estimate of its rights from its latest
budget, all of them in ONE OpenFisca-France simulation. Run it where the worker runs, not in the
web process (it loads OpenFisca-France: a few seconds and about 200 MiB).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from microcredit.rights.services import ScanReport, rights_scan, rights_scan_count

STEPS = {
    "prepare": "Préparation des situations",
    "compute": "Simulation OpenFisca-France (une seule pour tous les foyers)",
    "store": "Enregistrement des estimations",
}
BAR_WIDTH = 30


class Command(BaseCommand):
    help = (
        "Réévalue les droits de tous les foyers des dossiers ouverts ayant un budget, en une "
        "seule simulation OpenFisca-France vectorisée."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Affiche seulement le nombre de foyers qui seraient réévalués.",
        )

    def _progress(self, step: str, done: int, total: int) -> None:
        label = STEPS.get(step, step)
        if step == "compute":  # one simulation: nothing to count inside it
            self.stdout.write(f"{label} : " + ("terminée." if done else f"{total} foyer(s)…"))
            return
        if self.stdout.isatty():
            filled = BAR_WIDTH * done // total if total else BAR_WIDTH
            bar = "#" * filled + "." * (BAR_WIDTH - filled)
            ending = "\n" if done >= total else ""
            self.stdout.write(f"\r{label} [{bar}] {done}/{total}", ending=ending)
            self.stdout.flush()
        elif done >= total:
            self.stdout.write(f"{label} : {done}/{total}")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["dry_run"]:
            self.stdout.write(f"{rights_scan_count()} foyer(s) à réévaluer.")
            return
        report: ScanReport = rights_scan(progress=self._progress)
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.households} foyer(s) : {report.assessed} estimé(s), "
                f"{report.invalid} incomplet(s), {report.failed} en échec."
            )
        )
        if report.rights:
            self.stdout.write("Foyers ayant chaque droit à vérifier :")
            for code, count in report.rights.items():
                self.stdout.write(f"  {code.label} : {count}")
