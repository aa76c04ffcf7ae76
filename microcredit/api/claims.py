"""The API's operations on a loan after the cheque: the guarantee claim (on `api.base.api`).

The bank calls the guarantee of a loan in default, records the guarantor's payment, and reads the
claim with its loss ledger. Writes go through servicing's services (atomic, idempotent retries);
amounts are answered as strings with two decimals.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Schema

from microcredit.api.base import (
    NUMBER,
    READ,
    WRITE,
    api,
    dossier_or_404,
    loan_or_409,
    principal_of,
)
from microcredit.api.base import responses as with_ok
from microcredit.api.errors import error_response
from microcredit.api.schemas import Amount, ApiDate, ClaimStateOut, Error, Money, Percent, Text
from microcredit.core.enums import AccessAction
from microcredit.core.services import access_log_create
from microcredit.dossiers.models import Dossier
from microcredit.servicing.enums import ClaimState
from microcredit.servicing.models import GuaranteeClaim
from microcredit.servicing.selectors.claims import claim_ledger, claim_of_loan
from microcredit.servicing.services.claims import (
    MAX_REASON,
    MAX_REFERENCE,
    guarantee_claim_paid,
    guarantee_claim_record,
)

# The services' refusals that mean "the claim's state forbids it" (answered 409).
CLAIM_CONFLICTS = frozenset({"claim_conflict", "no_claim"})
ClaimReference = Annotated[
    str,
    Field(
        max_length=MAX_REFERENCE,
        pattern=r"^[A-Za-z0-9._:/-]*$",
        description="Référence de l'appel en garantie chez la banque (facultative).",
    ),
]


class ClaimIn(Schema):
    acceleration_date: ApiDate = Field(
        description="Date de la déchéance du terme (AAAA-MM-JJ), au plus aujourd'hui."
    )
    first_unpaid_date: ApiDate = Field(
        description="Date de la première échéance impayée (une date d'échéance de l'échéancier "
        "en vigueur, impayée à la déchéance du terme)."
    )
    reason: Text = Field(
        min_length=1, max_length=MAX_REASON, description="Motif de la déchéance du terme."
    )
    reference: ClaimReference = ""


class ClaimPaymentIn(Schema):
    paid_amount: Amount = Field(
        description="Montant payé par le garant (€), au plus le montant appelé."
    )
    paid_on: ApiDate = Field(description="Date du paiement du garant (AAAA-MM-JJ).")


class LossLedgerOut(Schema):
    exposure: Money = Field(
        description="Perte à répartir : capital restant dû à la déchéance du terme (plus les "
        "intérêts courus si la garantie les couvre) (€)."
    )
    guarantor_share: Money = Field(
        description="Part du garant : ce qu'il a payé, ou le montant appelé tant qu'il n'a pas "
        "payé (€)."
    )
    guarantor_paid: bool = Field(description="La part du garant est-elle payée ?")
    bank_share: Money = Field(description="Part de la banque : le reste (€).")


class ClaimOut(Schema):
    number: str = Field(description="Numéro du dossier.")
    loan_id: int = Field(description="Identifiant du prêt.")
    state: ClaimStateOut = Field(
        description="État de l'appel : sent (envoyé au garant) ou paid (payé)…"
    )
    state_label: str = Field(description="État de l'appel, en français.")
    reference: str = Field(description="Référence de la banque.")
    acceleration_date: dt.date = Field(description="Date de la déchéance du terme.")
    first_unpaid_date: dt.date = Field(description="Date de la première échéance impayée.")
    guarantor_name: str = Field(description="Garant.")
    rate_percent: Percent = Field(description="Taux de garantie (%).")
    includes_interest: bool = Field(description="La garantie couvre-t-elle les intérêts courus ?")
    outstanding_principal: Money = Field(
        description="Capital restant dû à la déchéance du terme (€)."
    )
    accrued_interest: Money = Field(
        description="Intérêts impayés et courus à la déchéance du terme (€)."
    )
    amount: Money = Field(description="Montant appelé (€).")
    paid_amount: Money | None = Field(description="Montant payé par le garant (€).")
    paid_on: dt.date | None = Field(description="Date du paiement du garant.")
    recorded_at: dt.datetime = Field(description="Appel enregistré le.")
    ledger: LossLedgerOut


def claim_out(dossier: Dossier, claim: GuaranteeClaim) -> dict[str, Any]:
    ledger = claim_ledger(claim)
    return {
        "number": dossier.number,
        "loan_id": claim.loan_id,
        "state": claim.state,
        "state_label": ClaimState(claim.state).label,
        "reference": claim.reference,
        "acceleration_date": claim.acceleration_date,
        "first_unpaid_date": claim.first_unpaid_date,
        "guarantor_name": claim.guarantor_name,
        "rate_percent": claim.rate_percent,
        "includes_interest": claim.includes_interest,
        "outstanding_principal": claim.outstanding_principal,
        "accrued_interest": claim.accrued_interest,
        "amount": claim.amount,
        "paid_amount": claim.paid_amount,
        "paid_on": claim.paid_on,
        "recorded_at": claim.recorded_at,
        "ledger": {
            "exposure": ledger.exposure,
            "guarantor_share": ledger.guarantor_share,
            "guarantor_paid": ledger.guarantor_paid,
            "bank_share": ledger.bank_share,
        },
    }


def _answer(request: HttpRequest, dossier: Dossier, claim: GuaranteeClaim) -> dict[str, Any]:
    """The claim as the answer shows it: a read of the dossier's data (logged)."""
    access_log_create(
        user=principal_of(request).user,
        action=AccessAction.API_DOSSIER_GUARANTEE_CLAIM,
        obj=dossier,
    )
    return claim_out(dossier, claim)


class ClaimConflict(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@contextmanager
def claim_conflicts() -> Iterator[None]:
    """A refusal because of the claim's state (already called with other data, not called)
    is a conflict (409), as the other state refusals of the API."""
    try:
        yield
    except ValidationError as error:
        if hasattr(error, "error_dict") or error.code not in CLAIM_CONFLICTS:
            raise
        raise ClaimConflict(str(error.code), error.messages[0]) from error


@api.exception_handler(ClaimConflict)
def claim_conflict(request: HttpRequest, exc: ClaimConflict) -> Any:
    return error_response(409, exc.code, exc.message)


@api.post(
    "/dossiers/{number}/guarantee-claim",
    response=with_ok(WRITE, ClaimOut),
    summary="Appeler la garantie",
    description=(
        "L'appel en garantie d'un prêt en défaut : date de la déchéance du terme, date de la "
        "première échéance impayée, motif, référence facultative. Le montant appelé est calculé "
        "par la plateforme (capital restant dû à la déchéance du terme, plus les intérêts "
        "courus si la garantie les couvre, × le taux de garantie) ; le dossier passe à "
        "« garantie appelée ». Un seul appel par prêt : le même appel renvoyé (mêmes dates, "
        "même référence) répond l'appel déjà enregistré ; d'autres données sont refusées "
        "(409 claim_conflict). 409 transition_refused si le dossier n'est pas « décaissé »."
    ),
    tags=["loans"],
)
def guarantee_claim_post(
    request: HttpRequest, payload: ClaimIn, number: str = NUMBER
) -> dict[str, Any]:
    principal = principal_of(request)
    dossier = dossier_or_404(request, number)
    loan = loan_or_409(dossier)
    with claim_conflicts():
        claim = guarantee_claim_record(
            actor=principal.user,
            membership=principal.membership,
            loan_id=loan.pk,
            acceleration_date=payload.acceleration_date,
            first_unpaid_date=payload.first_unpaid_date,
            reason=payload.reason,
            reference=payload.reference,
            today=timezone.localdate(),
        )
    return _answer(request, dossier, claim)


@api.post(
    "/dossiers/{number}/guarantee-claim/payment",
    response=with_ok(WRITE, ClaimOut),
    summary="Enregistrer le paiement du garant",
    description=(
        "Le paiement du garant (Fonds de cohésion sociale) : montant (au plus le montant "
        "appelé ; s'il est moindre, la différence reste à la charge de la banque) et date (pas "
        "avant l'appel). Le même paiement renvoyé répond l'appel inchangé ; un autre paiement "
        "est refusé (409 claim_conflict). 409 no_claim si la garantie n'a pas été appelée."
    ),
    tags=["loans"],
)
def guarantee_claim_payment_post(
    request: HttpRequest, payload: ClaimPaymentIn, number: str = NUMBER
) -> dict[str, Any]:
    principal = principal_of(request)
    dossier = dossier_or_404(request, number)
    loan = loan_or_409(dossier)
    with claim_conflicts():
        claim = guarantee_claim_paid(
            actor=principal.user,
            membership=principal.membership,
            loan_id=loan.pk,
            paid_amount=payload.paid_amount,
            paid_on=payload.paid_on,
            today=timezone.localdate(),
        )
    return _answer(request, dossier, claim)


@api.get(
    "/dossiers/{number}/guarantee-claim",
    response=with_ok({**READ, 409: Error}, ClaimOut),
    summary="Lire l'appel en garantie",
    description=(
        "L'appel en garantie du prêt et la répartition de la perte (part du garant, payée ou "
        "attendue, et part de la banque). 409 no_loan tant que le dossier n'est pas décaissé, "
        "409 no_claim tant que la garantie n'est pas appelée."
    ),
    tags=["loans"],
)
def guarantee_claim_get(request: HttpRequest, number: str = NUMBER) -> dict[str, Any]:
    dossier = dossier_or_404(request, number)
    claim = claim_of_loan(loan_or_409(dossier))
    if claim is None:
        raise ClaimConflict("no_claim", "La garantie de ce prêt n'a pas été appelée.")
    return _answer(request, dossier, claim)
