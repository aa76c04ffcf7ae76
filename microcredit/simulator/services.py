"""Writes of the public simulator: appointment requests only (simulations store nothing)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django_tasks import task

from microcredit.core.enums import AuditAction
from microcredit.core.errors import Refused
from microcredit.core.formatting import format_datetime
from microcredit.core.services import audit_event_create
from microcredit.organisations.models import Organisation
from microcredit.simulator import rules
from microcredit.simulator.models import ContactRequest

if TYPE_CHECKING:
    pass

logger = logging.getLogger(__name__)

_FINGERPRINT_SALT = "microcredit.simulator.contact_request.client"
ARRIVAL_SUBJECT = "Nouvelle demande de rendez-vous"


class ContactRequestRefusedError(Refused):
    """The request cannot be recorded (anti-spam limit); `message` is French, for the person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def client_fingerprint(ip_address: str) -> str:
    """Keyed SHA-256 of the client's IP address (salted with the secret key): enough to count
    requests per client, never the address itself."""
    return salted_hmac(_FINGERPRINT_SALT, ip_address, algorithm="sha256").hexdigest()


def contact_request_create(
    *,
    organisation: Organisation,
    first_name: str,
    last_name: str,
    phone: str,
    email: str,
    preferred_times: str,
    purpose_code: str,
    message: str,
    consent: bool,
    client_ip: str,
    now: datetime,
) -> ContactRequest:
    """Record a request to be called back, unless the hourly limits are reached.

    Raises:
        ContactRequestRefusedError: more than 5 requests an hour from the same client, or more
            than 3 an hour for the same phone number or e-mail address.
    """
    fingerprint = client_fingerprint(client_ip)
    since = now - timedelta(hours=1)
    with transaction.atomic():
        recent = ContactRequest.objects.filter(created_at__gt=since)
        same_contact = Q(pk__in=[])
        if phone:
            same_contact |= Q(phone=phone)
        if email:
            same_contact |= Q(email__iexact=email)
        if rules.contact_rate_limited(
            client_requests_last_hour=recent.filter(client_fingerprint=fingerprint).count(),
            contact_requests_last_hour=recent.filter(same_contact).count(),
        ):
            raise ContactRequestRefusedError(rules.RATE_LIMIT_MESSAGE)
        contact_request = ContactRequest(
            organisation=organisation,
            first_name=first_name,
            last_name=last_name,
            phone=phone,
            email=email,
            preferred_times=preferred_times,
            purpose_code=purpose_code,
            message=message,
            consent=consent,
            client_fingerprint=fingerprint,
        )
        contact_request.full_clean()
        contact_request.save()
        # No personal data in the audit trail: the row itself holds it.
        audit_event_create(
            actor=None,
            action=AuditAction.CONTACT_REQUEST_CREATE,
            obj=contact_request,
            new_values={"status": contact_request.status, "purpose_code": purpose_code},
        )
        request_id = contact_request.pk
        transaction.on_commit(lambda: contact_request_arrival_email.enqueue(request_id))
    return contact_request


def contact_request_arrival_text(contact_request: ContactRequest) -> str:
    """The e-mail to the CCAS about a new request: when it came and where to handle it. Nothing
    of the person (no name, no phone, not the message): the rest is behind the login."""
    received = format_datetime(timezone.localtime(contact_request.created_at))
    link = settings.SITE_URL.rstrip("/") + reverse("followup:requests")
    return (
        f"Nouvelle demande de rendez-vous reçue le {received} : à traiter dans la boîte des "
        f"demandes.\n\n{link}\n"
    )


@task()
def contact_request_arrival_email(contact_request_id: int) -> bool:
    """E-mail the CCAS's address (Organisation.email) that a request arrived; enqueued after the
    commit of `contact_request_create`. Without an address, nothing is sent and the log says
    so. Whether an e-mail left."""
    contact_request = (
        ContactRequest.objects.select_related("organisation").filter(pk=contact_request_id).first()
    )
    if contact_request is None:
        return False
    organisation = contact_request.organisation
    if not organisation.email:
        logger.warning(
            "Contact request %s: organisation %s has no e-mail address, no e-mail sent",
            contact_request.pk,
            organisation.slug,
        )
        return False
    send_mail(
        subject=ARRIVAL_SUBJECT,
        message=contact_request_arrival_text(contact_request),
        from_email=None,
        recipient_list=[organisation.email],
    )
    return True
