"""``microcredit rsa_base_amounts``: read the RSA base amount of some months from
OpenFisca-France into the cache the budget diagnostic reads (the web process never loads
OpenFisca). Months default to the last twelve and the next three."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from microcredit.core.formatting import format_month
from microcredit.rights.services import rsa_base_amounts_fill


def _month(text: str) -> date:
    match = re.fullmatch(r"(\d{4})-(\d{2})", text)
    if not match or not 1 <= int(match[2]) <= 12:
        raise CommandError(f"Mois invalide : {text} (attendu : AAAA-MM).")
    return date(int(match[1]), int(match[2]), 1)


def _shift(month: date, delta: int) -> date:
    index = month.year * 12 + month.month - 1 + delta
    return date(index // 12, index % 12 + 1, 1)


class Command(BaseCommand):
    help = "Met en cache le montant forfaitaire du RSA de chaque mois (lu dans OpenFisca-France)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="first", help="premier mois, AAAA-MM")
        parser.add_argument("--to", dest="last", help="dernier mois, AAAA-MM")

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        this_month = date(today.year, today.month, 1)
        first = _month(options["first"]) if options["first"] else _shift(this_month, -12)
        last = _month(options["last"]) if options["last"] else _shift(this_month, 3)
        if first > last:
            raise CommandError("Le premier mois est après le dernier.")
        months = []
        month = first
        while month <= last:
            months.append(month)
            month = _shift(month, 1)
        for row in rsa_base_amounts_fill(months=months):
            version = row.openfisca_france_version
            self.stdout.write(
                f"{format_month(row.month)} : {row.amount} € (OpenFisca-France {version})"
            )
