"""`microcredit load_scheme <name>`: create a CCAS's scheme (organisations, programme, first
version of its parameters) on a new installation. Idempotent: a second run changes nothing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from microcredit.programmes.schemes import UnknownScheme, scheme_load, schemes


class Command(BaseCommand):
    help = (
        "Crée le dispositif d'un CCAS (organisations, partenaire bancaire, dispositif et première "
        "version de ses paramètres). Sans effet sur ce qui existe déjà."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="nom du dispositif : " + ", ".join(sorted(schemes())))

    def handle(self, *args: Any, name: str, **options: Any) -> None:
        try:
            created = scheme_load(name)
        except UnknownScheme as error:
            raise CommandError(str(error)) from error
        if not created:
            self.stdout.write(f"Dispositif « {name} » déjà chargé : rien n'a changé.")
            return
        self.stdout.write(f"Dispositif « {name} » chargé : " + ", ".join(created) + ".")
