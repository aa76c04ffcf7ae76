"""The shapes the bank partner's API reads and writes (OpenAPI 3 components).

Identifiers are English, descriptions French: they end up in the schema and on the docs page.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import AfterValidator, PlainSerializer, WithJsonSchema
from pydantic_core import PydanticCustomError

from microcredit.banking.enums import BankRefusalReason
from microcredit.core.text import find_nir
from microcredit.core.validators import NIR_CODE, NIR_MESSAGE
from microcredit.dossiers.enums import DeferralKind as DossierDeferralKind
from microcredit.dossiers.enums import DossierState
from microcredit.loans.enums import IncidentKind as LoanIncidentKind
from microcredit.loans.enums import LoanState, ScheduleLineKind
from microcredit.loans.services import MAX_BATCH
from microcredit.servicing.enums import ClaimState, PlanState

# Dates the API takes: a real calendar date of this century (the schedules add months to them).
FIRST_DATE = dt.date(2000, 1, 1)
LAST_DATE = dt.date(2099, 12, 31)
# MAX_BATCH (repayments per batch) is the service's: the schema promises what it accepts.

# The keys by which a field's inline schema names the component that the post-processing of the
# OpenAPI schema (api.openapi_shape) puts in its place: `x-component` -> {"$ref": ...}, and
# `x-open-enum` -> anyOf [{"$ref": <enum>}, {"type": "string"}] (an enum that may grow).
COMPONENT_KEY = "x-component"
OPEN_ENUM_KEY = "x-open-enum"
DATE_KEY = "x-api-date"

MONEY_PATTERN = r"^-?[0-9]{1,9}\.[0-9]{2}$"
MONEY_IN_PATTERN = r"^[0-9]{1,8}\.[0-9]{2}$"
PERCENT_PATTERN = r"^[0-9]{1,3}\.[0-9]{2,3}$"
DATE_RULE = "Date entre 2000-01-01 et 2099-12-31 (AAAA-MM-JJ)."


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


def _percent(value: Decimal) -> str:
    places = min(3, max(2, -int(value.as_tuple().exponent)))
    return f"{value:.{places}f}"


def component(name: str) -> WithJsonSchema:
    """The field's schema is the named component (see COMPONENTS)."""
    return WithJsonSchema({COMPONENT_KEY: name})


def open_enum(name: str) -> WithJsonSchema:
    """The field's schema: the named enum, or any other string (the list may grow)."""
    return WithJsonSchema({OPEN_ENUM_KEY: name})


# Every free text the bank sends (a refusal's details, a note, a reason…).
Text = Annotated[str, AfterValidator(_no_control_characters), AfterValidator(_no_nir)]
ApiDate = Annotated[
    dt.date,
    AfterValidator(_within_century),
    WithJsonSchema({"type": "string", "format": "date", DATE_KEY: True}),
]
# An amount in euros sent by the bank: the `MoneyIn` component, a string with two decimals.
Amount = Annotated[
    Decimal,
    Field(gt=0, max_digits=10, decimal_places=2),
    component("MoneyIn"),
]
# An amount in euros in an answer: a string with exactly two decimals ("1200.00", "-3.10"), the
# `Money` component of the schema (never a JSON number: no binary rounding in any client).
Money = Annotated[
    Decimal,
    PlainSerializer(lambda value: f"{value:.2f}", return_type=str, when_used="always"),
    component("Money"),
]
# A rate in percent in an answer ("4.50", "5.125"), the `Percent` component.
Percent = Annotated[
    Decimal,
    PlainSerializer(_percent, return_type=str, when_used="always"),
    component("Percent"),
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


# Enumerations as plain Python enums: the schema lists their values (named components).
DossierStateEnum = enum.Enum("DossierState", {s.name: s.value for s in DossierState}, type=str)  # type: ignore[misc]
State = DossierStateEnum  # the dossier list's filter (a known state)
DeferralKind = enum.Enum("DeferralKind", {k.name: k.value for k in DossierDeferralKind}, type=str)  # type: ignore[misc]
RefusalReason = enum.Enum(  # type: ignore[misc]
    "RefusalReason", {r.name: r.value for r in BankRefusalReason}, type=str
)
IncidentKind = enum.Enum("IncidentKind", {k.name: k.value for k in LoanIncidentKind}, type=str)  # type: ignore[misc]


class DecisionOutcome(enum.StrEnum):
    ACCEPTED = "accepted"
    REFUSED = "refused"


class EarlyRepaymentKeep(enum.StrEnum):
    INSTALLMENT = "installment"
    END_DATE = "end_date"


class RecordStatus(enum.StrEnum):
    """What a write did: recorded now, or already recorded by an earlier call."""

    RECORDED = "recorded"
    ALREADY_RECORDED = "already_recorded"


class RepaymentItemStatus(enum.StrEnum):
    RECORDED = "recorded"
    ALREADY_RECORDED = "already_recorded"
    DUPLICATE_IN_BATCH = "duplicate_in_batch"


# The enums that grow with the product (servicing adds states, line kinds): open in the schema.
OPEN_ENUMS: dict[str, list[str]] = {
    "DossierState": [s.value for s in DossierState],
    "LoanState": [s.value for s in LoanState],
    "ScheduleLineKind": [k.value for k in ScheduleLineKind],
    "PlanState": [s.value for s in PlanState],
    "ClaimState": [s.value for s in ClaimState],
    # A schedule line's payment state today (loans.selectors, the schedule's read).
    "ScheduleLineStatus": ["paid", "partial", "due", "overdue"],
}
DossierStateOut = Annotated[str, open_enum("DossierState")]
LoanStateOut = Annotated[str, open_enum("LoanState")]
ScheduleLineKindOut = Annotated[str, open_enum("ScheduleLineKind")]
PlanStateOut = Annotated[str, open_enum("PlanState")]
ClaimStateOut = Annotated[str, open_enum("ClaimState")]
ScheduleLineStatusOut = Annotated[str, open_enum("ScheduleLineStatus")]

# The named components the fields refer to (api.openapi_shape adds them to the schema).
COMPONENTS: dict[str, dict[str, Any]] = {
    "Money": {
        "type": "string",
        "pattern": MONEY_PATTERN,
        "description": "Montant en euros, deux décimales, en chaîne (Amount in euros, two "
        "decimals, as a string).",
        "examples": ["1200.00"],
    },
    "MoneyIn": {
        "type": "string",
        "pattern": MONEY_IN_PATTERN,
        "description": "Montant envoyé, en euros : une chaîne à deux décimales, positive, au "
        "plus 99999999.99 (Amount sent, in euros: a string with two decimals). Pour les anciens "
        "clients, un nombre JSON ou une chaîne avec moins de deux décimales reste accepté, "
        "jamais plus de deux décimales.",
        "examples": ["1200.00"],
    },
    "Percent": {
        "type": "string",
        "pattern": PERCENT_PATTERN,
        "description": "Taux en pourcentage, deux ou trois décimales, en chaîne (Rate in "
        "percent, as a string).",
        "examples": ["4.50"],
    },
}


class Error(Schema):
    """Every error: a machine code, a French sentence, and the faults per field when there are."""

    code: Annotated[str, open_enum("ErrorCode")] = Field(
        description="Code machine de l'erreur (voir ErrorCode et le catalogue de la "
        "documentation) ; un client accepte aussi un code qu'il ne connaît pas."
    )
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
    amount: Money | None = Field(description="Montant demandé (€).")
    months: int | None = Field(description="Durée demandée (mois).")
    deferral_months: int = Field(description="Différé demandé (mois).")
    deferral_kind: DeferralKind = Field(description="Type de différé demandé.")


class DecisionOut(Schema):
    outcome: DecisionOutcome = Field(description="Décision de la banque.")
    decided_at: dt.datetime = Field(description="Date et heure de la décision.")
    amount: Money | None = Field(description="Montant accordé (€).")
    months: int | None = Field(description="Durée accordée (mois).")
    deferral_months: int = Field(description="Différé accordé (mois).")
    deferral_kind: DeferralKind = Field(description="Type de différé accordé.")
    nominal_rate_percent: Percent | None = Field(description="Taux nominal annuel (%).")
    installment: Money | None = Field(description="Mensualité (€).")
    apr_percent: Percent | None = Field(description="TAEG (%).")
    refusal_reason: RefusalReason | None = Field(description="Motif du refus.")
    refusal_text: str = Field(description="Précisions sur le refus.")
    offer_signed_on: dt.date | None = Field(description="Date de signature de l'offre.")


class LoanSummaryOut(Schema):
    loan_id: int = Field(description="Identifiant du prêt.")
    state: LoanStateOut = Field(description="État du prêt (active, repaid, guarantee_called…).")
    disbursement_date: dt.date = Field(description="Date du décaissement.")
    cheque_number: str = Field(description="Numéro du chèque.")
    payee_name: str = Field(description="Bénéficiaire du chèque.")
    principal: Money = Field(description="Montant prêté (€).")
    months: int = Field(description="Durée (mois).")
    installment: Money = Field(description="Mensualité (€).")
    total_interest: Money = Field(description="Intérêts (€).")
    total_due: Money = Field(description="Montant total dû (€).")
    apr_percent: Percent = Field(description="TAEG (%).")


class DossierOut(Schema):
    number: str = Field(description="Numéro du dossier.")
    state: DossierStateOut = Field(description="État du dossier.")
    state_label: str = Field(description="État du dossier, en français.")
    transmitted_at: dt.datetime = Field(description="Transmis à la banque le.")
    commission_decision_date: dt.date | None = Field(
        description="Date de la Commission Permanente qui a transmis le dossier."
    )
    applicant: ApplicantOut
    purpose_category: str = Field(description="Catégorie de projet.")
    purpose_subcategory: str = Field(description="Sous-catégorie de projet.")
    project_description: str = Field(description="Le projet, en quelques mots.")
    project_cost: Money | None = Field(description="Coût du projet (€).")
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
    kind: ScheduleLineKindOut = Field(
        description="Nature : deferral, installment, early-repayment, plan…"
    )
    payment: Money = Field(description="À payer (€).")
    interest: Money = Field(description="Dont intérêts (€).")
    principal: Money = Field(description="Dont capital (€).")
    capitalised: Money = Field(description="Intérêts capitalisés (€).")
    balance: Money = Field(description="Capital restant dû après l'échéance (€).")
    line_id: str = Field(
        description="Identité stable de la ligne d'une version de l'échéancier à la suivante : "
        "« <kind>-<due_date> » (installment-2027-04-10), suivi de -2, -3… pour une autre ligne "
        "de même nature et de même date dans la version. Un remboursement anticipé renumérote "
        "les lignes (number) mais les échéances suivantes gardent leur line_id (leurs montants "
        "peuvent changer). Unique dans une version ; à comparer tel quel, sans l'analyser."
    )
    paid: Money = Field(description="Payé sur la ligne à la date du jour, avance comprise (€).")
    remaining: Money = Field(description="Reste à payer sur la ligne à la date du jour (€).")
    status: ScheduleLineStatusOut = Field(
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
    outcome: DecisionOutcome = Field(description="« accepted » ou « refused ».")
    amount: Amount | None = Field(
        None,
        description="Accord : montant accordé (€), entre les bornes du dispositif du dossier "
        "(GET /api/v1/schemes : min_amount, max_amount ; sinon 422 amount_out_of_range).",
    )
    months: int | None = Field(
        None,
        ge=1,
        le=360,
        description="Accord : durée (mois). 1 à 360 est la borne technique ; celles du "
        "dispositif s'appliquent (GET /api/v1/schemes : min_months, max_months ; sinon 422 "
        "months_out_of_range).",
    )
    deferral_months: int = Field(
        0,
        ge=0,
        le=60,
        description="Accord : différé (mois). 0 à 60 est la borne technique ; le dispositif "
        "fixe le maximum (GET /api/v1/schemes : max_deferral_months ; sinon 422 "
        "deferral_out_of_range).",
    )
    deferral_kind: DeferralKind = Field(
        DeferralKind.NONE,  # type: ignore[attr-defined]
        description="Accord : type de différé.",
    )
    refusal_reason: RefusalReason | None = Field(None, description="Refus : motif (liste).")
    refusal_text: Text = Field("", max_length=2000, description="Refus : précisions.")


class DisbursementIn(Schema):
    cheque_number: Annotated[str, Field(min_length=1, max_length=30, pattern=r"^[A-Za-z0-9 -]+$")]
    date: ApiDate = Field(
        description="Date du décaissement (AAAA-MM-JJ), pas dans le futur (422 future_date)."
    )
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
    date: ApiDate = Field(
        description="Date du remboursement (AAAA-MM-JJ), pas dans le futur (422 future_date)."
    )
    amount: Amount = Field(description="Montant reçu (€).")
    early_repayment: bool = Field(False, description="Remboursement anticipé demandé.")
    early_repayment_keep: EarlyRepaymentKeep = Field(
        EarlyRepaymentKeep.INSTALLMENT,
        description="Remboursement anticipé : « installment » garde la mensualité (moins "
        "d'échéances), « end_date » garde la date de fin (mensualité plus faible).",
    )


class RepaymentBatchIn(Schema):
    repayments: list[RepaymentIn] = Field(
        min_length=1,
        max_length=MAX_BATCH,
        description=f"De 1 à {MAX_BATCH} remboursements, enregistrés tout ou rien.",
    )


class RepaymentItemOut(Schema):
    reference: str
    dossier_number: str
    status: RepaymentItemStatus = Field(
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
    date: ApiDate = Field(
        description="Date de l'incident (AAAA-MM-JJ), pas dans le futur (422 future_date)."
    )
    amount: Amount | None = Field(None, description="Montant concerné (€).")
    note: Text = Field("", max_length=2000, description="Précisions.")


class IncidentOut(Schema):
    reference: str
    dossier_number: str
    kind: IncidentKind
    date: dt.date
    amount: Money | None
    note: str
    status: RecordStatus
