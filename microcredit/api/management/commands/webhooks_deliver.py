"""`microcredit webhooks_deliver [--now ISO-DATETIME]`: send the bank notifications now due.

Every pending webhook delivery whose next attempt is due is attempted once (signed POST,
5 s timeout); a failure is rescheduled with the backoff of `api.webhooks.BACKOFF`, and given up
after MAX_ATTEMPTS. To be scheduled every minute. Idempotent and safe to run concurrently: each
delivery is locked while it is sent (SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL), and one
already sent or rescheduled is not due any more.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from microcredit.api.webhooks import webhooks_deliver_due


class Command(BaseCommand):
    help = "Envoie les notifications (webhooks) des banques dont la tentative est due."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--now",
            help="Date et heure de référence (ISO 8601), pour les essais ; par défaut maintenant.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        if options.get("now"):
            try:
                now = datetime.fromisoformat(options["now"])
            except ValueError:
                raise CommandError("--now : date ISO 8601 attendue.") from None
            if timezone.is_naive(now):
                now = timezone.make_aware(now)
        counts = webhooks_deliver_due(now=now)
        self.stdout.write(
            f"{counts['delivered']} remise(s), {counts['pending']} à réessayer, "
            f"{counts['failed']} abandonnée(s), {counts['skipped']} en cours ailleurs."
        )
