"""Who may reach a view. Every view of the project declares one of these rules.

`tests/test_url_access.py` walks every URL pattern and fails when a view declares nothing, so a
new page cannot escape the access rules unnoticed.

Each rule types the request the view receives (`accounts.http`): a `public` view gets Django's
`HttpRequest`, an `authenticated` one an `AuthenticatedRequest` (a logged-in user), one under
`roles_required` a `MemberRequest` (a logged-in user and their active membership).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Concatenate, ParamSpec, TypeGuard, TypeVar, cast

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase

from microcredit.accounts.enums import Role
from microcredit.accounts.http import AuthenticatedRequest, MemberRequest

P = ParamSpec("P")
R = TypeVar("R", bound=HttpResponseBase)
View = TypeVar("View", bound=Callable[..., HttpResponseBase])

PUBLIC = "public"
AUTHENTICATED = "authenticated"


def _declare(view: Callable[..., HttpResponseBase], rule: object) -> None:
    """Write the rule on the view function, where tests/test_url_access.py reads it."""
    view.__dict__["access_rule"] = rule


def public(view: View) -> View:
    """A page anyone may see without an account (simulator, login, health check)."""
    view = login_not_required(view)
    _declare(view, PUBLIC)
    return view


def authenticated(
    view: Callable[Concatenate[AuthenticatedRequest, P], R],
) -> Callable[Concatenate[HttpRequest, P], R]:
    """Any logged-in person (their own account pages)."""
    _declare(view, AUTHENTICATED)
    # LoginRequiredMiddleware lets only logged-in people reach a view not marked `public`.
    return cast("Callable[Concatenate[HttpRequest, P], R]", view)


def roles_required(
    *roles: Role,
) -> Callable[
    [Callable[Concatenate[MemberRequest, P], R]], Callable[Concatenate[HttpRequest, P], R]
]:
    """Logged-in people holding one of `roles` in their active membership; others get 403."""
    allowed = frozenset(roles)

    def decorator(
        view: Callable[Concatenate[MemberRequest, P], R],
    ) -> Callable[Concatenate[HttpRequest, P], R]:
        @wraps(view)
        def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> R:
            if not has_role(request, allowed):
                raise PermissionDenied("Votre rôle ne donne pas accès à cette page.")
            return view(request, *args, **kwargs)

        _declare(wrapper, allowed)
        return wrapper

    return decorator


def has_role(request: HttpRequest, roles: Iterable[str]) -> TypeGuard[MemberRequest]:
    """Whether the request's active membership holds one of `roles` (then it has one)."""
    membership = getattr(request, "membership", None)
    return membership is not None and membership.role in set(roles)
