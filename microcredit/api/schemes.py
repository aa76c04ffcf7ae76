"""The scheme's rules, readable by the bank (#18 point 4): `GET /schemes`.

For each CCAS programme financed by the token's bank, the parameter version in force today: the
bounds the bank's decision must respect (amount, months, deferral), the nominal rate, the usury
thresholds in force, the repayment tolerance. The limits that do not depend on a scheme (the
offer file's size, a repayment batch's length) come with them. No personal data: no read log.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Schema

from microcredit.api import schemas
from microcredit.api.base import READ, api, principal_of, responses
from microcredit.api.schemas import Money, Percent
from microcredit.dossiers.enums import DeferralKind as DossierDeferralKind
from microcredit.loans.services import MAX_BATCH
from microcredit.programmes.models import Programme, ProgrammeVersion


def _scaled(value: Decimal) -> Decimal:
    """At least two decimals ("3000" -> 3000.00, "23.5" -> 23.50): ninja's renderer writes a
    Decimal as it is, so the `Money`/`Percent` patterns hold for any stored scale."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -2:
        return value.quantize(Decimal("0.01"))
    return value


class UsuryThresholdOut(Schema):
    valid_from: dt.date = Field(description="Seuil en vigueur à partir du (AAAA-MM-JJ).")
    amount_up_to: Money | None = Field(
        description="Tranche : prêts jusqu'à ce montant (€) ; null pour la tranche sans plafond."
    )
    rate_percent: Percent = Field(description="TAEG maximal de la tranche (%).")


class SchemeOut(Schema):
    organisation: str = Field(description="Le CCAS (nom).")
    organisation_slug: str = Field(description="Le CCAS (identifiant court).")
    programme: str = Field(description="Le dispositif (nom).")
    programme_slug: str = Field(description="Le dispositif (identifiant court).")
    version: int = Field(description="Version des paramètres en vigueur.")
    valid_from: dt.date = Field(description="Paramètres en vigueur depuis le (AAAA-MM-JJ).")
    min_amount: Money = Field(description="Montant minimal accordé (€).")
    max_amount: Money = Field(description="Montant maximal accordé (€).")
    min_months: int = Field(description="Durée minimale (mois, différé compris).")
    max_months: int = Field(description="Durée maximale (mois, différé compris).")
    max_deferral_months: int = Field(description="Différé maximal (mois).")
    deferral_kinds: list[schemas.DeferralKind] = Field(
        description="Types de différé acceptés (« none » : sans différé, toujours accepté)."
    )
    nominal_rate_percent: Percent = Field(description="Taux nominal annuel (%).")
    usury_thresholds: list[UsuryThresholdOut] = Field(
        description="Seuils de l'usure en vigueur aujourd'hui, par tranche de montant : le TAEG "
        "du prêt accordé ne peut pas dépasser celui de sa tranche (code usury_exceeded)."
    )
    repayment_tolerance: Money = Field(
        description="Un remboursement peut dépasser le solde dû à sa date d'au plus ce montant "
        "(€) ; au-delà il est refusé."
    )


class LimitsOut(Schema):
    offer_file_max_bytes: int = Field(
        description="Taille maximale du fichier de l'offre signée (octets) ; PDF, JPEG ou PNG."
    )
    repayment_batch_max: int = Field(description="Remboursements au plus par envoi (lot).")


class SchemeList(Schema):
    on: dt.date = Field(description="Date à laquelle les paramètres sont en vigueur (aujourd'hui).")
    limits: LimitsOut = Field(description="Limites communes à tous les dispositifs.")
    items: list[SchemeOut] = Field(
        description="Les dispositifs des CCAS partenaires de votre banque."
    )


def _deferral_kinds(version: ProgrammeVersion) -> list[str]:
    kinds = [DossierDeferralKind.NONE.value]
    if version.allow_interest_only_deferral:
        kinds.append(DossierDeferralKind.INTEREST_ONLY.value)
    if version.allow_capitalised_deferral:
        kinds.append(DossierDeferralKind.CAPITALISED.value)
    return kinds


def usury_in_force(version: ProgrammeVersion, on_date: dt.date) -> list[dict[str, Any]]:
    """The rows of the usury table in force on `on_date` (loan_engine.check_usury's choice: the
    latest `valid_from` on or before the date), the bounded bands first, by amount."""
    rows = [r for r in version.usury_rows() if r["valid_from"] <= on_date]
    if not rows:
        return []
    latest = max(r["valid_from"] for r in rows)
    bands = [r for r in rows if r["valid_from"] == latest]
    bands.sort(key=lambda r: (r["amount_up_to"] is None, r["amount_up_to"] or Decimal(0)))
    return [
        {
            "valid_from": r["valid_from"],
            "amount_up_to": None if r["amount_up_to"] is None else _scaled(r["amount_up_to"]),
            "rate_percent": _scaled(r["rate_percent"]),
        }
        for r in bands
    ]


def scheme_out(programme: Programme, version: ProgrammeVersion, on_date: dt.date) -> dict[str, Any]:
    return {
        "organisation": programme.organisation.name,
        "organisation_slug": programme.organisation.slug,
        "programme": programme.name,
        "programme_slug": programme.slug,
        "version": version.number,
        "valid_from": version.valid_from,
        "min_amount": _scaled(version.min_amount),
        "max_amount": _scaled(version.max_amount),
        "min_months": version.min_months,
        "max_months": version.max_months,
        "max_deferral_months": version.max_deferral_months,
        "deferral_kinds": _deferral_kinds(version),
        "nominal_rate_percent": _scaled(version.nominal_rate_percent),
        "usury_thresholds": usury_in_force(version, on_date),
        "repayment_tolerance": _scaled(version.repayment_tolerance),
    }


def schemes_of_bank(bank_id: int, on_date: dt.date) -> list[dict[str, Any]]:
    """The bank's partner programmes with their version in force: two queries, whatever their
    number (a programme without a version in force yet is left out)."""
    programmes = (
        Programme.objects.filter(bank_partner_id=bank_id)
        .select_related("organisation")
        .prefetch_related("versions")
        .order_by("organisation__name", "name", "pk")
    )
    items = []
    for programme in programmes:
        current = max(
            (v for v in programme.versions.all() if v.valid_from <= on_date),
            key=lambda v: v.valid_from,
            default=None,
        )
        if current is not None:
            items.append(scheme_out(programme, current, on_date))
    return items


@api.get(
    "/schemes",
    response=responses(READ, SchemeList),
    summary="Lire les règles des dispositifs partenaires",
    description=(
        "Pour chaque dispositif de CCAS financé par votre banque, les paramètres en vigueur "
        "aujourd'hui : montants, durées, différé, taux nominal, seuils de l'usure, tolérance "
        "des remboursements. Une décision hors de ces bornes est refusée (422, codes "
        "amount_out_of_range, months_out_of_range, deferral_out_of_range, "
        "deferral_kind_not_allowed, usury_exceeded). S'y ajoutent les limites communes : taille "
        "du fichier de l'offre, nombre de remboursements par lot."
    ),
    tags=["schemes"],
)
def scheme_list(request: HttpRequest) -> dict[str, Any]:
    principal = principal_of(request)
    today = timezone.localdate()
    return {
        "on": today,
        "limits": {
            "offer_file_max_bytes": settings.DOCUMENT_MAX_BYTES,
            "repayment_batch_max": MAX_BATCH,
        },
        "items": schemes_of_bank(principal.membership.organisation_id, today),
    }
