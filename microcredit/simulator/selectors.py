"""Reads of the public simulator: the scheme shown to the public and its parameters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from loan_engine import DeferralKind, Limits, UsuryThreshold
from microcredit.programmes.models import Programme, ProgrammeVersion
from microcredit.programmes.selectors import public_programme, version_in_force
from microcredit.simulator import rules


@dataclass(frozen=True)
class PublicScheme:
    programme: Programme
    version: ProgrammeVersion

    @property
    def deferral_kinds(self) -> tuple[DeferralKind, ...]:
        """The deferral kinds the scheme offers (none when the maximum deferral is 0)."""
        if not self.version.max_deferral_months:
            return ()
        kinds = []
        if self.version.allow_interest_only_deferral:
            kinds.append(DeferralKind.INTEREST_ONLY)
        if self.version.allow_capitalised_deferral:
            kinds.append(DeferralKind.CAPITALISED)
        return tuple(kinds)

    @property
    def limits(self) -> Limits:
        v = self.version
        return Limits(
            min_amount=v.min_amount,
            max_amount=v.max_amount,
            min_months=v.min_months,
            max_months=v.max_months,
            max_deferral_months=v.max_deferral_months,
            allowed_deferral_kinds=frozenset(self.deferral_kinds),
        )

    def usury_table(self) -> list[UsuryThreshold]:
        return [UsuryThreshold(**row) for row in self.version.usury_rows()]


def public_scheme(today: date) -> PublicScheme | None:
    """The default organisation's scheme and its parameters in force on `today`, if any."""
    programme = public_programme()
    if programme is None:
        return None
    version = version_in_force(programme, today)
    if version is None:
        return None
    return PublicScheme(programme, version)


def public_simulation(
    *,
    scheme: PublicScheme,
    today: date,
    amount: Decimal,
    months: int,
    deferral_months: int,
    deferral_kind: DeferralKind,
) -> rules.Simulation:
    """A loan simulated under the scheme in force, as if disbursed today.

    Raises:
        LoanEngineError: terms the engine or the scheme's bounds refuse (French message).
    """
    v = scheme.version
    return rules.simulate(
        amount=amount,
        months=months,
        deferral_months=deferral_months,
        deferral_kind=deferral_kind,
        annual_rate=v.nominal_rate,
        disbursement_date=today,
        limits=scheme.limits,
        bonification_enabled=v.bonification_enabled,
        bonification_cap=v.bonification_cap,
        usury_table=scheme.usury_table(),
    )
