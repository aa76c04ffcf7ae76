"""The API's reads: the dossiers transmitted to the bank, one dossier, its loan's schedule.

Each read of personal data writes an access log line, as the pages do. `dossier_out` is the
dossier as every answer shows it (the writes answer with it too)."""

from __future__ import annotations

import enum
from typing import Annotated, Any

from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query
from pydantic import AwareDatetime

from microcredit.api import schemas
from microcredit.api.base import (
    MAX_PAGE,
    MAX_PAGE_SIZE,
    NUMBER,
    PAGE_SIZE,
    READ,
    api,
    dossier_or_404,
    loan_or_409,
    page_fields,
    principal_of,
    related,
    responses,
)
from microcredit.api.changes import (
    changed_since,
    changed_since_by_last_change,
    with_last_change,
)
from microcredit.api.positions import schedule_line_states
from microcredit.api.schemas import DossierOut, DossierPage, Error, ScheduleOut
from microcredit.api.selectors import api_dossiers
from microcredit.core.enums import AccessAction
from microcredit.core.services import access_log_create, access_logs_create
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier
from microcredit.loans.selectors import loan_schedule_lines, loan_schedule_version


class DossierOrder(enum.StrEnum):
    """The dossier list's orders: the latest transmitted first, or the oldest change first (to
    read the changes since the last poll page after page)."""

    TRANSMITTED = "transmitted"
    UPDATED = "updated"


def last_change(dossier: Dossier) -> Any:
    """The dossier's last change the bank sees (api.changes), annotated by the list; one query
    for a dossier read alone."""
    annotated = getattr(dossier, "last_change", None)
    if annotated is not None:
        return annotated
    alone = with_last_change(Dossier.objects.filter(pk=dossier.pk)).only("pk").get()
    return getattr(alone, "last_change", None)


def dossier_out(dossier: Dossier) -> dict[str, Any]:
    applicant = dossier.applicant
    decision = related(dossier, "bank_decision")
    loan = related(dossier, "loan")
    disbursement = related(dossier, "disbursement")
    return {
        "number": dossier.number,
        "state": dossier.state,
        "state_label": DossierState(dossier.state).label,
        "transmitted_at": dossier.bank_transmitted_at,
        "commission_decision_date": getattr(dossier, "commission_decision_date", None),
        "applicant": {
            "last_name": applicant.last_name,
            "first_name": applicant.first_name,
            "birth_date": applicant.birth_date,
            "address": applicant.address,
            "postcode": applicant.postcode,
            "commune": applicant.commune_name,
        },
        "purpose_category": dossier.purpose_category,
        "purpose_subcategory": dossier.purpose_subcategory,
        "project_description": dossier.project_description,
        "project_cost": dossier.project_cost,
        "payee": {
            "name": dossier.payee_name,
            "siret": dossier.payee_siret,
            "address": dossier.payee_address,
        },
        "requested": {
            "amount": dossier.requested_amount,
            "months": dossier.requested_months,
            "deferral_months": dossier.requested_deferral_months,
            "deferral_kind": dossier.requested_deferral_kind,
        },
        "decision": None
        if decision is None
        else {
            "outcome": decision.outcome,
            "decided_at": decision.decided_at,
            "amount": decision.amount,
            "months": decision.months,
            "deferral_months": decision.deferral_months,
            "deferral_kind": decision.deferral_kind,
            "nominal_rate_percent": decision.nominal_rate_percent,
            "installment": decision.installment,
            "apr_percent": decision.apr_percent,
            "refusal_reason": decision.refusal_reason or None,
            "refusal_text": decision.refusal_text,
            "offer_signed_on": decision.offer_signed_on,
        },
        "loan": None
        if loan is None
        else {
            "loan_id": loan.pk,
            "state": loan.state,
            "disbursement_date": loan.disbursement_date,
            "cheque_number": disbursement.cheque_number if disbursement else "",
            "payee_name": disbursement.payee_name if disbursement else "",
            "principal": loan.principal,
            "months": loan.months,
            "installment": loan.installment,
            "total_interest": loan.total_interest,
            "total_due": loan.total_due,
            "apr_percent": loan.apr_percent,
        },
        "updated_at": last_change(dossier),
    }


def fresh(request: HttpRequest, dossier: Dossier, action: AccessAction) -> dict[str, Any]:
    """The dossier as the write left it, for the answer: a read of personal data (logged)."""
    principal = principal_of(request)
    fresh = with_last_change(api_dossiers(principal.user, principal.membership)).get(pk=dossier.pk)
    access_log_create(user=principal.user, action=action, obj=fresh)
    return dossier_out(fresh)


@api.get(
    "/dossiers",
    response=responses(READ, DossierPage),
    summary="Lister les dossiers transmis à la banque",
    description=(
        "Les dossiers que la Commission Permanente a transmis à votre banque, les plus récents "
        "d'abord, par pages. Filtre facultatif sur l'état (par exemple transmitted_to_bank pour "
        "les dossiers qui attendent votre décision). Pour ne relire que ce qui a changé : "
        "updated_since (date et heure ISO 8601 avec fuseau) garde les dossiers dont l'état, la "
        "décision, l'offre, le prêt, les remboursements, les incidents ou l'échéancier ont "
        "changé à cet instant ou après (champ updated_at) ; order=updated les range du plus "
        "ancien changement au plus récent. Relancez avec le plus grand updated_at reçu, moins "
        "une marge de quelques minutes (un enregistrement en cours au moment de l'appel peut "
        "porter une heure antérieure), et dédoublonnez sur le numéro."
    ),
    tags=["dossiers"],
)
def dossier_list(
    request: HttpRequest,
    state: Annotated[
        schemas.State | None,
        Query(description="Ne garder que cet état."),
    ] = None,
    page: Annotated[
        int, Query(ge=1, le=MAX_PAGE, description="Numéro de page, à partir de 1.")
    ] = 1,
    page_size: Annotated[
        int, Query(ge=1, le=MAX_PAGE_SIZE, description="Dossiers par page.")
    ] = PAGE_SIZE,
    updated_since: Annotated[
        AwareDatetime | None,
        Query(
            description="Ne garder que les dossiers changés à cet instant ou après (ISO 8601 "
            "avec fuseau, par exemple 2027-04-20T10:00:00+02:00)."
        ),
    ] = None,
    order: Annotated[
        DossierOrder,
        Query(
            description="transmitted : les plus récemment transmis d'abord (par défaut) ; "
            "updated : le plus ancien changement (updated_at) d'abord."
        ),
    ] = DossierOrder.TRANSMITTED,
) -> dict[str, Any]:
    principal = principal_of(request)
    everything = api_dossiers(principal.user, principal.membership)
    # The dossiers to page through, narrow: the filters and the order's keys only. The page's
    # rows are then read whole (applicant, decision, loan, last change) for its ids alone.
    dossiers = everything
    if state is not None:
        dossiers = dossiers.filter(state=state.value)
    unchanged = dossiers
    if updated_since is not None:
        dossiers = changed_since(dossiers, updated_since)
    count = dossiers.count()
    start = (page - 1) * page_size
    stop = start + page_size
    ordering: list[Any] = ["-bank_transmitted_at", "-id"]
    ids: Any = dossiers.values("pk")[start:stop]
    if order == DossierOrder.UPDATED:
        ordering = [F("last_change").asc(), "id"]
        if updated_since is not None:
            ids = changed_since_by_last_change(unchanged, updated_since, start, stop)
        else:
            ids = with_last_change(dossiers).order_by(*ordering).values("pk")[start:stop]
    items = (
        list(with_last_change(everything).filter(pk__in=ids).order_by(*ordering))
        if start < count
        else []
    )
    fields = page_fields(count, page, page_size)
    access_logs_create(
        user=principal.user,
        action=AccessAction.API_DOSSIER_LIST,
        objs=items,
        detail=f"page {page}"
        + (f", état {state.value}" if state is not None else "")
        + (f", changés depuis {updated_since.isoformat()}" if updated_since is not None else ""),
    )
    return {**fields, "items": [dossier_out(d) for d in items]}


@api.get(
    "/dossiers/{number}",
    response=responses(READ, DossierOut),
    summary="Lire un dossier",
    description=(
        "Le dossier transmis à votre banque : demandeur, projet, demande, décision et prêt. "
        "404 pour un dossier d'une autre banque, non transmis ou inconnu."
    ),
    tags=["dossiers"],
)
def dossier_detail(request: HttpRequest, number: str = NUMBER) -> dict[str, Any]:
    dossier = dossier_or_404(request, number)
    access_log_create(
        user=principal_of(request).user, action=AccessAction.API_DOSSIER_DETAIL, obj=dossier
    )
    return dossier_out(dossier)


@api.get(
    "/dossiers/{number}/schedule",
    response=responses({**READ, 409: Error}, ScheduleOut),
    summary="Lire l'échéancier du prêt",
    description=(
        "Les lignes de l'échéancier en vigueur du prêt décaissé, chacune avec son identité "
        "stable d'une version à l'autre (line_id) et, à la date du jour, ce qui est payé, ce "
        "qui reste dû et son statut (409 code no_loan tant que le dossier n'est pas décaissé)."
    ),
    tags=["loans"],
)
def dossier_schedule(request: HttpRequest, number: str = NUMBER) -> dict[str, Any]:
    dossier = dossier_or_404(request, number)
    loan = loan_or_409(dossier)
    access_log_create(
        user=principal_of(request).user, action=AccessAction.API_DOSSIER_SCHEDULE, obj=dossier
    )
    version = loan_schedule_version(loan)
    lines = loan_schedule_lines(loan)
    states = schedule_line_states(loan, version, lines, timezone.localdate())
    return {
        "number": dossier.number,
        "loan_id": loan.pk,
        "version": version.number if version else 0,
        "lines": [
            {
                "number": line.number,
                "due_date": line.due_date,
                "kind": line.kind,
                "payment": line.payment,
                "interest": line.interest,
                "principal": line.principal,
                "capitalised": line.capitalised,
                "balance": line.balance,
                "line_id": states[line.number].line_id,
                "paid": states[line.number].paid,
                "remaining": states[line.number].remaining,
                "status": states[line.number].status,
            }
            for line in lines
        ],
    }
