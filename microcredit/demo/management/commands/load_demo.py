import contextlib
import io
from typing import Any

from django.core.management.base import BaseCommand

from microcredit.demo.loading import DEMO_DOSSIERS, DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Charge les données de démonstration (idempotent) et affiche les comptes de démo."

    def handle(self, *args: Any, **options: Any) -> None:
        # The demo dossiers' moves notify their référent after commit; with the console e-mail
        # backend of `make run`, that is some thirty demonstration e-mails on the terminal.
        # They are not shown (self.stdout still writes to the real output).
        with contextlib.redirect_stdout(io.StringIO()):
            accounts = load_demo()
        self.stdout.write("")
        self.stdout.write(f"Comptes de démonstration (mot de passe commun : {DEMO_PASSWORD})")
        for account in accounts:
            self.stdout.write(f"  {account.username:<12} {account.role.label}")
        self.stdout.write(f"{len(DEMO_DOSSIERS)} dossiers de démonstration")
        self.stdout.write("")
