"""Reads of the public simulator: the CCAS whose page it is, its scheme and its parameters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.conf import settings

from loan_engine import DeferralKind, Limits, UsuryThreshold
from microcredit.organisations.enums import OrganisationKind
from microcredit.organisations.models import Organisation
from microcredit.programmes.communes import communes
from microcredit.programmes.models import Programme, ProgrammeVersion
from microcredit.programmes.selectors import (
    public_programme,
    public_programme_of,
    version_in_force,
)
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
    return _scheme(public_programme(), today)


def default_ccas() -> Organisation | None:
    """The CCAS `/simulateur/` serves: the one the setting DEFAULT_ORGANISATION_SLUG names."""
    return public_ccas(settings.DEFAULT_ORGANISATION_SLUG)


def public_ccas(slug: str) -> Organisation | None:
    """The CCAS of this identifier (a bank or a partner structure has no public page)."""
    return Organisation.objects.filter(slug=slug, kind=OrganisationKind.CCAS).first()


def public_scheme_of(organisation: Organisation, today: date) -> PublicScheme | None:
    """The CCAS's public scheme (its first one) and its parameters in force on `today`, if any:
    none while its director has not recorded a version in force."""
    return _scheme(public_programme_of(organisation), today)


def _scheme(programme: Programme | None, today: date) -> PublicScheme | None:
    if programme is None:
        return None
    version = version_in_force(programme, today)
    if version is None:
        return None
    return PublicScheme(programme, version)


@dataclass(frozen=True)
class HostedSimulator:
    """Another CCAS of the installation whose simulator is open, and the communes it serves."""

    organisation: Organisation
    territory: list[dict[str, Any]]


def other_open_simulators(*, today: date, excluded: Organisation | None) -> list[HostedSimulator]:
    """The CCAS of the installation with a scheme in force on `today`, but `excluded`, by name;
    one query. Each with the territory of its public scheme (its first one) in force today."""
    versions = (
        ProgrammeVersion.objects.filter(
            programme__organisation__kind=OrganisationKind.CCAS, valid_from__lte=today
        )
        .select_related("programme__organisation")
        .order_by(
            "programme__organisation__name",
            "programme__organisation_id",
            "programme_id",
            "-valid_from",
        )
    )
    if excluded is not None:
        versions = versions.exclude(programme__organisation=excluded)
    hosted: dict[int, HostedSimulator] = {}
    for version in versions:
        organisation = version.programme.organisation
        if organisation.pk not in hosted:  # the first programme's latest version in force
            hosted[organisation.pk] = HostedSimulator(organisation, version.territory)
    return list(hosted.values())


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


@lru_cache(maxsize=1)
def commune_names() -> dict[str, str]:
    """Folded commune name → official name, for every commune of the national list (read once
    a process): to say which commune a visitor typed by name."""
    return rules.commune_names_by_fold(communes())
