"""The bilan's sentences that several outputs show (the page, the charts' tables, the PDF)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from microcredit.core.formatting import format_count, format_eur
from microcredit.reporting.rules import Bilan


@dataclass(frozen=True)
class LossBases:
    count: str  # « 9 appels de garantie sur 192 prêts décaissés »
    amount: str  # « 8 500,00 € de capital restant dû appelé sur 184 000,00 € prêtés »


def loss_bases(bilan: Bilan) -> LossBases:
    """What each loss rate is computed on, in words, each count with its own plural."""
    calls = ngettext(
        "%(calls)s appel de garantie", "%(calls)s appels de garantie", bilan.guarantee_calls
    ) % {"calls": format_count(bilan.guarantee_calls)}
    loans = ngettext(
        "%(loans)s prêt décaissé", "%(loans)s prêts décaissés", bilan.disbursed_count
    ) % {"loans": format_count(bilan.disbursed_count)}
    return LossBases(
        count=_("%(calls)s sur %(loans)s") % {"calls": calls, "loans": loans},
        amount=_("%(claimed)s de capital restant dû appelé sur %(lent)s prêtés")
        % {
            "claimed": format_eur(bilan.guarantee_calls_amount),
            "lent": format_eur(bilan.disbursed_amount),
        },
    )
