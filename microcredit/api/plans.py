"""The API's operations on a loan after the cheque: plans (declared on `api.base.api`).

The bank reads the loan's plans de reprise and agrees to or refuses the plan the référent
proposed, as in the portal (servicing.services.plans). A decision is idempotent: the same
decision sent again answers the plan as it is (status « already_recorded »), never a second
schedule version.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Path, Query, Schema

from microcredit.api.base import (
    MAX_PAGE,
    MAX_PAGE_SIZE,
    NUMBER,
    PAGE_SIZE,
    READ,
    WRITE,
    api,
    dossier_or_404,
    loan_or_409,
    page_of,
    principal_of,
    responses,
)
from microcredit.api.errors import error_response
from microcredit.api.schemas import Error, Money, PlanStateOut, RecordStatus, Text
from microcredit.core.enums import AccessAction
from microcredit.core.services import access_log_create
from microcredit.servicing.enums import PlanState
from microcredit.servicing.models import RepaymentPlan
from microcredit.servicing.rules.plans import MAX_TEXT_LENGTH
from microcredit.servicing.selectors.plans import loan_plans
from microcredit.servicing.services.plans import PlanRefused, plan_decide

PLAN_ID: Any = Path(  # type: ignore[type-arg]
    ..., ge=1, le=2_147_483_647, description="Identifiant du plan (champ id de la liste)."
)
NOT_FOUND = "Plan de reprise introuvable pour ce dossier."


class PlanModeOut(enum.StrEnum):
    """A plan's mode (named: generators share it)."""

    ON_TOP = "on_top"
    INSTEAD = "instead"


class PlanOut(Schema):
    id: int = Field(description="Identifiant du plan.")
    state: PlanStateOut = Field(
        description="proposed (à décider par la banque), agreed (en cours), refused, kept "
        "(respecté), broken (non respecté)."
    )
    state_label: str = Field(description="État du plan, en français.")
    months: int = Field(description="Durée du plan (mois).")
    mode: PlanModeOut = Field(
        description="on_top : en plus des mensualités en cours ; instead : à leur place."
    )
    overdue_amount: Money = Field(description="Impayés rééchelonnés (€, deux décimales).")
    as_of: dt.date = Field(
        description="Impayés arrêtés au (la date de la proposition, puis celle de l'accord)."
    )
    note: str = Field(description="Accord avec l'emprunteur (note du référent).")
    proposed_on: dt.date = Field(description="Proposé le.")
    decided_on: dt.date | None = Field(description="Accepté ou refusé le.")
    refusal_reason: str = Field(description="Motif du refus.")
    schedule_version: int | None = Field(description="Version de l'échéancier créée par le plan.")


class PlanPage(Schema):
    number: str = Field(description="Numéro du dossier.")
    loan_id: int = Field(description="Identifiant du prêt.")
    count: int = Field(description="Nombre de plans du prêt.")
    page: int = Field(description="Numéro de la page (à partir de 1).")
    pages: int = Field(description="Nombre de pages.")
    page_size: int = Field(description="Plans par page.")
    items: list[PlanOut]


class PlanDecisionIn(Schema):
    agree: bool = Field(description="true : accepter le plan ; false : le refuser (motif requis).")
    reason: Text = Field("", max_length=MAX_TEXT_LENGTH, description="Refus : motif.")


class PlanDecisionOut(PlanOut):
    status: RecordStatus = Field(
        description="recorded : décision enregistrée ; already_recorded : la même décision "
        "l'était déjà (rien n'est refait)."
    )


def plan_out(plan: RepaymentPlan) -> dict[str, Any]:
    return {
        "id": plan.pk,
        "state": plan.state,
        "state_label": PlanState(plan.state).label,
        "months": plan.months,
        "mode": plan.mode,
        "overdue_amount": plan.overdue_amount,
        "as_of": plan.as_of,
        "note": plan.note,
        "proposed_on": timezone.localdate(plan.proposed_at),
        "decided_on": timezone.localdate(plan.decided_at) if plan.decided_at else None,
        "refusal_reason": plan.refusal_reason,
        "schedule_version": plan.schedule_version.number if plan.schedule_version else None,
    }


@api.get(
    "/dossiers/{number}/plans",
    response=responses({**READ, 409: Error}, PlanPage),
    summary="Lister les plans de reprise du prêt",
    description=(
        "Les plans de reprise du prêt décaissé, les plus récents d'abord : état, durée, mode, "
        "impayés rééchelonnés, dates de proposition et de décision (409 code no_loan tant que "
        "le dossier n'est pas décaissé)."
    ),
    tags=["loans"],
)
def dossier_plans(
    request: HttpRequest,
    number: str = NUMBER,
    page: Annotated[
        int, Query(ge=1, le=MAX_PAGE, description="Numéro de page, à partir de 1.")
    ] = 1,
    page_size: Annotated[
        int, Query(ge=1, le=MAX_PAGE_SIZE, description="Plans par page.")
    ] = PAGE_SIZE,
) -> dict[str, Any]:
    dossier = dossier_or_404(request, number)
    loan = loan_or_409(dossier)
    access_log_create(
        user=principal_of(request).user, action=AccessAction.API_DOSSIER_PLANS, obj=dossier
    )
    plans = loan_plans(loan)
    items, page_fields = page_of(plans, page, page_size)
    return {
        "number": dossier.number,
        "loan_id": loan.pk,
        **page_fields,
        "items": [plan_out(plan) for plan in items],
    }


@api.post(
    "/dossiers/{number}/plans/{plan_id}/decision",
    response=responses(WRITE, PlanDecisionOut),
    summary="Accepter ou refuser un plan de reprise",
    description=(
        '{"agree": true} accepte le plan proposé : le nouvel échéancier, calculé au jour de '
        "l'accord, est en vigueur et un courrier part à l'emprunteur. {\"agree\": false, "
        '"reason": "…"} le refuse (motif requis, sinon 422). Idempotent : la même décision '
        "renvoyée répond already_recorded sans rien refaire. 409 si le plan a été décidé dans "
        "l'autre sens (plan_decided), si les impayés ont changé depuis la proposition "
        "(plan_outdated : refusez-le, le référent en proposera un nouveau), si plus rien n'est "
        "impayé (no_arrears) ou si le prêt est clos (loan_not_active)."
    ),
    tags=["loans"],
)
def dossier_plan_decision(
    request: HttpRequest, payload: PlanDecisionIn, number: str = NUMBER, plan_id: int = PLAN_ID
) -> dict[str, Any] | HttpResponse:
    principal = principal_of(request)
    dossier = dossier_or_404(request, number)
    loan = loan_or_409(dossier)
    if not loan_plans(loan).filter(pk=plan_id).exists():
        return error_response(404, "not_found", NOT_FOUND)
    try:
        plan, decided = plan_decide(
            actor=principal.user,
            membership=principal.membership,
            plan_id=plan_id,
            agree=payload.agree,
            reason=payload.reason,
            today=timezone.localdate(),
        )
    except PlanRefused as refusal:
        status = 403 if refusal.code == "not_allowed" else 409
        return error_response(status, refusal.code, " ".join(refusal.messages))
    access_log_create(user=principal.user, action=AccessAction.API_DOSSIER_PLANS, obj=dossier)
    return {**plan_out(plan), "status": "recorded" if decided else "already_recorded"}
