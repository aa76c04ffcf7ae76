"""Who may reach a view. Every view of the project declares one of these rules.

`tests/test_url_access.py` walks every URL pattern and fails when a view declares nothing, so a
new page cannot escape the access rules unnoticed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from microcredit.accounts.enums import Role

View = TypeVar("View", bound=Callable[..., HttpResponse])

PUBLIC = "public"
AUTHENTICATED = "authenticated"


def public(view: View) -> View:
    """A page anyone may see without an account (simulator, login, health check)."""
    view = login_not_required(view)
    view.access_rule = PUBLIC  # type: ignore[attr-defined]
    return view


def authenticated(view: View) -> View:
    """Any logged-in person (their own account pages)."""
    view.access_rule = AUTHENTICATED  # type: ignore[attr-defined]
    return view


def roles_required(*roles: Role) -> Callable[[View], View]:
    """Logged-in people holding one of `roles` in their active membership; others get 403."""
    allowed = frozenset(roles)

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not has_role(request, allowed):
                raise PermissionDenied("Votre rôle ne donne pas accès à cette page.")
            return view(request, *args, **kwargs)

        wrapper.access_rule = allowed  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator


def has_role(request: HttpRequest, roles: Iterable[str]) -> bool:
    membership = getattr(request, "membership", None)
    return membership is not None and membership.role in set(roles)
