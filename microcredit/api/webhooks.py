"""The bank's signed webhooks (#18): the events, their signature, their delivery with retries.

When a dossier is transmitted to a bank (`dossier.transmitted`) or changes state afterwards
(`dossier.state_changed`, servicing states included), each active endpoint of that bank gets one
`WebhookDelivery` row, written in the move's transaction (`dossiers.hooks.transitioned`). The
first attempt runs after the commit, through the `deliver_webhook` task; a failed attempt is
retried with an exponential backoff (BACKOFF) by `microcredit webhooks_deliver` (scheduled), and
by the task itself when the tasks backend can defer (`run_after`). After MAX_ATTEMPTS failed
attempts the delivery is given up (`failed`).

The body is small JSON without personal data: `{"id", "type", "created_at", "data": {"number",
"state", "previous_state"}}`; the bank reads the dossier by API. It is signed:
`X-Microcredit-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with the
endpoint's secret>`, with `X-Microcredit-Event-Id` (the same on every retry) and
`X-Microcredit-Event-Type`. Only a 2xx answer within TIMEOUT_SECONDS counts as delivered;
redirects are not followed.

No request forgery through an address (SSRF): an address whose server is, or resolves to, an
address that is not public (loopback, private, link-local, shared, multicast, reserved…) is
refused by the form, and again at each attempt, where the connection is made to the addresses
just checked (a name resolving elsewhere between the check and the connection changes
nothing); such an attempt fails with the reason in `last_error`. The notifications go direct,
never through the environment's proxy. `MICROCREDIT_WEBHOOKS_ALLOW_HTTP` (tests, development)
lifts this guard as it allows plain http.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import secrets
import socket
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from microcredit.accounts.models import User
from microcredit.api.models import WebhookDelivery, WebhookEndpoint
from microcredit.core.enums import AuditAction
from microcredit.core.services import audit_event_create
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import DossierEvent
from microcredit.organisations.models import Organisation

logger = logging.getLogger(__name__)

DOSSIER_TRANSMITTED = "dossier.transmitted"
DOSSIER_STATE_CHANGED = "dossier.state_changed"
EVENT_TYPES = (DOSSIER_TRANSMITTED, DOSSIER_STATE_CHANGED)

SIGNATURE_HEADER = "X-Microcredit-Signature"
EVENT_ID_HEADER = "X-Microcredit-Event-Id"
EVENT_TYPE_HEADER = "X-Microcredit-Event-Type"
TIMEOUT_SECONDS = 5
# The wait after the 1st, 2nd… failed attempt; the attempt after the last wait is the last one.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
SECRET_PREFIX = "whsec_"  # noqa: S105 (the visible start of every secret, not a secret)
ERROR_MAX_LENGTH = 300  # WebhookDelivery.last_error
DUE_BATCH = 500  # deliveries read per pass of webhooks_deliver


# ------------------------------------------------------------------------------ endpoints
def http_allowed() -> bool:
    """Plain http endpoints are accepted only in development or when the setting says so."""
    return bool(settings.DEBUG or getattr(settings, "MICROCREDIT_WEBHOOKS_ALLOW_HTTP", False))


def webhook_url_problem(url: str) -> str | None:
    """Why this address cannot receive notifications (French), or None when it can."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return "L'adresse doit commencer par https:// et nommer un serveur."
    if parts.scheme == "http" and not http_allowed():
        return (
            "L'adresse doit être en https:// (en http, les notifications ne seraient pas "
            "chiffrées)."
        )
    if parts.username or parts.password:
        return "L'adresse ne doit pas contenir d'identifiant ni de mot de passe."
    return None


def private_addresses_allowed() -> bool:
    """Addresses that are not public are accepted only when the setting says so (tests)."""
    return bool(getattr(settings, "MICROCREDIT_WEBHOOKS_ALLOW_HTTP", False))


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _address_not_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour or (address.teredo or (None, None))[1]
        if embedded is not None and _address_not_public(embedded):
            return True
    return address.is_multicast or not address.is_global


class WebhookAddressRefused(OSError):
    """The address's server is not a public address (its French reason as message)."""


AddrInfo = tuple[Any, ...]  # an entry of socket.getaddrinfo


def webhook_host_addresses(host: str, port: int) -> list[AddrInfo]:
    """The addresses of the server, every one of them public.

    Raises:
        WebhookAddressRefused: one of them is not public.
        OSError: the name does not resolve (socket.gaierror).
    """
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if _address_not_public(address):
            raise WebhookAddressRefused(
                f"Adresse refusée : le serveur {host} est (ou désigne) l'adresse {address}, "
                "qui n'est pas une adresse publique (locale, privée ou réservée)."
            )
    return infos


def webhook_host_problem(url: str) -> str | None:
    """Why the address's server cannot receive notifications (French): it is, or resolves to,
    an address that is not public; None when it is public, or does not resolve now (the
    attempts say so), or when the setting allows any address."""
    if private_addresses_allowed():
        return None
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        webhook_host_addresses(parts.hostname or "", port)
    except WebhookAddressRefused as refused:
        return str(refused)
    except (OSError, UnicodeError, ValueError):
        return None
    return None


def webhook_secret_new() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def webhook_endpoints_for_bank(bank: Organisation) -> list[WebhookEndpoint]:
    return list(WebhookEndpoint.objects.filter(bank=bank).order_by("-active", "-created_at"))


@transaction.atomic
def webhook_endpoint_create(
    *, actor: User, bank: Organisation, url: str
) -> tuple[WebhookEndpoint, str]:
    """A new active endpoint of the bank; returns it and its clear secret (shown once)."""
    secret = webhook_secret_new()
    endpoint = WebhookEndpoint.objects.create(
        bank=bank, url=url, secret=secret, active=True, created_by=actor
    )
    audit_event_create(
        actor=actor,
        action=AuditAction.WEBHOOK_ENDPOINT_CREATE,
        obj=endpoint,
        new_values={"bank": bank.pk, "url": url, "active": True},
    )
    return endpoint, secret


def _endpoint_of_bank(bank: Organisation, endpoint_id: int) -> WebhookEndpoint:
    return WebhookEndpoint.objects.select_for_update().get(pk=endpoint_id, bank=bank)


@transaction.atomic
def webhook_secret_rotate(
    *, actor: User, bank: Organisation, endpoint_id: int
) -> tuple[WebhookEndpoint, str]:
    """A new secret for the endpoint (the old one stops at once); returns the clear secret.
    The audit row says that it changed, never what it is.

    Raises:
        WebhookEndpoint.DoesNotExist: not an endpoint of this bank.
    """
    endpoint = _endpoint_of_bank(bank, endpoint_id)
    endpoint.secret = webhook_secret_new()
    endpoint.save(update_fields=["secret"])
    audit_event_create(
        actor=actor,
        action=AuditAction.WEBHOOK_SECRET_ROTATE,
        obj=endpoint,
        new_values={"bank": bank.pk, "url": endpoint.url},
    )
    return endpoint, endpoint.secret


@transaction.atomic
def webhook_endpoint_set_active(
    *, actor: User, bank: Organisation, endpoint_id: int, active: bool
) -> WebhookEndpoint:
    """Turn the endpoint on or off: an inactive endpoint gets no new notification, and its
    pending deliveries are given up at their next attempt. An audit row for a change only.

    Raises:
        WebhookEndpoint.DoesNotExist: not an endpoint of this bank.
    """
    endpoint = _endpoint_of_bank(bank, endpoint_id)
    if endpoint.active != active:
        endpoint.active = active
        endpoint.save(update_fields=["active"])
        audit_event_create(
            actor=actor,
            action=AuditAction.WEBHOOK_ENDPOINT_ACTIVE,
            obj=endpoint,
            old_values={"active": not active},
            new_values={"active": active, "url": endpoint.url},
        )
    return endpoint


# ------------------------------------------------------------------------------ events
def webhooks_after_transition(event: DossierEvent) -> None:
    """Listener of `dossiers.hooks.transitioned`: a move of a dossier transmitted to a bank is
    announced to that bank's active endpoints (rows now, sending after the commit)."""
    dossier = event.dossier
    if dossier.bank_id is None:
        return
    kind = (
        DOSSIER_TRANSMITTED
        if event.to_state == DossierState.TRANSMITTED_TO_BANK
        else DOSSIER_STATE_CHANGED
    )
    webhook_deliveries_create(
        bank_id=dossier.bank_id,
        event_type=kind,
        number=dossier.number,
        state=str(event.to_state),
        previous_state=event.from_state or None,
        at=event.at,
    )


def webhook_deliveries_create(
    *,
    bank_id: int,
    event_type: str,
    number: str,
    state: str,
    previous_state: str | None,
    at: datetime,
) -> list[WebhookDelivery]:
    """One delivery per active endpoint of the bank, in the caller's transaction; the first
    attempts are enqueued after its commit."""
    endpoints = list(WebhookEndpoint.objects.filter(bank_id=bank_id, active=True))
    deliveries = []
    for endpoint in endpoints:
        event_id = uuid.uuid4()
        deliveries.append(
            WebhookDelivery.objects.create(
                endpoint=endpoint,
                event_id=event_id,
                event_type=event_type,
                dossier_number=number,
                payload={
                    "id": str(event_id),
                    "type": event_type,
                    "created_at": at.isoformat(),
                    "data": {
                        "number": number,
                        "state": state,
                        "previous_state": previous_state,
                    },
                },
                next_attempt_at=at,
            )
        )
    if deliveries:
        ids = [d.pk for d in deliveries]
        transaction.on_commit(lambda: _enqueue(ids))
    return deliveries


def _enqueue(ids: list[int], run_after: datetime | None = None) -> None:
    for delivery_id in ids:
        try:
            if run_after is None:
                deliver_webhook.enqueue(delivery_id)
            else:
                deliver_webhook.using(run_after=run_after).enqueue(delivery_id)
        except Exception:
            # The row stays pending: webhooks_deliver sends it.
            logger.exception("Webhook delivery %s not enqueued", delivery_id)


# ------------------------------------------------------------------------------ signature
def webhook_body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def webhook_signature(secret: str, timestamp: int, body: bytes) -> str:
    """The `X-Microcredit-Signature` value: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def webhook_signature_valid(secret: str, header: str, body: bytes) -> bool:
    """What a receiver does (documentation and tests): recompute and compare in constant time."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    expected = webhook_signature(secret, timestamp, body)
    return hmac.compare_digest(expected, f"t={timestamp},v1={parts.get('v1', '')}")


# ------------------------------------------------------------------------------ sending
class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A 3xx is a failed attempt: the notification goes to the configured address only."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _guarded_create_connection(
    address: tuple[str, int], timeout: Any = None, source_address: Any = None
) -> socket.socket:
    """socket.create_connection, to the server's addresses once checked public (SSRF)."""
    if private_addresses_allowed():
        return socket.create_connection(address, timeout, source_address)
    host, port = address
    last_error: OSError = OSError(f"Aucune adresse pour {host}.")
    for family, kind, proto, _name, sockaddr in webhook_host_addresses(host, port):
        sock = socket.socket(family, kind, proto)
        try:
            if isinstance(timeout, int | float):
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
        except OSError as error:
            sock.close()
            last_error = error
        else:
            return sock
    raise last_error


class _GuardedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _guarded_create_connection


class _GuardedHTTPSConnection(http.client.HTTPSConnection):
    """TLS on the checked socket, the certificate verified against the server's name."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _guarded_create_connection


class _GuardedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_GuardedHTTPConnection, req)


class _GuardedHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_GuardedHTTPSConnection, req)


_opener = urllib.request.build_opener(
    _NoRedirect,
    _GuardedHTTPHandler,
    _GuardedHTTPSHandler,
    urllib.request.ProxyHandler({}),  # direct: the guard checks the server itself
)


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str]:
    """POST once: (status code or None, error text or "")."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 (scheme checked)
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            return int(response.status), ""
    except urllib.error.HTTPError as error:
        return int(error.code), f"Réponse HTTP {error.code}."
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        if isinstance(reason, WebhookAddressRefused):
            return None, str(reason)[:ERROR_MAX_LENGTH]
        return None, f"Échec de connexion : {reason}"[:ERROR_MAX_LENGTH]


def webhook_delivery_attempt(delivery_id: int, *, now: datetime | None = None) -> str | None:
    """One attempt of a due pending delivery; its new status, or None when it is not due, done,
    or being sent by another process (its row locked: skipped, never sent twice at once)."""
    now = now or timezone.now()
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint")
            .filter(
                pk=delivery_id,
                status=WebhookDelivery.Status.PENDING,
                next_attempt_at__lte=now,
            )
            .first()
        )
        if delivery is None:
            return None
        endpoint = delivery.endpoint
        if not endpoint.active:
            delivery.status = WebhookDelivery.Status.FAILED
            delivery.next_attempt_at = None
            delivery.last_error = "Point de notification désactivé : notification abandonnée."
            delivery.save(update_fields=["status", "next_attempt_at", "last_error"])
            return delivery.status
        problem = webhook_url_problem(endpoint.url) or webhook_host_problem(endpoint.url)
        if problem is None:
            body = webhook_body(delivery.payload)
            timestamp = int(now.timestamp())
            status_code, error = _post(
                endpoint.url,
                body,
                {
                    "Content-Type": "application/json",
                    "User-Agent": "microcredit-webhooks/1",
                    SIGNATURE_HEADER: webhook_signature(endpoint.secret, timestamp, body),
                    EVENT_ID_HEADER: str(delivery.event_id),
                    EVENT_TYPE_HEADER: delivery.event_type,
                },
            )
        else:
            status_code, error = None, problem
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.last_status_code = status_code
        if status_code is not None and 200 <= status_code < 300:
            delivery.status = WebhookDelivery.Status.DELIVERED
            delivery.delivered_at = now
            delivery.next_attempt_at = None
            delivery.last_error = ""
        elif delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = WebhookDelivery.Status.FAILED
            delivery.next_attempt_at = None
            delivery.last_error = error[:ERROR_MAX_LENGTH]
        else:
            delivery.next_attempt_at = now + BACKOFF[delivery.attempts - 1]
            delivery.last_error = error[:ERROR_MAX_LENGTH]
        delivery.save(
            update_fields=[
                "status",
                "attempts",
                "last_attempt_at",
                "last_status_code",
                "last_error",
                "next_attempt_at",
                "delivered_at",
            ]
        )
        if delivery.status == WebhookDelivery.Status.PENDING and _backend_defers():
            retry_at, pk = delivery.next_attempt_at, delivery.pk
            transaction.on_commit(lambda: _enqueue([pk], run_after=retry_at))
        return str(delivery.status)


def _backend_defers() -> bool:
    try:
        return bool(deliver_webhook.get_backend().supports_defer)
    except Exception:  # a misconfigured backend: the command retries
        return False


def webhook_deliveries_due(now: datetime, limit: int = DUE_BATCH) -> list[int]:
    """The pending deliveries whose attempt is due, oldest due first."""
    return list(
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now
        )
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )


def webhooks_deliver_due(*, now: datetime | None = None) -> dict[str, int]:
    """Attempt every due pending delivery once (the command); counts per outcome."""
    now = now or timezone.now()
    counts = {"delivered": 0, "pending": 0, "failed": 0, "skipped": 0}
    while True:
        due = webhook_deliveries_due(now)
        attempted = 0
        for delivery_id in due:
            outcome = webhook_delivery_attempt(delivery_id, now=now)
            counts[outcome or "skipped"] += 1
            attempted += outcome is not None
        # A full batch may hide more; rows skipped (sent by another process) are left to it.
        if len(due) < DUE_BATCH or not attempted:
            return counts


@task()
def deliver_webhook(delivery_id: int) -> str | None:
    """Attempt the delivery if it is due (after the move's commit, or at its retry time)."""
    return webhook_delivery_attempt(delivery_id)
