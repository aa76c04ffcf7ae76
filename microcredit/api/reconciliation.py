"""The loan's position for the bank's reconciliation (#18): the repayments recorded, read back
page by page, and where the loan stands at a date (declared on `api.base.api`).

`GET /dossiers/{number}/repayments`: every repayment recorded on the loan (by the API, the portal
or an imported statement), in the order the engine allocates them (date, then recording).

`GET /dossiers/{number}/position?as_of=YYYY-MM-DD`: the repayments dated up to `as_of` allocated
to the schedule in force (LOAN_CONVENTIONS "Payments, arrears, plans": the oldest installment
first, interest before principal; an installment is overdue the day after its due date), the
same figures as the loan page of the web application (`loans.selectors.loan_position`).

Both reads are access-logged as `api_dossier_schedule` (the loan's payments, the schedule's
data), with a detail naming the read.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Schema

from microcredit.api.base import (
    MAX_PAGE,
    MAX_PAGE_SIZE,
    NUMBER,
    PAGE_SIZE,
    READ,
    api,
    dossier_or_404,
    loan_or_409,
    page_of,
    principal_of,
    responses,
)
from microcredit.api.positions import position_out
from microcredit.api.schemas import ApiDate, Error, Money
from microcredit.core.enums import AccessAction
from microcredit.core.services import access_log_create
from microcredit.loans.selectors import loan_position, loan_repayments

LOAN_STATE_DESCRIPTION = (
    "État du prêt : active (en remboursement), repaid (remboursé), guarantee_called (garantie "
    "appelée). Liste ouverte : acceptez une valeur inconnue (d'autres états peuvent s'ajouter)."
)
BUCKET_DESCRIPTION = (
    "Tranche de retard : current (à jour), late (1 à 29 jours), 30+, 60+, 90+ (les seuils sont "
    "des paramètres). Liste ouverte : acceptez une valeur inconnue."
)


# ------------------------------------------------------------------------------------ schemas
class RepaymentOut(Schema):
    reference: str = Field(description="Référence de l'opération chez la banque.")
    date: dt.date = Field(description="Date du remboursement.")
    amount: Money = Field(description="Montant reçu (€).")
    early_repayment: bool = Field(description="Remboursement anticipé demandé.")
    early_repayment_keep: str | None = Field(
        description="Remboursement anticipé : installment (garder la mensualité) ou end_date "
        "(garder la date de fin) ; null sinon."
    )
    recorded_at: dt.datetime = Field(description="Enregistré le (date et heure).")
    via: str = Field(
        description="Canal d'enregistrement : api, portal (saisie sur le portail), import "
        "(relevé importé). Liste ouverte : acceptez une valeur inconnue.",
        examples=["api"],
    )


class RepaymentPage(Schema):
    count: int = Field(description="Nombre total de remboursements du prêt.")
    page: int = Field(description="Numéro de la page (à partir de 1).")
    pages: int = Field(description="Nombre de pages.")
    page_size: int = Field(description="Remboursements par page.")
    items: list[RepaymentOut]


class NextInstallmentOut(Schema):
    line_id: str = Field(description="Identité stable de la ligne (voir l'échéancier).")
    due_date: dt.date = Field(description="Date d'échéance.")
    kind: str = Field(description="Nature de la ligne (deferral, installment, plan…).")
    amount: Money = Field(description="Montant de la ligne (€).")
    remaining: Money = Field(description="Reste à payer sur la ligne à la date (€).")


class PositionOut(Schema):
    """Where the loan stands on `as_of`: paid, outstanding, overdue, next installment."""

    number: str = Field(description="Numéro du dossier.")
    loan_id: int = Field(description="Identifiant du prêt.")
    as_of: dt.date = Field(
        description="Date de la situation (la date du décaissement pour une date antérieure)."
    )
    loan_state: str = Field(description=LOAN_STATE_DESCRIPTION, examples=["active"])
    schedule_version: int = Field(description="Version de l'échéancier en vigueur.")
    principal: Money = Field(description="Montant prêté (€).")
    total_paid: Money = Field(
        description="Total des remboursements datés au plus tard de as_of (€) : paid_principal "
        "+ paid_interest + pending_early_repayment + excess."
    )
    paid_principal: Money = Field(description="Dont capital (€), avance comprise.")
    paid_interest: Money = Field(description="Dont intérêts (€), avance comprise.")
    outstanding_principal: Money = Field(
        description="Capital restant dû (€) : montant prêté, plus les intérêts capitalisés "
        "échus, moins le capital remboursé."
    )
    overdue_amount: Money = Field(
        description="Impayé (€) : ce qui reste dû sur les échéances antérieures à as_of."
    )
    overdue_principal: Money = Field(description="Dont capital (€).")
    overdue_interest: Money = Field(description="Dont intérêts (€).")
    days_past_due: int = Field(
        description="Jours de retard : depuis la plus ancienne échéance impayée (0 le jour "
        "de l'échéance)."
    )
    bucket: str = Field(description=BUCKET_DESCRIPTION, examples=["current"])
    bucket_label: str = Field(description="Tranche de retard, en français.")
    credit: Money = Field(
        description="Avance (€) : payée d'avance, à valoir sur les prochaines échéances."
    )
    pending_early_repayment: Money = Field(
        description="Remboursement anticipé en attente de son nouvel échéancier (€)."
    )
    excess: Money = Field(
        description="Trop-perçu (€) : payé au-delà de tout l'échéancier, à rembourser."
    )
    fully_repaid: bool = Field(description="Toutes les lignes de l'échéancier sont payées.")
    next_installment: NextInstallmentOut | None = Field(
        description="La première ligne échue à as_of ou après, avec un reste à payer ; null "
        "s'il n'y en a plus."
    )


# --------------------------------------------------------------------------------- operations
@api.get(
    "/dossiers/{number}/repayments",
    response=responses({**READ, 409: Error}, RepaymentPage),
    summary="Lire les remboursements enregistrés",
    description=(
        "Les remboursements enregistrés sur le prêt (par l'API, le portail ou un relevé "
        "importé), par date puis ordre d'enregistrement, par pages. 409 code no_loan tant que "
        "le dossier n'est pas décaissé ; 404 pour un dossier d'une autre banque ou inconnu."
    ),
    tags=["loans"],
)
def dossier_repayments(
    request: HttpRequest,
    number: str = NUMBER,
    page: Annotated[
        int, Query(ge=1, le=MAX_PAGE, description="Numéro de page, à partir de 1.")
    ] = 1,
    page_size: Annotated[
        int, Query(ge=1, le=MAX_PAGE_SIZE, description="Remboursements par page.")
    ] = PAGE_SIZE,
) -> dict[str, Any]:
    dossier = dossier_or_404(request, number)
    loan = loan_or_409(dossier)
    repayments = loan_repayments(loan)
    items, page_fields = page_of(repayments, page, page_size)
    access_log_create(
        user=principal_of(request).user,
        action=AccessAction.API_DOSSIER_SCHEDULE,
        obj=dossier,
        detail=f"remboursements, page {page}",
    )
    return {
        **page_fields,
        "items": [
            {
                "reference": r.reference,
                "date": r.date,
                "amount": r.amount,
                "early_repayment": r.early_repayment,
                "early_repayment_keep": r.early_repayment_keep or None,
                "recorded_at": r.recorded_at,
                "via": r.via,
            }
            for r in items
        ],
    }


@api.get(
    "/dossiers/{number}/position",
    response=responses({**READ, 409: Error}, PositionOut),
    summary="Lire la situation du prêt à une date",
    description=(
        "Les remboursements datés au plus tard de as_of (aujourd'hui par défaut), imputés sur "
        "l'échéancier en vigueur : la plus ancienne échéance d'abord, les intérêts avant le "
        "capital ; une échéance est en retard le lendemain de sa date. Total payé (dont capital "
        "et intérêts), capital restant dû, impayé, jours de retard et tranche, avance, prochaine "
        "échéance : les chiffres de la page du prêt. Une date antérieure au décaissement donne "
        "la situation au décaissement ; une date future est refusée (422 future_date). 409 code "
        "no_loan tant que le dossier n'est pas décaissé."
    ),
    tags=["loans"],
)
def dossier_position(
    request: HttpRequest,
    number: str = NUMBER,
    as_of: Annotated[
        ApiDate | None,
        Query(description="Date de la situation (AAAA-MM-JJ) ; aujourd'hui par défaut."),
    ] = None,
) -> dict[str, Any]:
    dossier = dossier_or_404(request, number)
    loan = loan_or_409(dossier)
    today = timezone.localdate()
    if as_of is not None and as_of > today:
        raise ValidationError(
            {"as_of": [ValidationError("La date est dans le futur.", code="future_date")]}
        )
    status = loan_position(loan, as_of or today)
    access_log_create(
        user=principal_of(request).user,
        action=AccessAction.API_DOSSIER_SCHEDULE,
        obj=dossier,
        detail=f"situation au {status.as_of.isoformat()}",
    )
    return position_out(dossier, loan, status)
