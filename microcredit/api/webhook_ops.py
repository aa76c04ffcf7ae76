"""The bank's webhook delivery log, read by API (#18): `GET /api/v1/webhooks/deliveries`.

Every notification sent (or being retried, or given up) to an endpoint of the token's bank, the
most recent first, by pages; filters on the status and on the creation date. The notifications
themselves are described in `api.webhooks` and on the documentation page.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Schema

from microcredit.api.base import (
    MAX_PAGE,
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    READ,
    api,
    page_of,
    principal_of,
)
from microcredit.api.enums import Scope
from microcredit.api.errors import error_response
from microcredit.api.models import WebhookDelivery

SCOPE_READ_MISSING = "Ce jeton n'a pas le droit « read » (lecture) nécessaire à cette opération."

DeliveryStatus = enum.Enum(  # type: ignore[misc]
    "DeliveryStatus", {s.name: s.value for s in WebhookDelivery.Status}, type=str
)


class WebhookDeliveryOut(Schema):
    event_id: uuid.UUID = Field(
        description="Identifiant de l'événement (en-tête X-Microcredit-Event-Id ; le même à "
        "chaque nouvelle tentative).",
        examples=["0b6f5f0e-8f1e-4a56-9d1c-2f3b8f3a7c11"],
    )
    event_type: str = Field(
        description="Type d'événement : dossier.transmitted ou dossier.state_changed (d'autres "
        "types pourront s'ajouter : ignorez ceux que vous ne connaissez pas).",
        examples=["dossier.state_changed"],
    )
    dossier_number: str = Field(description="Numéro du dossier.", examples=["MC-2026-00042"])
    endpoint_url: str = Field(description="Adresse de notification visée.")
    status: DeliveryStatus = Field(
        description="pending : à envoyer ou à réessayer ; delivered : reçue (réponse 2xx) ; "
        "failed : abandonnée après la dernière tentative."
    )
    attempts: int = Field(description="Tentatives faites.", examples=[2])
    last_status_code: int | None = Field(
        description="Statut HTTP de la dernière réponse (null sans réponse).", examples=[200]
    )
    last_error: str = Field(description="Dernière erreur (vide si aucune).")
    next_attempt_at: dt.datetime | None = Field(
        description="Prochaine tentative prévue (null si remise ou abandonnée)."
    )
    delivered_at: dt.datetime | None = Field(description="Remise le (réponse 2xx).")
    created_at: dt.datetime = Field(description="Événement survenu le.")


class WebhookDeliveryPage(Schema):
    count: int = Field(description="Nombre total de notifications (après filtres).")
    page: int = Field(description="Numéro de la page (à partir de 1).")
    pages: int = Field(description="Nombre de pages.")
    page_size: int = Field(description="Notifications par page.")
    items: list[WebhookDeliveryOut]


def delivery_out(delivery: WebhookDelivery) -> dict[str, Any]:
    return {
        "event_id": delivery.event_id,
        "event_type": delivery.event_type,
        "dossier_number": delivery.dossier_number,
        "endpoint_url": delivery.endpoint.url,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "next_attempt_at": delivery.next_attempt_at,
        "delivered_at": delivery.delivered_at,
        "created_at": delivery.created_at,
    }


@api.get(
    "/webhooks/deliveries",
    response={**READ, 200: WebhookDeliveryPage},
    summary="Lire le journal des notifications (webhooks)",
    description=(
        "Les notifications envoyées aux adresses de votre banque, les plus récentes d'abord, "
        "par pages : événement, dossier, statut, tentatives, dernière réponse, prochaine "
        "tentative. Une notification non remise est réessayée (1 min, 5 min, 30 min, 2 h, "
        "12 h) puis abandonnée. Droit requis : read."
    ),
    tags=["webhooks"],
)
def webhook_delivery_list(
    request: HttpRequest,
    status: Annotated[DeliveryStatus | None, Query(description="Ne garder que ce statut.")] = None,
    since: Annotated[
        dt.datetime | None,
        Query(description="Ne garder que les notifications créées à partir de cet instant."),
    ] = None,
    page: Annotated[
        int, Query(ge=1, le=MAX_PAGE, description="Numéro de page, à partir de 1.")
    ] = 1,
    page_size: Annotated[
        int, Query(ge=1, le=MAX_PAGE_SIZE, description="Notifications par page.")
    ] = PAGE_SIZE,
) -> dict[str, Any] | HttpResponse:
    principal = principal_of(request)
    if Scope.READ not in principal.token.scopes:
        return error_response(403, "insufficient_scope", SCOPE_READ_MISSING)
    deliveries = WebhookDelivery.objects.filter(
        endpoint__bank_id=principal.token.bank_id
    ).select_related("endpoint")
    if status is not None:
        deliveries = deliveries.filter(status=status.value)
    if since is not None:
        if timezone.is_naive(since):  # a time without offset is Paris time
            since = timezone.make_aware(since)
        deliveries = deliveries.filter(created_at__gte=since)
    deliveries = deliveries.order_by("-created_at", "-id")
    items, page_fields = page_of(deliveries, page, page_size)
    return {**page_fields, "items": [delivery_out(d) for d in items]}
