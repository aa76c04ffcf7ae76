"""The scopes a token needs for each operation of the API (#18), checked after the token.

Every GET needs `read`; the decision, the offer and the disbursement need `decide`; the
repayments, incidents, plan decisions and guarantee claims need `pay`. A write missing from
`WRITE_SCOPES` is refused to every token (fail closed), and a test lists the operations so that a
new write is mapped when it is added. A missing scope answers 403 `insufficient_scope`.

Registered on the API object when this module is imported (ninja's `add_decorator`, "operation"
mode: it runs after the authentication and the throttle, so `request.auth` is the principal);
it must be imported before the API's URLs are built (v1.py, views.py).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from microcredit.api.base import api
from microcredit.api.enums import Scope
from microcredit.api.errors import error_response
from microcredit.api.selectors import ApiPrincipal

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# operationId (the view function's name) -> the scope its writes need.
WRITE_SCOPES: dict[str, Scope] = {
    "dossier_decision": Scope.DECIDE,
    "dossier_offer": Scope.DECIDE,
    "dossier_disbursement": Scope.DECIDE,
    "repayments_post": Scope.PAY,
    "incident_post": Scope.PAY,
    "dossier_plan_decision": Scope.PAY,
    "guarantee_claim_post": Scope.PAY,
    "guarantee_claim_payment_post": Scope.PAY,
}

INSUFFICIENT_SCOPE = "insufficient_scope"


def required_scope(method: str, operation_id: str) -> Scope | None:
    """The scope a call needs; None for a write that is not mapped (refused to every token)."""
    if method.upper() in READ_METHODS:
        return Scope.READ
    return WRITE_SCOPES.get(operation_id)


def insufficient_scope_response(needed: Scope | None) -> HttpResponse:
    if needed is None:
        message = _("Aucun jeton ne permet encore cette opération.")
    else:
        message = _(
            "Ce jeton n'a pas le droit « %(scope)s » que demande cette opération : demandez un "
            "jeton qui l'a à l'administrateur de votre banque."
        ) % {"scope": needed.value}
    return error_response(403, INSUFFICIENT_SCOPE, message)


def require_scope(view_func: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap one operation's function: its scope is checked before it runs."""
    operation_id = view_func.__name__

    @wraps(view_func)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        principal = getattr(request, "auth", None)
        needed = required_scope(request.method or "GET", operation_id)
        if not isinstance(principal, ApiPrincipal):
            return insufficient_scope_response(needed)
        if needed is None or needed.value not in (principal.token.scopes or []):
            return insufficient_scope_response(needed)
        return view_func(request, *args, **kwargs)

    wrapper.scope_checked = True  # type: ignore[attr-defined]
    return wrapper


api.add_decorator(require_scope, mode="operation")
