"""Attach the active membership to the request; enforce two-factor authentication."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from microcredit.accounts.enums import TWO_FACTOR_ROLES
from microcredit.accounts.http import AuthenticatedRequest
from microcredit.accounts.selectors import (
    active_membership_for_user,
    confirmed_totp_device_for_user,
)


class MembershipMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        membership = active_membership_for_user(user) if user.is_authenticated else None
        # The one place that adds the attribute; views read it typed (accounts.http).
        request.membership = membership  # type: ignore[attr-defined]
        return self.get_response(request)


# Pages a half-authenticated user (password given, second factor pending) may still reach.
_TWO_FACTOR_EXEMPT_NAMES = ("accounts:otp_verify", "accounts:otp_setup", "accounts:logout")
# The bank's HTTP API authenticates each call by its token, never by the browser's session.
API_PATH_PREFIX = "/api/v1/"


class TwoFactorMiddleware:
    """A user with a TOTP device must enter a code; staff must enrol when the settings say so."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if request.path.startswith(API_PATH_PREFIX):
            return self.get_response(request)
        # `is_verified` is added to the user by django_otp's OTPMiddleware (untyped).
        if user.is_authenticated and not user.is_verified():  # type: ignore[attr-defined]
            exempt = {reverse(name) for name in _TWO_FACTOR_EXEMPT_NAMES}
            if request.path not in exempt and not request.path.startswith(settings.STATIC_URL):
                if confirmed_totp_device_for_user(user) is not None:
                    return redirect(f"{reverse('accounts:otp_verify')}?next={request.path}")
                if settings.OTP_REQUIRED_FOR_STAFF and self._must_enrol(
                    cast(AuthenticatedRequest, request)
                ):
                    return redirect("accounts:otp_setup")
        return self.get_response(request)

    @staticmethod
    def _must_enrol(request: AuthenticatedRequest) -> bool:
        membership = request.membership
        return bool(request.user.is_superuser) or (
            membership is not None and membership.role in TWO_FACTOR_ROLES
        )
