"""What the apps above `budgets` contribute to it (see core/hooks.py).

The RSA base amount that the budget's floor needs is read from OpenFisca-France by the rights
app, which sits above `budgets` (its engine reads the budget); `budgets` asks for it here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from microcredit.core.hooks import Provider


@dataclass(frozen=True)
class RsaBase:
    """The RSA montant forfaitaire for one person in force in `month`."""

    month: date
    amount: Decimal
    openfisca_france_version: str


# The amount of the month, or of the latest month before it that is known; None if none is.
rsa_base_amount_for: Provider[[date], RsaBase | None] = Provider("budgets.rsa_base_amount_for")
