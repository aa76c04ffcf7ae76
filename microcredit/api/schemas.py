"""The shapes the bank partner's API reads and writes (OpenAPI 3 components).

Identifiers are English, descriptions French: they end up in the schema and on the docs page.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import AfterValidator, PlainSerializer, WithJsonSchema
from pydantic_core import PydanticCustomError

from microcredit.banking.enums import BankRefusalReason
from microcredit.core.text import find_nir
from microcredit.core.validators import NIR_CODE, NIR_MESSAGE
from microcredit.dossiers.enums import DeferralKind as DossierDeferralKind
from microcredit.dossiers.enums import DossierState
from microcredit.loans.enums import IncidentKind as LoanIncidentKind
from microcredit.loans.services import MAX_BATCH

# Dates the API takes: a real calendar date of this century (the schedules add months to them).
FIRST_DATE = dt.date(2000, 1, 1)
LAST_DATE = dt.date(2099, 12, 31)
# MAX_BATCH (repayments per batch) is the service's: the schema promises what it accepts.


def _no_control_characters(value: str) -> str:
    if any(ord(c) < 32 and c not in "\t\n\r" for c in value) or "\x7f" in value:
        raise ValueError("control characters")
    return value


def _no_nir(value: str) -> str:
    """A free text never holds a social-security number (as every form's free text, see
    core.validators): 422 with the French sentence (api.errors reads the « nir » type)."""
    if find_nir(value) is not None:
        raise PydanticCustomError(NIR_CODE, str(NIR_MESSAGE))
    return value


def _within_century(value: dt.date) -> dt.date:
    if not FIRST_DATE <= value <= LAST_DATE:
        raise ValueError("date out of range")
    return value


# Every free text the bank sends (a refusal's details, a note, a reason…).
Text = Annotated[str, AfterValidator(_no_control_characters), AfterValidator(_no_nir)]
ApiDate = Annotated[dt.date, AfterValidator(_within_century)]
Amount = Annotated[Decimal, Field(gt=0, max_digits=10, decimal_places=2)]
# An amount in euros in an answer: a string with exactly two decimals ("1200.00", "-3.10"), the
# `Money` component of the schema (never a JSON number: no binary rounding in any client).
MONEY_PATTERN = r"^-?[0-9]{1,9}\.[0-9]{2}$"
Money = Annotated[
    Decimal,
    PlainSerializer(lambda value: f"{value:.2f}", return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": MONEY_PATTERN,
            "description": "Montant en euros, deux décimales (Amount in euros, two decimals).",
            "examples": ["1200.00"],
        },
        mode="serialization",
    ),
]
DossierNumber = Annotated[
    str,
    Field(
        min_length=1,
        max_length=20,
        pattern=r"^[A-Za-z0-9-]+$",
        description="Numéro du dossier, par exemple MC-2026-00042.",
    ),
]
Reference = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9._:/-]+$",
        description="Référence de l'opération chez la banque (unique pour la banque).",
    ),
]


# Enumerations as plain Python enums: the schema lists their values.
State = enum.Enum("State", {s.name: s.value for s in DossierState}, type=str)  # type: ignore[misc]
DeferralKind = enum.Enum("DeferralKind", {k.name: k.value for k in DossierDeferralKind}, type=str)  # type: ignore[misc]
RefusalReason = enum.Enum(  # type: ignore[misc]
    "RefusalReason", {r.name: r.value for r in BankRefusalReason}, type=str
)
IncidentKind = enum.Enum("IncidentKind", {k.name: k.value for k in LoanIncidentKind}, type=str)  # type: ignore[misc]


class Error(Schema):
    """Every error: a machine code, a French sentence, and the faults per field when there are."""

    code: str = Field(description="Code machine de l'erreur, par exemple « not_found ».")
    message: str = Field(description="Explication en français, pour une personne.")
    errors: dict[str, list[str]] | None = Field(
        None, description="Erreurs par champ (chemin du champ → messages en français)."
    )


# ---------------------------------------------------------------------------- dossiers (read)
class ApplicantOut(Schema):
    last_name: str = Field(description="Nom.")
    first_name: str = Field(description="Prénom.")
    birth_date: dt.date = Field(description="Date de naissance.")
    address: str = Field(description="Adresse.")
    postcode: str = Field(description="Code postal.")
    commune: str = Field(description="Commune.")


class PayeeOut(Schema):
    name: str = Field(description="Bénéficiaire du chèque (le fournisseur, en principe).")
    siret: str = Field(description="SIRET du bénéficiaire (vide s'il n'est pas connu).")
    address: str = Field(description="Adresse du bénéficiaire.")


class RequestOut(Schema):
    amount: Decimal | None = Field(description="Montant demandé (€).")
    months: int | None = Field(description="Durée demandée (mois).")
    deferral_months: int = Field(description="Différé demandé (mois).")
    deferral_kind: DeferralKind = Field(description="Type de différé demandé.")


class DecisionOut(Schema):
    outcome: Literal["accepted", "refused"] = Field(description="Décision de la banque.")
    decided_at: dt.datetime = Field(description="Date et heure de la décision.")
    amount: Decimal | None = Field(description="Montant accordé (€).")
    months: int | None = Field(description="Durée accordée (mois).")
    deferral_months: int = Field(description="Différé accordé (mois).")
    deferral_kind: DeferralKind = Field(description="Type de différé accordé.")
    nominal_rate_percent: Decimal | None = Field(description="Taux nominal annuel (%).")
    installment: Decimal | None = Field(description="Mensualité (€).")
    apr_percent: Decimal | None = Field(description="TAEG (%).")
    refusal_reason: RefusalReason | None = Field(description="Motif du refus.")
    refusal_text: str = Field(description="Précisions sur le refus.")
    offer_signed_on: dt.date | None = Field(description="Date de signature de l'offre.")


class LoanSummaryOut(Schema):
    loan_id: int = Field(description="Identifiant du prêt.")
    state: str = Field(description="État du prêt (active, repaid, guarantee_called).")
    disbursement_date: dt.date = Field(description="Date du décaissement.")
    cheque_number: str = Field(description="Numéro du chèque.")
    payee_name: str = Field(description="Bénéficiaire du chèque.")
    principal: Decimal = Field(description="Montant prêté (€).")
    months: int = Field(description="Durée (mois).")
    installment: Decimal = Field(description="Mensualité (€).")
    total_interest: Decimal = Field(description="Intérêts (€).")
    total_due: Decimal = Field(description="Montant total dû (€).")
    apr_percent: Decimal = Field(description="TAEG (%).")


class DossierOut(Schema):
    number: str = Field(description="Numéro du dossier.")
    state: State = Field(description="État du dossier.")
    state_label: str = Field(description="État du dossier, en français.")
    transmitted_at: dt.datetime = Field(description="Transmis à la banque le.")
    commission_decision_date: dt.date | None = Field(
        description="Date de la Commission Permanente qui a transmis le dossier."
    )
    applicant: ApplicantOut
    purpose_category: str = Field(description="Catégorie de projet.")
    purpose_subcategory: str = Field(description="Sous-catégorie de projet.")
    project_description: str = Field(description="Le projet, en quelques mots.")
    project_cost: Decimal | None = Field(description="Coût du projet (€).")
    payee: PayeeOut
    requested: RequestOut
    decision: DecisionOut | None = Field(description="Décision de la banque, une fois prise.")
    loan: LoanSummaryOut | None = Field(description="Le prêt, une fois décaissé.")
    updated_at: dt.datetime = Field(
        description="Dernier changement vu par la banque : le dossier (état, décision, prêt), "
        "l'offre signée, un remboursement, un incident ou un nouvel échéancier (le filtre "
        "updated_since de la liste le compare)."
    )


class DossierPage(Schema):
    count: int = Field(description="Nombre total de dossiers (après filtre).")
    page: int = Field(description="Numéro de la page (à partir de 1).")
    pages: int = Field(description="Nombre de pages.")
    page_size: int = Field(description="Dossiers par page.")
    items: list[DossierOut]


class ScheduleLineOut(Schema):
    number: int = Field(description="Numéro de l'échéance.")
    due_date: dt.date = Field(description="Date d'échéance.")
    kind: str = Field(description="Nature : deferral, installment, early-repayment, plan.")
    payment: Decimal = Field(description="À payer (€).")
    interest: Decimal = Field(description="Dont intérêts (€).")
    principal: Decimal = Field(description="Dont capital (€).")
    capitalised: Decimal = Field(description="Intérêts capitalisés (€).")
    balance: Decimal = Field(description="Capital restant dû après l'échéance (€).")
    line_id: str = Field(
        description="Identité stable de la ligne d'une version de l'échéancier à la suivante : "
        "« <kind>-<due_date> » (installment-2027-04-10), suivi de -2, -3… pour une autre ligne "
        "de même nature et de même date dans la version. Un remboursement anticipé renumérote "
        "les lignes (number) mais les échéances suivantes gardent leur line_id (leurs montants "
        "peuvent changer). Unique dans une version ; à comparer tel quel, sans l'analyser."
    )
    paid: Money = Field(description="Payé sur la ligne à la date du jour, avance comprise (€).")
    remaining: Money = Field(description="Reste à payer sur la ligne à la date du jour (€).")
    status: str = Field(
        description="À la date du jour : paid (payée, y compris d'avance), partial (payée en "
        "partie, pas encore échue), due (rien payé, pas encore échue), overdue (échue et pas "
        "entièrement payée). Liste ouverte : acceptez une valeur inconnue.",
        examples=["paid"],
    )


class ScheduleOut(Schema):
    number: str = Field(description="Numéro du dossier.")
    loan_id: int = Field(description="Identifiant du prêt.")
    version: int = Field(description="Version de l'échéancier.")
    lines: list[ScheduleLineOut]


# ------------------------------------------------------------------------------------ writes
class DecisionIn(Schema):
    outcome: Literal["accepted", "refused"] = Field(description="« accepted » ou « refused ».")
    amount: Amount | None = Field(None, description="Accord : montant accordé (€).")
    months: int | None = Field(None, ge=1, le=360, description="Accord : durée (mois).")
    deferral_months: int = Field(0, ge=0, le=60, description="Accord : différé (mois).")
    deferral_kind: DeferralKind = Field(
        DeferralKind.NONE,  # type: ignore[attr-defined]
        description="Accord : type de différé.",
    )
    refusal_reason: RefusalReason | None = Field(None, description="Refus : motif (liste).")
    refusal_text: Text = Field("", max_length=2000, description="Refus : précisions.")


class DisbursementIn(Schema):
    cheque_number: Annotated[str, Field(min_length=1, max_length=30, pattern=r"^[A-Za-z0-9 -]+$")]
    date: ApiDate = Field(description="Date du décaissement (AAAA-MM-JJ).")
    amount: Amount = Field(description="Montant du chèque (€) : le montant accordé.")
    payee_name: Text = Field(
        "", max_length=200, description="Bénéficiaire s'il diffère de celui du dossier."
    )
    payee_change_reason: Text = Field(
        "", max_length=2000, description="Motif du changement de bénéficiaire."
    )
    payee_siret: Text = Field(
        "",
        max_length=20,
        description="SIRET du bénéficiaire (14 chiffres) : obligatoire s'il diffère de celui "
        "du dossier.",
    )


class RepaymentIn(Schema):
    reference: Reference
    dossier_number: DossierNumber
    date: ApiDate = Field(description="Date du remboursement (AAAA-MM-JJ).")
    amount: Amount = Field(description="Montant reçu (€).")
    early_repayment: bool = Field(False, description="Remboursement anticipé demandé.")
    early_repayment_keep: Literal["installment", "end_date"] = Field(
        "installment",
        description="Remboursement anticipé : « installment » garde la mensualité (moins "
        "d'échéances), « end_date » garde la date de fin (mensualité plus faible).",
    )


class RepaymentBatchIn(Schema):
    repayments: list[RepaymentIn] = Field(min_length=1, max_length=MAX_BATCH)


class RepaymentItemOut(Schema):
    reference: str
    dossier_number: str
    status: Literal["recorded", "already_recorded", "duplicate_in_batch"] = Field(
        description="« recorded » : enregistré par cet envoi ; « already_recorded » : déjà reçu "
        "par un envoi précédent ; « duplicate_in_batch » : même référence et même contenu "
        "qu'une ligne précédente de ce lot (ignorée)."
    )


class RepaymentBatchOut(Schema):
    recorded: int = Field(description="Remboursements enregistrés par cet envoi.")
    already_recorded: int = Field(description="Remboursements déjà reçus (ignorés).")
    duplicate_in_batch: int = Field(
        description="Lignes répétant une ligne précédente du lot (ignorées)."
    )
    items: list[RepaymentItemOut]


class IncidentIn(Schema):
    reference: Reference
    dossier_number: DossierNumber
    kind: IncidentKind = Field(description="Nature de l'incident.")
    date: ApiDate = Field(description="Date de l'incident (AAAA-MM-JJ).")
    amount: Amount | None = Field(None, description="Montant concerné (€).")
    note: Text = Field("", max_length=2000, description="Précisions.")


class IncidentOut(Schema):
    reference: str
    dossier_number: str
    kind: IncidentKind
    date: dt.date
    amount: Decimal | None
    note: str
    status: Literal["recorded", "already_recorded"]
