"""Token authentication of the API and the access rule its URL patterns declare.

An expired token is refused with its own 401 (`TokenExpired`), which names the expiry date: the
bank's software then tells its operator to create another token, rather than a vague
"unauthenticated". The last use is recorded (at most one write a minute, services).

The token's holder is a bank adviser or the bank's service account (#18). The token the request
came through is recorded for the request (`core.context`): the audit and access-log rows its
writes and reads make carry its id; `api_token_view` resets it when the answer is made. The
scopes each operation needs are checked after this authentication (`api.scopes`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja.errors import AuthenticationError, AuthorizationError
from ninja.security import HttpBearer

from microcredit.api.errors import MESSAGES, error_response
from microcredit.api.selectors import ApiPrincipal, TokenForbidden, api_principal_for_key
from microcredit.api.services import api_token_mark_used
from microcredit.core.context import api_token_reset, api_token_set

# The access rule of the API's operations (tests/test_url_access.py): no session, no login
# redirect; a bank adviser's token in `Authorization: Bearer`, else 401 JSON.
API_TOKEN = "api_token"  # noqa: S105 (a rule name, not a secret)


class TokenExpired(AuthenticationError):
    """A token past its `expires_at` (401, the date in the message)."""

    def __init__(self, expires_at: datetime) -> None:
        super().__init__()
        self.expires_at = expires_at


class BankAdviserToken(HttpBearer):
    """`Authorization: Bearer mc_…`: the holder (an adviser or the bank's service account) and
    their active bank-adviser membership."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiPrincipal | None:
        try:
            principal = api_principal_for_key(token.strip())
        except TokenForbidden:
            raise AuthorizationError from None
        if principal is None:
            return None
        if principal.token.is_expired(timezone.now()):
            raise TokenExpired(principal.token.expires_at)
        api_token_mark_used(token=principal.token)
        # Reset by api_token_view's wrapper, which restores the value it found.
        api_token_set(principal.token.pk)
        return principal


def api_token_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark one of ninja's views: token rule, no login redirect, no CSRF, 405 as JSON; the
    token recorded by the authentication is forgotten when the answer is made."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        acting = api_token_set(None)
        try:
            response = view(request, *args, **kwargs)
        finally:
            api_token_reset(acting)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            allowed = response.get("Allow", "")
            response = error_response(405, "method_not_allowed", MESSAGES[405])
            response["Allow"] = allowed
        return response

    wrapper.csrf_exempt = True  # type: ignore[attr-defined]
    wrapper.access_rule = API_TOKEN  # type: ignore[attr-defined]
    return login_not_required(wrapper)
