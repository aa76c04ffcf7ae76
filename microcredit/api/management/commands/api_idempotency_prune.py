"""`microcredit api_idempotency_prune`: delete the API's idempotency records older than
MICROCREDIT_IDEMPOTENCY_DAYS days (30 by default); run nightly."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from microcredit.api.idempotency import idempotency_prune


class Command(BaseCommand):
    help = "Supprime les clés d'idempotence de l'API plus anciennes que la durée de conservation."

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = idempotency_prune()
        self.stdout.write(f"{deleted} clé(s) d'idempotence supprimée(s).")
