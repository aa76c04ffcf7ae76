"""The bank's signed webhooks (#18): a notification per move of a dossier transmitted to the
bank, signed with the endpoint's secret, retried with backoff by `webhooks_deliver` and given
up after MAX_ATTEMPTS; the delivery log by API and on the bank's page."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command, get_commands
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership, User
from microcredit.api import webhooks
from microcredit.api.models import ApiToken, WebhookDelivery, WebhookEndpoint
from microcredit.commissions.enums import CommitteeDecision
from microcredit.core.enums import AuditAction
from microcredit.core.models import AuditEvent
from microcredit.dossiers.enums import DossierState
from microcredit.servicing.schedule import REPEATING
from tests.api.helpers import assert_error
from tests.commissions.helpers import _build, _decide, cast, open_session, ready_dossier
from tests.factories import make_granted_dossier, make_loan, membership_of

pytestmark = pytest.mark.django_db

DELIVERIES = reverse("api:v1:webhook_delivery_list")
PAGE = reverse("api:webhooks")


class Receiver:
    """An HTTP server of the test on 127.0.0.1 (port chosen by the system): it records every
    POST and answers the next status of `statuses` (the last one once they are used up)."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = list(statuses)
        self.requests: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                status = (
                    receiver.statuses.pop(0) if len(receiver.statuses) > 1 else receiver.statuses[0]
                )
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def valid(self, secret: str) -> list[dict[str, Any]]:
        """The notifications received whose signature checks with `secret` (parsed)."""
        out = []
        for request in self.requests:
            headers, body = request["headers"], request["body"]
            if webhooks.webhook_signature_valid(
                secret, headers.get("X-Microcredit-Signature", ""), body
            ):
                payload = json.loads(body)
                assert headers["X-Microcredit-Event-Id"] == payload["id"]
                assert headers["X-Microcredit-Event-Type"] == payload["type"]
                assert headers["Content-Type"] == "application/json"
                out.append(payload)
        return out


@pytest.fixture
def receivers() -> Iterator[Any]:
    started: list[Receiver] = []

    def start(statuses: list[int]) -> Receiver:
        receiver = Receiver(statuses)
        started.append(receiver)
        return receiver

    yield start
    for receiver in started:
        receiver.close()


@pytest.fixture
def admin(adviser: User) -> User:
    Membership.objects.filter(user=adviser).update(bank_admin=True)
    return adviser


def endpoint_for(user: User, url: str) -> tuple[WebhookEndpoint, str]:
    return webhooks.webhook_endpoint_create(
        actor=user, bank=membership_of(user).organisation, url=url
    )


def deliver(at: Any) -> str:
    out = StringIO()
    call_command("webhooks_deliver", "--now", at.isoformat(), stdout=out)
    return out.getvalue()


def test_a_failed_notification_is_retried_later_with_the_same_id_and_signed(  # type: ignore[no-untyped-def]
    api, adviser, adviser_b, referent, receivers, django_capture_on_commit_callbacks
) -> None:
    ours = receivers([500, 200])
    theirs = receivers([200])
    endpoint, secret = endpoint_for(adviser, ours.url)
    endpoint_for(adviser_b, theirs.url)

    with django_capture_on_commit_callbacks(execute=True):
        loan = make_loan(created_by=referent, adviser=adviser)  # granted, then disbursed
    number = loan.dossier.number

    # Both changes were sent at once: the first got a 500, the second a 200.
    assert len(ours.requests) == 2
    first, second = ours.valid(secret)
    assert (first["type"], first["data"]) == (
        "dossier.state_changed",
        {"number": number, "state": "granted", "previous_state": "transmitted_to_bank"},
    )
    assert second["data"] == {"number": number, "state": "disbursed", "previous_state": "granted"}
    assert first["id"] != second["id"]
    failed = WebhookDelivery.objects.get(event_id=first["id"])
    assert failed.status == WebhookDelivery.Status.PENDING
    assert (failed.attempts, failed.last_status_code) == (1, 500)
    assert failed.next_attempt_at is not None and failed.last_attempt_at is not None
    assert failed.next_attempt_at - failed.last_attempt_at == webhooks.BACKOFF[0]

    # Not due yet: nothing is sent. Due: sent again, with the same event id, and delivered.
    deliver(failed.next_attempt_at - timedelta(seconds=1))
    assert len(ours.requests) == 2
    assert "1 remise(s)" in deliver(failed.next_attempt_at)
    assert [n["id"] for n in ours.valid(secret)] == [first["id"], second["id"], first["id"]]
    assert ours.requests[2]["body"] == ours.requests[0]["body"]
    deliver(failed.next_attempt_at + timedelta(days=1))  # idempotent: nothing left to send
    assert len(ours.requests) == 3
    assert ours.valid("whsec_another") == []  # the signature depends on the secret

    # The other bank's endpoint heard nothing.
    assert theirs.requests == []

    body = api.get(DELIVERIES).json()
    assert body["count"] == 2
    by_id = {item["event_id"]: item for item in body["items"]}
    assert by_id[first["id"]] | {"created_at": None} == {
        "event_id": first["id"],
        "event_type": "dossier.state_changed",
        "dossier_number": number,
        "endpoint_url": endpoint.url,
        "status": "delivered",
        "attempts": 2,
        "last_status_code": 200,
        "last_error": "",
        "next_attempt_at": None,
        "delivered_at": by_id[first["id"]]["delivered_at"],
        "created_at": None,
    }
    assert by_id[first["id"]]["delivered_at"] is not None
    assert by_id[second["id"]]["attempts"] == 1


def test_the_commission_transmitting_a_dossier_notifies_the_bank(  # type: ignore[no-untyped-def]
    adviser, make_user, receivers, django_capture_on_commit_callbacks
) -> None:
    receiver = receivers([204])
    _endpoint, secret = endpoint_for(adviser, receiver.url)
    people = cast(make_user)
    dossier = ready_dossier(people.referent)
    session = open_session(people)
    (item,) = _build(people, session)
    assert receiver.requests == []  # the moves before the transmission are not the bank's

    with django_capture_on_commit_callbacks(execute=True):
        _decide(people, item, CommitteeDecision.TRANSMIT)

    (notification,) = receiver.valid(secret)
    assert notification["type"] == "dossier.transmitted"
    assert notification["data"] == {
        "number": dossier.number,
        "state": DossierState.TRANSMITTED_TO_BANK,
        "previous_state": DossierState.READY_FOR_COMMITTEE,
    }
    assert set(notification) == {"id", "type", "created_at", "data"}
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (WebhookDelivery.Status.DELIVERED, 1)


def test_a_notification_never_received_is_given_up_after_the_last_attempt(  # type: ignore[no-untyped-def]
    adviser, referent, receivers, django_capture_on_commit_callbacks
) -> None:
    receiver = receivers([503])
    endpoint_for(adviser, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        make_granted_dossier(created_by=referent, adviser=adviser, offer=False)
    delivery = WebhookDelivery.objects.get()
    waits = []
    while delivery.status == WebhookDelivery.Status.PENDING:
        assert delivery.next_attempt_at is not None and delivery.last_attempt_at is not None
        waits.append(delivery.next_attempt_at - delivery.last_attempt_at)
        deliver(delivery.next_attempt_at)
        delivery.refresh_from_db()
    assert waits == list(webhooks.BACKOFF)
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert delivery.attempts == webhooks.MAX_ATTEMPTS == len(receiver.requests)
    assert delivery.next_attempt_at is None
    assert delivery.last_status_code == 503 and "503" in delivery.last_error
    deliver(timezone.now() + timedelta(days=30))
    assert len(receiver.requests) == webhooks.MAX_ATTEMPTS


def test_an_unreachable_address_is_a_failed_attempt_and_no_endpoint_means_no_row(  # type: ignore[no-untyped-def]
    adviser, referent, receivers, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        make_granted_dossier(created_by=referent, adviser=adviser, offer=False)
    assert not WebhookDelivery.objects.exists()

    receiver = receivers([200])
    url = receiver.url
    receiver.close()  # nobody listens there any more
    endpoint_for(adviser, url)
    with django_capture_on_commit_callbacks(execute=True):
        make_granted_dossier(created_by=referent, adviser=adviser, offer=False)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.PENDING
    assert delivery.attempts == 1 and delivery.last_status_code is None
    assert delivery.last_error.startswith("Échec de connexion")


def test_an_inactive_endpoint_gets_nothing_and_its_pending_deliveries_are_given_up(  # type: ignore[no-untyped-def]
    adviser, referent, receivers, django_capture_on_commit_callbacks
) -> None:
    receiver = receivers([500])
    endpoint, _secret = endpoint_for(adviser, receiver.url)
    bank = membership_of(adviser).organisation
    with django_capture_on_commit_callbacks(execute=True):
        make_granted_dossier(created_by=referent, adviser=adviser, offer=False)
    pending = WebhookDelivery.objects.get()
    webhooks.webhook_endpoint_set_active(
        actor=adviser, bank=bank, endpoint_id=endpoint.pk, active=False
    )
    with django_capture_on_commit_callbacks(execute=True):
        make_granted_dossier(created_by=referent, adviser=adviser, offer=False)
    assert WebhookDelivery.objects.count() == 1  # no row for the inactive endpoint
    assert pending.next_attempt_at is not None
    deliver(pending.next_attempt_at)
    pending.refresh_from_db()
    assert pending.status == WebhookDelivery.Status.FAILED
    assert len(receiver.requests) == 1


def test_the_signature_is_an_hmac_of_the_timestamp_and_the_raw_body() -> None:
    body = b'{"id":"x"}'
    header = webhooks.webhook_signature("whsec_s", 1700000000, body)
    expected = hmac.new(b"whsec_s", b'1700000000.{"id":"x"}', hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"
    assert webhooks.webhook_signature_valid("whsec_s", header, body)
    assert not webhooks.webhook_signature_valid("whsec_s", header, b'{"id":"y"}')
    assert not webhooks.webhook_signature_valid("whsec_other", header, body)
    assert not webhooks.webhook_signature_valid("whsec_s", "v1=abc", body)


def test_plain_http_needs_the_setting(settings) -> None:  # type: ignore[no-untyped-def]
    settings.MICROCREDIT_WEBHOOKS_ALLOW_HTTP = False
    settings.DEBUG = False
    assert webhooks.webhook_url_problem("http://bank.example/hooks") is not None
    assert webhooks.webhook_url_problem("https://bank.example/hooks") is None
    assert webhooks.webhook_url_problem("ftp://bank.example/hooks") is not None
    assert webhooks.webhook_url_problem("https://user:pw@bank.example/hooks") is not None
    settings.MICROCREDIT_WEBHOOKS_ALLOW_HTTP = True
    assert webhooks.webhook_url_problem("http://bank.example/hooks") is None


def test_the_scheduler_retries_every_minute() -> None:
    job = next(j for j in REPEATING if j.name == "webhooks")
    assert (job.every, job.command, job.arguments(timezone.localdate())) == (
        timedelta(minutes=1),
        "webhooks_deliver",
        [],
    )
    assert job.command in get_commands()


# ---------------------------------------------------------------------------- SSRF
NOT_PUBLIC = [
    "https://localhost/hooks",
    "https://10.0.0.1/hooks",
    "https://127.0.0.1:8443/hooks",
    "https://[::1]/hooks",
    "https://169.254.169.254/latest/meta-data",
    "https://192.168.1.20/hooks",
    "https://100.64.0.1/hooks",
    "https://224.0.0.1/hooks",
    "https://0.0.0.0/hooks",
    "https://[::ffff:10.0.0.1]/hooks",
    "https://[fe80::1]/hooks",
]


def test_an_address_that_is_not_public_is_refused_unless_the_setting_allows_it(settings) -> None:  # type: ignore[no-untyped-def]
    settings.MICROCREDIT_WEBHOOKS_ALLOW_HTTP = False
    for url in NOT_PUBLIC:
        problem = webhooks.webhook_host_problem(url)
        assert problem is not None and problem.startswith("Adresse refusée"), url
    assert "10.0.0.1" in (webhooks.webhook_host_problem("https://10.0.0.1/hooks") or "")
    assert webhooks.webhook_host_problem("https://93.184.215.14/hooks") is None  # public
    settings.MICROCREDIT_WEBHOOKS_ALLOW_HTTP = True
    assert webhooks.webhook_host_problem("https://localhost/hooks") is None


def test_the_form_refuses_a_local_or_private_address(client, admin, settings) -> None:  # type: ignore[no-untyped-def]
    settings.MICROCREDIT_WEBHOOKS_ALLOW_HTTP = False
    client.force_login(admin)
    for url in ("https://localhost/hooks", "https://10.0.0.1/hooks"):
        response = client.post(PAGE, {"url": url})
        assert response.status_code == 422
        assert "Adresse refusée" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_a_delivery_to_a_local_address_is_a_failed_attempt_nothing_sent(  # type: ignore[no-untyped-def]
    adviser, referent, receivers, settings, django_capture_on_commit_callbacks
) -> None:
    settings.MICROCREDIT_WEBHOOKS_ALLOW_HTTP = False
    settings.DEBUG = True  # plain http allowed, not local addresses
    receiver = receivers([200])
    port = receiver.server.server_address[1]
    endpoint_for(adviser, f"http://localhost:{port}/hooks")  # the service does not check
    with django_capture_on_commit_callbacks(execute=True):
        make_granted_dossier(created_by=referent, adviser=adviser, offer=False)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.PENDING
    assert (delivery.attempts, delivery.last_status_code) == (1, None)
    assert delivery.last_error.startswith("Adresse refusée : le serveur localhost")
    assert receiver.requests == []

    settings.MICROCREDIT_WEBHOOKS_ALLOW_HTTP = True  # the same delivery reaches the receiver
    assert delivery.next_attempt_at is not None
    deliver(delivery.next_attempt_at)
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    assert len(receiver.requests) == 1


def test_the_connection_itself_goes_only_to_a_checked_public_address(receivers, settings) -> None:  # type: ignore[no-untyped-def]
    # What a name resolving to a public address at the check and to a local one at the
    # connection would meet: the connection resolves and checks again.
    receiver = receivers([200])
    settings.MICROCREDIT_WEBHOOKS_ALLOW_HTTP = False
    status, error = webhooks._post(receiver.url, b"{}", {})
    assert status is None and error.startswith("Adresse refusée : le serveur 127.0.0.1")
    assert receiver.requests == []
    settings.MICROCREDIT_WEBHOOKS_ALLOW_HTTP = True
    assert webhooks._post(receiver.url, b"{}", {}) == (200, "")


# ---------------------------------------------------------------------------- the log by API
def _deliveries(endpoint: WebhookEndpoint, count: int, status: str = "delivered") -> None:
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            endpoint=endpoint,
            event_id=uuid.uuid4(),
            event_type="dossier.state_changed",
            dossier_number=f"MC-2026-{i:05d}",
            status=status,
        )
        for i in range(count)
    )


def test_the_delivery_log_is_the_token_banks_own_filtered_and_paginated(  # type: ignore[no-untyped-def]
    api, api_b, adviser, adviser_b
) -> None:
    ours, _ = endpoint_for(adviser, "https://bank.example/hooks")
    theirs, _ = endpoint_for(adviser_b, "https://other.example/hooks")
    _deliveries(ours, 3)
    _deliveries(ours, 2, status="failed")
    _deliveries(theirs, 4)

    body = api.get(DELIVERIES, page_size=2).json()
    assert (body["count"], body["pages"], len(body["items"])) == (5, 3, 2)
    assert {i["endpoint_url"] for i in body["items"]} == {ours.url}
    assert api.get(DELIVERIES, status="failed").json()["count"] == 2
    assert api_b.get(DELIVERIES).json()["count"] == 4
    later = (timezone.now() + timedelta(hours=1)).isoformat()
    assert api.get(DELIVERIES, since=later).json()["count"] == 0
    assert_error(api.get(DELIVERIES, status="lost"), 422)
    assert_error(api.get(DELIVERIES, sinse=later), 422, "unknown_parameter")


def test_the_delivery_log_reads_a_constant_number_of_queries(api, adviser) -> None:  # type: ignore[no-untyped-def]
    endpoint, _ = endpoint_for(adviser, "https://bank.example/hooks")
    api.get(DELIVERIES)  # the token's first use is written once (then at most once a minute)
    counts = []
    for size in (2, 20):
        WebhookDelivery.objects.all().delete()
        _deliveries(endpoint, size)
        with CaptureQueriesContext(connection) as queries:
            assert api.get(DELIVERIES).json()["count"] == size
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_delivery_log_needs_the_read_scope(api, adviser) -> None:  # type: ignore[no-untyped-def]
    ApiToken.objects.filter(user=adviser).update(scopes=["pay"])
    assert_error(api.get(DELIVERIES), 403, "insufficient_scope")


def test_the_schema_declares_the_operation_under_the_webhooks_tag(client) -> None:  # type: ignore[no-untyped-def]
    schema = client.get(reverse("api:v1:openapi_json")).json()
    operation = schema["paths"]["/api/v1/webhooks/deliveries"]["get"]
    assert operation["operationId"] == "webhook_delivery_list"
    assert operation["tags"] == ["webhooks"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"status", "since", "page", "page_size"} <= names


# ---------------------------------------------------------------------------- the bank's page
def test_the_bank_admin_adds_an_address_and_sees_its_secret_once(client, admin) -> None:  # type: ignore[no-untyped-def]
    client.force_login(admin)
    response = client.post(PAGE, {"url": "https://bank.example/hooks"})
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.url == "https://bank.example/hooks" and endpoint.active
    assert endpoint.bank == membership_of(admin).organisation
    assert endpoint.secret.startswith("whsec_")
    assert endpoint.secret in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    again = client.get(PAGE)
    assert again.status_code == 200
    assert endpoint.secret not in again.content.decode()
    assert endpoint.url in again.content.decode()

    old = endpoint.secret
    response = client.post(PAGE, {"action": "rotate", "endpoint": endpoint.pk})
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.secret in response.content.decode()

    client.post(PAGE, {"action": "deactivate", "endpoint": endpoint.pk})
    endpoint.refresh_from_db()
    assert not endpoint.active
    client.post(PAGE, {"action": "activate", "endpoint": endpoint.pk})
    endpoint.refresh_from_db()
    assert endpoint.active


def test_the_admins_changes_are_audited_and_the_secret_never_is(client, admin) -> None:  # type: ignore[no-untyped-def]
    client.force_login(admin)
    client.post(PAGE, {"url": "https://bank.example/hooks"})
    endpoint = WebhookEndpoint.objects.get()
    secrets_seen = [endpoint.secret]
    client.post(PAGE, {"action": "rotate", "endpoint": endpoint.pk})
    endpoint.refresh_from_db()
    secrets_seen.append(endpoint.secret)
    client.post(PAGE, {"action": "deactivate", "endpoint": endpoint.pk})
    client.post(PAGE, {"action": "deactivate", "endpoint": endpoint.pk})  # no change, no row
    client.post(PAGE, {"action": "activate", "endpoint": endpoint.pk})
    events = list(
        AuditEvent.objects.filter(
            object_type="api.webhookendpoint", object_id=str(endpoint.pk)
        ).order_by("id")
    )
    assert [e.action for e in events] == [
        AuditAction.WEBHOOK_ENDPOINT_CREATE,
        AuditAction.WEBHOOK_SECRET_ROTATE,
        AuditAction.WEBHOOK_ENDPOINT_ACTIVE,
        AuditAction.WEBHOOK_ENDPOINT_ACTIVE,
    ]
    assert {e.actor_id for e in events} == {admin.pk}
    assert events[0].new_values["url"] == "https://bank.example/hooks"
    assert (events[2].old_values, events[2].new_values["active"]) == ({"active": True}, False)
    assert (events[3].old_values, events[3].new_values["active"]) == ({"active": False}, True)
    written = json.dumps([[e.old_values, e.new_values, e.reason] for e in events])
    assert "whsec_" not in written
    assert not any(secret in written for secret in secrets_seen)


def test_an_address_must_be_https_when_http_is_not_allowed(client, admin, settings) -> None:  # type: ignore[no-untyped-def]
    settings.MICROCREDIT_WEBHOOKS_ALLOW_HTTP = False
    client.force_login(admin)
    response = client.post(PAGE, {"url": "http://bank.example/hooks"})
    assert response.status_code == 422
    assert "https://" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_another_adviser_reads_the_page_but_changes_nothing(  # type: ignore[no-untyped-def]
    client, adviser, make_user, referent, receivers, django_capture_on_commit_callbacks
) -> None:
    endpoint, _ = endpoint_for(adviser, receivers([200]).url)
    with django_capture_on_commit_callbacks(execute=True):
        dossier = make_granted_dossier(created_by=referent, adviser=adviser, offer=False)
    colleague = make_user(Role.BANK_ADVISER, username="collegue")
    client.force_login(colleague)
    page = client.get(PAGE)
    assert page.status_code == 200
    assert dossier.number in page.content.decode()  # the delivery log
    assert endpoint.secret not in page.content.decode()
    assert client.post(PAGE, {"url": "https://x.example/h"}).status_code == 403
    assert client.post(PAGE, {"action": "deactivate", "endpoint": endpoint.pk}).status_code == 403
    endpoint.refresh_from_db()
    assert endpoint.active and WebhookEndpoint.objects.count() == 1


def test_an_admin_cannot_touch_another_banks_address(client, admin, adviser_b) -> None:  # type: ignore[no-untyped-def]
    theirs, _ = endpoint_for(adviser_b, "https://other.example/hooks")
    client.force_login(admin)
    response = client.post(PAGE, {"action": "deactivate", "endpoint": theirs.pk})
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.active
    assert theirs.url not in client.get(PAGE).content.decode()


def test_the_page_is_for_bank_advisers(client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(Role.REFERENT)
    assert client.get(PAGE).status_code == 403


def test_the_log_page_is_paginated(client, admin) -> None:  # type: ignore[no-untyped-def]
    endpoint, _ = endpoint_for(admin, "https://bank.example/hooks")
    _deliveries(endpoint, 51)
    client.force_login(admin)
    first = client.get(PAGE).content.decode()
    assert "page=2" in first
    second = client.get(PAGE, {"page": 2}).content.decode()
    assert second.count("MC-2026-") == 1
