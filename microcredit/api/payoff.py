"""The API's operations on a loan after the cheque: payoff (declared on `api.base.api`).

`GET /dossiers/{number}/payoff?on=YYYY-MM-DD`: what repays the whole loan on that date
(LOAN_CONVENTIONS "Early repayment", `loans.selectors.loan_payoff`); a total early repayment of
`total` on that date, sent as a repayment with `early_repayment`, closes the schedule."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Query, Schema

from microcredit.api.base import NUMBER, READ, api, dossier_or_404, principal_of, related, responses
from microcredit.api.schemas import ApiDate, Money
from microcredit.core.enums import AccessAction
from microcredit.core.services import access_log_create
from microcredit.loans.selectors import loan_payoff


class PayoffOut(Schema):
    """What repays the whole loan on a date."""

    number: str = Field(description="Numéro du dossier.")
    on: dt.date = Field(description="Date du remboursement anticipé total.")
    principal: Money = Field(description="Capital restant dû des échéances à venir (€).")
    accrued_interest: Money = Field(
        description="Intérêts courus depuis la dernière échéance, au prorata des jours (€)."
    )
    overdue: Money = Field(
        description="Échéances dues à cette date et non payées, capital et intérêts (€)."
    )
    credit: Money = Field(
        description="Avance déjà versée sur les échéances suivantes, déduite du total (€)."
    )
    total: Money = Field(
        description="Montant à verser : principal + accrued_interest + overdue − credit (€)."
    )


@api.get(
    "/dossiers/{number}/payoff",
    response=responses(READ, PayoffOut),
    summary="Calculer le solde d'un remboursement anticipé total",
    description=(
        "Le montant qui rembourse tout le prêt à la date donnée (aujourd'hui par défaut) : "
        "capital restant dû, intérêts courus depuis la dernière échéance au prorata des jours "
        "(arrondis une fois), échéances impayées, moins une éventuelle avance. Ce montant, "
        "envoyé à cette date comme remboursement anticipé (early_repayment), solde "
        "l'échéancier. 404 pour un dossier d'une autre banque, inconnu ou sans prêt décaissé ; "
        "422 pour une date antérieure au décaissement ou au dernier remboursement anticipé."
    ),
    tags=["loans"],
)
def dossier_payoff(
    request: HttpRequest,
    number: str = NUMBER,
    on: Annotated[
        ApiDate | None,
        Query(description="Date du remboursement anticipé (AAAA-MM-JJ) ; aujourd'hui par défaut."),
    ] = None,
) -> dict[str, Any]:
    dossier = dossier_or_404(request, number)
    loan = related(dossier, "loan")
    if loan is None:
        raise Http404("Ce dossier n'a pas de prêt décaissé.")
    day = on or timezone.localdate()
    try:
        payoff = loan_payoff(loan, day)
    except ValidationError as refusal:  # a date before the disbursement or the last version
        raise ValidationError({"on": refusal.error_list}) from refusal
    access_log_create(
        user=principal_of(request).user, action=AccessAction.API_DOSSIER_PAYOFF, obj=dossier
    )
    return {
        "number": dossier.number,
        "on": payoff.on,
        "principal": payoff.principal,
        "accrued_interest": payoff.accrued_interest,
        "overdue": payoff.overdue,
        "credit": payoff.credit,
        "total": payoff.total,
    }
