"""Reads about accounts."""

from __future__ import annotations

from django_otp.plugins.otp_totp.models import TOTPDevice

from microcredit.accounts.models import Membership, User


def active_membership_for_user(user: User) -> Membership | None:
    """The membership a user works under: their first active one."""
    return (
        Membership.objects.select_related("organisation")
        .filter(user=user, active=True)
        .order_by("id")
        .first()
    )


def confirmed_totp_device_for_user(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()
