"""Usury threshold (taux d'usure) check against a dated parameter table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from ._wording import eur, percent
from .dates import check_date
from .money import to_decimal, to_money

__all__ = ["UsuryCheck", "UsuryThreshold", "check_usury"]


@dataclass(frozen=True, slots=True)
class UsuryThreshold:
    """One row of the usury table: from ``valid_from``, loans up to ``amount_up_to`` (None: no
    upper bound) must have an APR not above ``rate_percent`` (in percent, e.g. 22.00)."""

    valid_from: dt.date
    amount_up_to: Decimal | None
    rate_percent: Decimal


@dataclass(frozen=True, slots=True)
class UsuryCheck:
    """Result of :func:`check_usury`: ``ok`` iff a threshold applies and the APR ≤ threshold."""

    ok: bool
    threshold: Decimal | None
    message: str


def check_usury(
    apr_percent: Decimal,
    principal: Decimal,
    on_date: dt.date,
    table: Iterable[UsuryThreshold],
) -> UsuryCheck:
    """Check an offer's APR against the usury threshold of its amount band on ``on_date``.

    The table's latest ``valid_from`` on or before ``on_date`` is in force; within it, the band
    is the smallest ``amount_up_to`` ≥ principal (or the unbounded band). The offer is usurious
    when its APR exceeds the threshold. If no row applies, ``ok`` is False and the message says
    so.
    """
    apr = to_decimal(apr_percent, what="TAEG")
    amount = to_money(principal)
    check_date(on_date, "date de l'offre")
    rows = [r for r in table if r.valid_from <= on_date]
    day = on_date.strftime("%d/%m/%Y")
    if rows:
        latest = max(r.valid_from for r in rows)
        bands = [r for r in rows if r.valid_from == latest]
        fitting = [r for r in bands if r.amount_up_to is None or amount <= r.amount_up_to]
        fitting.sort(key=lambda r: (r.amount_up_to is None, r.amount_up_to or Decimal(0)))
    else:
        fitting = []
    if not fitting:
        return UsuryCheck(
            False,
            None,
            f"Aucun seuil d'usure applicable au {day} pour un montant de {eur(amount)}.",
        )
    row = fitting[0]
    threshold = row.rate_percent
    ok = apr <= threshold
    verdict = "conforme au" if ok else "supérieur au"
    return UsuryCheck(
        ok,
        threshold,
        f"TAEG de {percent(apr)} {verdict} seuil d'usure de {percent(threshold)} "
        f"applicable au {day} pour un montant de {eur(amount)}.",
    )
