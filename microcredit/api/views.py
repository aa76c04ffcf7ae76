"""The adviser's API tokens page, and the API's schema and documentation (server-rendered)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from microcredit.accounts.access import roles_required
from microcredit.accounts.enums import Role
from microcredit.accounts.http import MemberRequest

# Registers the scope check on the API's operations before its URLs are built (urls.py imports
# this module before v1's patterns).
from microcredit.api import scopes as _scopes  # noqa: F401
from microcredit.api import services
from microcredit.api.forms import TokenForm
from microcredit.api.selectors import api_tokens_for_user
from microcredit.core.refusals import attempt_on_form


def _api_prefix() -> str:
    return reverse("api:v1:openapi_json").removesuffix("openapi.json")


@roles_required(Role.BANK_ADVISER)
def token_list(request: MemberRequest) -> HttpResponse:
    """The adviser's tokens; creating one shows the clear token on this answer only."""
    membership = request.membership
    form = TokenForm(request.POST or None)
    clear = ""
    expires_at = None
    if request.method == "POST" and form.is_valid():
        created = attempt_on_form(
            form,
            lambda: services.api_token_create(
                actor=request.user,
                membership=membership,
                label=form.cleaned_data["label"],
                scopes=form.scope_values(),
                days=form.cleaned_data["days"],
            ),
        )
        if created is not None:
            token, clear = created
            expires_at = token.expires_at
            form = TokenForm()
            messages.success(request, _("Jeton « %(label)s » créé.") % {"label": token.label})
    response = render(
        request,
        "api/token_list.html",
        {
            "form": form,
            "clear_token": clear,
            "new_token_expires_at": expires_at,
            "now": timezone.now(),
            "tokens": api_tokens_for_user(request.user, membership.organisation),
            "docs_url": reverse("api:v1:docs"),
            "api_base": request.build_absolute_uri(_api_prefix()),
            "bank_admin": membership.bank_admin,
        },
    )
    if clear:
        response["Cache-Control"] = "no-store"
    return response


@roles_required(Role.BANK_ADVISER)
@require_POST
def token_revoke(request: MemberRequest, token_id: int) -> HttpResponse:
    token = services.api_token_revoke(
        actor=request.user,
        membership=request.membership,
        token_id=token_id,
    )
    messages.success(
        request,
        _("Jeton « %(label)s » révoqué : il ne permet plus d'appeler l'API.")
        % {"label": token.label},
    )
    return redirect("api:tokens")
