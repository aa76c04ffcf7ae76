"""The schemes an installation can start from, loaded by `microcredit load_scheme <name>`.

A scheme is data: a CCAS, its bank partner, their partnership, the programme and the first version
of its parameters. A new database holds none (the migrations create no data: an installation for
another CCAS does not start with Saint-Étienne's parameters). Loading creates what is missing and
changes nothing that exists: a second run is a no-op, and the parameters of a programme that
already has a version are left as they are (a change is a new version, see `services`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction

from microcredit.core.errors import Refused
from microcredit.organisations.models import Organisation, Partnership
from microcredit.programmes.models import Programme, ProgrammeVersion


@dataclass(frozen=True)
class Scheme:
    """What `scheme_load` creates; the dicts hold the model fields (besides the slugs)."""

    ccas_slug: str
    ccas: dict[str, Any]
    bank_slug: str
    bank: dict[str, Any]
    partnership_since: date
    programme_slug: str
    programme_name: str
    first_version: dict[str, Any]


class UnknownScheme(Refused):
    pass


def schemes() -> dict[str, Scheme]:
    """The schemes by name (imported here: each module builds its `Scheme` from this one)."""
    from microcredit.programmes.schemes import saint_etienne

    return {"saint-etienne": saint_etienne.SCHEME}


def scheme_load(name: str) -> list[str]:
    """Create what the scheme `name` lacks; return what was created, in French (empty when the
    scheme was already there). Raise `UnknownScheme` for a name no scheme has."""
    known = schemes()
    if name not in known:
        raise UnknownScheme(
            f"Dispositif inconnu : « {name} ».",
            "Dispositifs disponibles : " + ", ".join(sorted(known)) + ".",
        )
    return _load(known[name])


@transaction.atomic
def _load(scheme: Scheme) -> list[str]:
    created: list[str] = []
    ccas, new = Organisation.objects.get_or_create(slug=scheme.ccas_slug, defaults=scheme.ccas)
    if new:
        created.append(f"organisation « {ccas.name} »")
    bank, new = Organisation.objects.get_or_create(slug=scheme.bank_slug, defaults=scheme.bank)
    if new:
        created.append(f"organisation « {bank.name} »")
    _, new = Partnership.objects.get_or_create(
        ccas=ccas, partner=bank, defaults={"since": scheme.partnership_since}
    )
    if new:
        created.append(f"partenariat « {ccas.name} » – « {bank.name} »")
    programme, new = Programme.objects.get_or_create(
        organisation=ccas,
        slug=scheme.programme_slug,
        defaults={"name": scheme.programme_name, "bank_partner": bank},
    )
    if new:
        created.append(f"dispositif « {programme.name} »")
    if not ProgrammeVersion.objects.filter(programme=programme).exists():
        ProgrammeVersion.objects.create(programme=programme, number=1, **scheme.first_version)
        created.append(f"version 1 des paramètres de « {programme.name} »")
    return created
