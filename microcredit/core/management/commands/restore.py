"""`microcredit restore DIR [--yes]`: put a backup of `microcredit backup` back (database and
uploaded files), every checksum verified first (microcredit.core.backup, docs/backup.md).

A database that holds data is replaced only with --yes. Exit code 2 on bad input (not a backup,
an altered file, another database engine, --yes missing), 1 when the restore itself fails.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from microcredit.core.backup import BackupError, BackupRefused, backup_restore


class Command(BaseCommand):
    help = "Restaure une sauvegarde de « microcredit backup » (base de données et fichiers)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", help="Le dossier sauvegarde-AAAAMMJJ-HHMMSS à restaurer.")
        parser.add_argument(
            "--yes",
            action="store_true",
            help="Remplacer une base de données qui contient déjà des données.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        folder = Path(options["folder"])
        try:
            report = backup_restore(folder, overwrite=options["yes"])
        except BackupRefused as error:
            raise CommandError(str(error), returncode=2) from error
        except BackupError as error:
            raise CommandError(str(error), returncode=1) from error
        self.stdout.write(
            f"Sauvegarde restaurée : base de données remplacée, {report.files_written} "
            f"fichier(s) écrit(s), {report.files_unchanged} déjà identique(s)."
        )
        if report.extra_files:
            self.stdout.write(
                f"{len(report.extra_files)} fichier(s) du stockage absent(s) de la sauvegarde, "
                "laissé(s) en place."
            )
