"""Attach the active membership to the request; enforce two-factor authentication; push the
session's idle expiry back once a minute (SessionRefreshMiddleware)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import cast

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
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


# The session's key holding when its idle expiry was last pushed back (seconds since the epoch).
SESSION_REFRESHED_AT = "_refreshed_at"


class SessionRefreshMiddleware:
    """The idle expiry without a database write on every request.

    A session ends after SESSION_COOKIE_AGE seconds without a request. Saving it on every answer
    (SESSION_SAVE_EVERY_REQUEST) pushes its expiry back each time, at the price of an UPDATE and a
    commit per page, about 1 ms of a 6 ms page. Here the session is saved when it changed, or when
    its expiry was last pushed back SESSION_REFRESH_AFTER seconds ago or more: one write a minute
    per person at most. A session so lasts between SESSION_COOKIE_AGE - SESSION_REFRESH_AFTER
    and SESSION_COOKIE_AGE after the last request; the page's warning counts the first (the
    time that is sure, `session_seconds_sure`).

    Placed just after SessionMiddleware: the session it marks as modified is saved by that
    middleware's answer, with its cookie, as Django saves any modified session. An empty session
    (an anonymous visitor) is left alone: no session is created for it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or response.status_code >= 500:
            return response
        if session.session_key is None and not session.modified:
            return response  # no cookie and nothing stored: no session to keep
        refreshed = session.get(SESSION_REFRESHED_AT)
        if session.is_empty():  # no session, a stale cookie's, or one just flushed
            return response
        stale = (
            not isinstance(refreshed, int)
            or time.time() - refreshed >= settings.SESSION_REFRESH_AFTER
        )
        if stale or session.modified:
            _stamp(session)
        return response


def _stamp(session: SessionBase) -> None:
    """Mark the session as pushed back now (and so modified: Django saves it)."""
    session[SESSION_REFRESHED_AT] = int(time.time())


def stamp_session_at_login(sender: object, request: HttpRequest, **kwargs: object) -> None:
    """`user_logged_in`: the login saves the session, and with it the expiry's push back."""
    session = getattr(request, "session", None)
    if session is not None:
        _stamp(session)


def session_seconds_sure() -> int:
    """How long a signed-in page can count on its session after its request: the idle expiry
    less the time its last push back may be late (SessionRefreshMiddleware)."""
    return int(settings.SESSION_COOKIE_AGE - settings.SESSION_REFRESH_AFTER)
