"""The bank partner's HTTP API, version 1 (django-ninja): /api/v1/…

Every operation authenticates a bank adviser's token, reads through the dossier permission
funnel (another bank's dossier, one not transmitted and an unknown number all answer the same
404) and writes only through the services (atomic: nothing half-applied).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import wraps
from typing import Annotated, Any

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, path
from django.utils import timezone
from ninja import File, Form, NinjaAPI, Path, Query
from ninja.files import UploadedFile
from ninja.operation import Operation

from microcredit.api import schemas
from microcredit.api.auth import BankAdviserToken, api_token_view
from microcredit.api.errors import api_fields, error_response, install_handlers
from microcredit.api.schemas import (
    DecisionIn,
    DisbursementIn,
    DossierOut,
    DossierPage,
    Error,
    IncidentIn,
    IncidentOut,
    RepaymentBatchIn,
    RepaymentBatchOut,
    ScheduleOut,
)
from microcredit.api.selectors import ApiPrincipal, api_dossier_by_number, api_dossiers
from microcredit.banking import services as banking_services
from microcredit.core.services import access_log_create, access_logs_create
from microcredit.documents.rules import UploadRefused, check_sent_names
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier
from microcredit.loans import services as loan_services
from microcredit.loans.enums import RecordedVia
from microcredit.loans.selectors import loan_schedule_lines, loan_schedule_version

DESCRIPTION = (
    "API du partenaire bancaire du micro-crédit personnel. Authentification par jeton : "
    "en-tête « Authorization: Bearer <jeton> » (jeton créé par le conseiller sur la page "
    "« Jetons d'API »). Montants en euros (chaînes ou nombres, deux décimales), dates au format "
    "AAAA-MM-JJ. Les erreurs sont en JSON : {code, message, errors}."
)


class BankApi(NinjaAPI):
    def get_openapi_operation_id(self, operation: Any) -> str:
        return str(operation.view_func.__name__)


api = BankApi(
    title="Micro-crédit — API du partenaire bancaire",
    version="1",
    description=DESCRIPTION,
    auth=BankAdviserToken(),
    openapi_url=None,
    docs_url=None,
    urls_namespace="api:v1",
)
install_handlers(api)


def _only_declared_query_parameters(
    run: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """An operation answers 422 to a query parameter it does not declare (`?pgae=2`, `?=x`).

    Applied by ninja to each operation's run ("view" decorator): like an unknown address (404)
    or method (405), it is refused before the token is read. The declared names are those of the
    operation's query model, the ones the OpenAPI schema lists.
    """
    operation = getattr(run, "__self__", None)
    if not isinstance(operation, Operation):
        raise TypeError("expected the bound run() of a ninja Operation")
    declared = frozenset(
        name
        for model in operation.models
        if model.__ninja_param_source__ == "query"
        for name in model.__ninja_flatten_map__
    )

    @wraps(run)
    def wrapper(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        unknown = sorted(set(request.GET) - declared)
        if unknown:
            return error_response(
                422,
                "unknown_parameter",
                "Paramètre de requête inconnu : "
                + ", ".join(f"« {name} »" for name in unknown)
                + ".",
                {name or "__all__": ["Paramètre inconnu."] for name in unknown},
            )
        return run(request, **kwargs)

    return wrapper


api.add_decorator(_only_declared_query_parameters, mode="view")

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_PAGE = 100_000

READ = {200: ..., 401: Error, 403: Error, 404: Error, 422: Error}
# A body over DATA_UPLOAD_MAX_MEMORY_SIZE (files aside) is 413 (errors.py).
WRITE = {200: ..., 401: Error, 403: Error, 404: Error, 409: Error, 413: Error, 422: Error}
# The services name some fields after their own arguments; the error body uses the API's names.
REFUSAL_FIELDS = {"reason": "refusal_reason", "text": "refusal_text"}
OFFER_FIELDS = {"upload": "file"}
NUMBER: Any = Path(  # type: ignore[type-arg]
    ...,
    min_length=1,
    max_length=20,
    pattern=r"^[A-Za-z0-9-]+$",
    description="Numéro du dossier, par exemple MC-2026-00042.",
)


def _responses(base: dict[int, Any], ok: Any) -> dict[int, Any]:
    return {**base, 200: ok}


def _principal(request: HttpRequest) -> ApiPrincipal:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def _dossier_or_404(request: HttpRequest, number: str) -> Dossier:
    principal = _principal(request)
    dossier = api_dossier_by_number(principal.user, principal.membership, number)
    if dossier is None:
        raise Http404("Dossier introuvable.")
    return dossier


def _related(obj: Any, name: str) -> Any:
    try:
        return getattr(obj, name)
    except ObjectDoesNotExist:
        return None


def dossier_out(dossier: Dossier) -> dict[str, Any]:
    applicant = dossier.applicant
    decision = _related(dossier, "bank_decision")
    loan = _related(dossier, "loan")
    disbursement = _related(dossier, "disbursement")
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
    }


def _fresh(request: HttpRequest, dossier: Dossier, action: str) -> dict[str, Any]:
    """The dossier as the write left it, for the answer: a read of personal data (logged)."""
    principal = _principal(request)
    fresh = api_dossiers(principal.user, principal.membership).get(pk=dossier.pk)
    access_log_create(user=principal.user, action=action, obj=fresh)
    return dossier_out(fresh)


# ------------------------------------------------------------------------------------ reads
@api.get(
    "/dossiers",
    response=_responses(READ, DossierPage),
    summary="Lister les dossiers transmis à la banque",
    description=(
        "Les dossiers que la Commission Permanente a transmis à votre banque, les plus récents "
        "d'abord, par pages. Filtre facultatif sur l'état (par exemple transmitted_to_bank pour "
        "les dossiers qui attendent votre décision)."
    ),
    tags=["Dossiers"],
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
) -> dict[str, Any]:
    principal = _principal(request)
    dossiers = api_dossiers(principal.user, principal.membership)
    if state is not None:
        dossiers = dossiers.filter(state=state.value)
    count = dossiers.count()
    start = (page - 1) * page_size
    items = list(dossiers[start : start + page_size]) if start < count else []
    access_logs_create(
        user=principal.user,
        action="api_dossier_list",
        objs=items,
        detail=f"page {page}" + (f", état {state.value}" if state is not None else ""),
    )
    return {
        "count": count,
        "page": page,
        "pages": max(1, math.ceil(count / page_size)),
        "page_size": page_size,
        "items": [dossier_out(d) for d in items],
    }


@api.get(
    "/dossiers/{number}",
    response=_responses(READ, DossierOut),
    summary="Lire un dossier",
    description=(
        "Le dossier transmis à votre banque : demandeur, projet, demande, décision et prêt. "
        "404 pour un dossier d'une autre banque, non transmis ou inconnu."
    ),
    tags=["Dossiers"],
)
def dossier_detail(request: HttpRequest, number: str = NUMBER) -> dict[str, Any]:
    dossier = _dossier_or_404(request, number)
    access_log_create(user=_principal(request).user, action="api_dossier_detail", obj=dossier)
    return dossier_out(dossier)


@api.get(
    "/dossiers/{number}/schedule",
    response=_responses({**READ, 409: Error}, ScheduleOut),
    summary="Lire l'échéancier du prêt",
    description=(
        "Les lignes de l'échéancier en vigueur du prêt décaissé (409 code no_loan tant que le "
        "dossier n'est pas décaissé)."
    ),
    tags=["Prêts"],
)
def dossier_schedule(request: HttpRequest, number: str = NUMBER) -> dict[str, Any]:
    dossier = _dossier_or_404(request, number)
    loan = _related(dossier, "loan")
    if loan is None:
        raise ValidationError("Ce dossier n'a pas encore de prêt décaissé.", code="no_loan")
    access_log_create(user=_principal(request).user, action="api_dossier_schedule", obj=dossier)
    version = loan_schedule_version(loan)
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
            }
            for line in loan_schedule_lines(loan)
        ],
    }


# ----------------------------------------------------------------------------------- writes
@api.post(
    "/dossiers/{number}/decision",
    response=_responses(WRITE, DossierOut),
    summary="Enregistrer la décision de la banque",
    description=(
        "Accord (outcome « accepted » : amount, months, deferral_months, deferral_kind, dans les "
        "paramètres du dispositif ; refusé si le TAEG dépasse le seuil de l'usure) ou refus "
        "(outcome « refused » : refusal_reason dans la liste, refusal_text). Le dossier doit "
        "être « transmis à la banque » (sinon 409)."
    ),
    tags=["Décisions"],
)
def dossier_decision(
    request: HttpRequest, payload: DecisionIn, number: str = NUMBER
) -> dict[str, Any]:
    principal = _principal(request)
    dossier = _dossier_or_404(request, number)
    if payload.outcome == "accepted":
        missing = [name for name in ("amount", "months") if getattr(payload, name) is None]
        if missing:
            raise ValidationError(
                {
                    name: ValidationError(
                        "Ce champ est obligatoire pour un accord.", code="required"
                    )
                    for name in missing
                }
            )
        banking_services.bank_accept(
            actor=principal.user,
            membership=principal.membership,
            dossier_id=dossier.pk,
            amount=payload.amount,  # type: ignore[arg-type]
            months=payload.months,  # type: ignore[arg-type]
            deferral_months=payload.deferral_months,
            deferral_kind=payload.deferral_kind.value,
            today=timezone.localdate(),
        )
    else:
        if payload.refusal_reason is None:
            raise ValidationError(
                {
                    "refusal_reason": ValidationError(
                        "Choisissez le motif du refus dans la liste.", code="required"
                    )
                }
            )
        with api_fields(REFUSAL_FIELDS):
            banking_services.bank_refuse(
                actor=principal.user,
                membership=principal.membership,
                dossier_id=dossier.pk,
                reason=payload.refusal_reason.value,
                text=payload.refusal_text,
            )
    return _fresh(request, dossier, "api_dossier_decision")


@api.post(
    "/dossiers/{number}/offer",
    response=_responses(WRITE, DossierOut),
    summary="Déposer l'offre de prêt signée",
    description=(
        "Formulaire multipart : signed_on (date de signature, AAAA-MM-JJ) et file (l'offre "
        "signée, PDF, JPEG ou PNG). Le dossier doit être « accordé »."
    ),
    tags=["Décisions"],
)
def dossier_offer(
    request: HttpRequest,
    signed_on: Annotated[
        schemas.ApiDate,
        Form(description="Date de signature (AAAA-MM-JJ)."),
    ],
    file: Annotated[UploadedFile, File(description="L'offre signée (PDF, JPEG ou PNG).")],
    number: str = NUMBER,
) -> dict[str, Any]:
    principal = _principal(request)
    dossier = _dossier_or_404(request, number)
    try:  # the multipart parser kept only the last part of a name sent with a path
        check_sent_names(getattr(request, "upload_names_with_path", []))
    except UploadRefused as refusal:
        raise ValidationError(
            {"file": ValidationError(refusal.message, code="invalid_file")}
        ) from refusal
    with api_fields(OFFER_FIELDS):
        banking_services.bank_offer_record(
            actor=principal.user,
            membership=principal.membership,
            dossier_id=dossier.pk,
            signed_on=signed_on,
            upload=file,
            today=timezone.localdate(),
        )
    return _fresh(request, dossier, "api_dossier_offer")


@api.post(
    "/dossiers/{number}/disbursement",
    response=_responses(WRITE, DossierOut),
    summary="Enregistrer le décaissement",
    description=(
        "Le chèque de banque remis au bénéficiaire : numéro, date, montant (le montant accordé). "
        "Le bénéficiaire est celui du dossier ; s'il diffère, indiquez payee_name, payee_siret "
        "et payee_change_reason (jamais l'emprunteur). Exige l'offre signée. Crée le prêt et "
        "son échéancier."
    ),
    tags=["Décisions"],
)
def dossier_disbursement(
    request: HttpRequest, payload: DisbursementIn, number: str = NUMBER
) -> dict[str, Any]:
    principal = _principal(request)
    dossier = _dossier_or_404(request, number)
    banking_services.disbursement_record(
        actor=principal.user,
        membership=principal.membership,
        dossier_id=dossier.pk,
        cheque_number=payload.cheque_number.strip(),
        date=payload.date,
        amount=payload.amount,
        payee_name=payload.payee_name.strip(),
        payee_change_reason=payload.payee_change_reason.strip(),
        payee_siret=payload.payee_siret.strip(),
        today=timezone.localdate(),
        via=RecordedVia.API,
    )
    return _fresh(request, dossier, "api_dossier_disbursement")


@api.post(
    "/repayments",
    response=_responses(WRITE, RepaymentBatchOut),
    summary="Envoyer un lot de remboursements",
    description=(
        f"Au plus {loan_services.MAX_BATCH} remboursements par lot, tout ou rien. Idempotent : "
        "une référence déjà reçue avec le même contenu est ignorée (already_recorded), de même "
        "qu'une ligne qui répète une ligne précédente du lot (duplicate_in_batch) ; la même "
        "référence avec un autre contenu est refusée (409 reference_conflict) et rien n'est "
        "enregistré. Un dossier inconnu de la banque donne 404 (unknown_dossier)."
    ),
    tags=["Prêts"],
)
def repayments_post(request: HttpRequest, payload: RepaymentBatchIn) -> dict[str, Any]:
    principal = _principal(request)
    lines = [
        loan_services.RepaymentLine(
            reference=line.reference,
            dossier_number=line.dossier_number,
            date=line.date,
            amount=line.amount,
            early_repayment=line.early_repayment,
            early_repayment_keep=line.early_repayment_keep,
        )
        for line in payload.repayments
    ]
    result = loan_services.repayments_record_batch(
        actor=principal.user,
        membership=principal.membership,
        lines=lines,
        today=timezone.localdate(),
        via=RecordedVia.API,
    )
    # The service records a reference once: a later line with the same reference (same content,
    # else it refuses the batch) is a duplicate, so that the items add up to the counts.
    already = {r.reference for r in result.already_recorded}
    seen: set[str] = set()
    items = []
    for line in payload.repayments:
        if line.reference in seen:
            status = "duplicate_in_batch"
        else:
            status = "already_recorded" if line.reference in already else "recorded"
            seen.add(line.reference)
        items.append(
            {"reference": line.reference, "dossier_number": line.dossier_number, "status": status}
        )
    return {
        "recorded": len(result.recorded),
        "already_recorded": len(result.already_recorded),
        "duplicate_in_batch": len(items) - len(seen),
        "items": items,
    }


@api.post(
    "/incidents",
    response=_responses(WRITE, IncidentOut),
    summary="Signaler un incident",
    description=(
        "Une échéance impayée, un rejet ou un autre incident sur un prêt décaissé. Idempotent "
        "par référence, comme les remboursements."
    ),
    tags=["Prêts"],
)
def incident_post(request: HttpRequest, payload: IncidentIn) -> dict[str, Any]:
    principal = _principal(request)
    incident, created = loan_services.incident_record(
        actor=principal.user,
        membership=principal.membership,
        reference=payload.reference,
        dossier_number=payload.dossier_number,
        kind=payload.kind.value,
        date=payload.date,
        amount=payload.amount,
        note=payload.note,
        today=timezone.localdate(),
        via=RecordedVia.API,
    )
    return {
        "reference": incident.reference,
        "dossier_number": payload.dossier_number,
        "kind": incident.kind,
        "date": incident.date,
        "amount": incident.amount,
        "note": incident.note,
        "status": "recorded" if created else "already_recorded",
    }


# --------------------------------------------------------------------------- URLs and schema
def operation_patterns() -> list[URLPattern]:
    """The operations' URL patterns, each marked with the API's token access rule."""
    urls, _app, _ns = api.urls
    return [
        path(str(p.pattern), api_token_view(p.callback), name=p.name)
        for p in urls
        if isinstance(p, URLPattern) and p.name != "api-root"
    ]


def openapi_schema(path_prefix: str) -> dict[str, Any]:
    return dict(api.get_openapi_schema(path_prefix=path_prefix))
