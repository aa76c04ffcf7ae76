from typing import Any

from django.core.management.base import BaseCommand

from microcredit.core.demo import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Charge les données de démonstration (idempotent) et affiche les comptes de démo."

    def handle(self, *args: Any, **options: Any) -> None:
        accounts = load_demo()
        self.stdout.write("")
        self.stdout.write(f"Comptes de démonstration (mot de passe commun : {DEMO_PASSWORD})")
        for account in accounts:
            self.stdout.write(f"  {account.username:<12} {account.role.label}")
        self.stdout.write("")
