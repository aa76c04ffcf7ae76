"""Writes about accounts: two-factor devices."""

from __future__ import annotations

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from microcredit.accounts.models import User
from microcredit.core.enums import AuditAction
from microcredit.core.services import audit_event_create


def totp_device_get_or_create_pending(*, user: User) -> TOTPDevice:
    """The unconfirmed device a user is enrolling (one at a time)."""
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, confirmed=False, defaults={"name": "Application d'authentification"}
    )
    return device


@transaction.atomic
def totp_device_confirm(*, user: User, device: TOTPDevice, token: str) -> bool:
    """Confirm enrolment when the token matches; replaces any previous confirmed device."""
    if not device.verify_token(token):
        return False
    TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_event_create(actor=user, action=AuditAction.TOTP_ENROLLED, obj=user)
    return True
