"""`microcredit backup --output DIR`: the database and every uploaded file, in one timestamped
folder (microcredit.core.backup, docs/backup.md). Exit code 2 on bad input, 1 on a failure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from microcredit.core.backup import BackupError, BackupRefused, backup_create


class Command(BaseCommand):
    help = "Sauvegarde la base de données et les fichiers déposés dans un dossier horodaté."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            required=True,
            help="Dossier où écrire la sauvegarde (créé au besoin).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        output = Path(options["output"])
        try:
            folder = backup_create(output)
        except BackupRefused as error:
            raise CommandError(str(error), returncode=2) from error
        except BackupError as error:
            raise CommandError(str(error), returncode=1) from error
        self.stdout.write(f"Sauvegarde écrite dans {folder}")
