"""The bank's service accounts page (#18): its administrator adviser creates the bank's service
accounts and their tokens (label, scopes, expiry), revokes a token, deactivates an account.

Only an active bank adviser whose membership has `bank_admin` uses it: another adviser of the
bank gets a page that says whom to ask (GET) and a 403 for any POST. A new
token's clear value is shown on the answer that creates it only (`Cache-Control: no-store`).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from microcredit.accounts.access import roles_required
from microcredit.accounts.enums import Role
from microcredit.accounts.http import MemberRequest
from microcredit.api import services
from microcredit.api.forms import ServiceAccountActionForm, ServiceAccountForm, ServiceTokenForm
from microcredit.api.selectors import service_account_label, service_accounts_for_bank
from microcredit.core.refusals import attempt_on_form, attempt_with_messages


@roles_required(Role.BANK_ADVISER)
def service_accounts(request: MemberRequest) -> HttpResponse:
    membership = request.membership
    if not membership.bank_admin or request.user.is_service_account:
        if request.method == "POST":
            raise PermissionDenied(
                _("Seul l'administrateur de la banque gère ses comptes de service.")
            )
        # Another adviser of the bank is told whom to ask; nothing of the accounts is shown.
        return render(
            request, "api/service_accounts_reserved.html", {"tokens_url": reverse("api:tokens")}
        )
    bank = membership.organisation
    accounts = list(service_accounts_for_bank(bank))
    account_form = ServiceAccountForm()
    token_form = ServiceTokenForm(accounts=accounts)
    clear = ""
    new_token = None
    invalid = False
    if request.method == "POST":
        kind = request.POST.get("form", "")
        if kind == "account":
            account_form = ServiceAccountForm(request.POST)
            if account_form.is_valid():
                account = attempt_on_form(
                    account_form,
                    lambda: services.service_account_create(
                        actor=request.user,
                        membership=membership,
                        label=account_form.cleaned_data["label"],
                    ),
                )
                if account is not None:
                    messages.success(
                        request,
                        _("Compte de service « %(label)s » créé : créez-lui un jeton.")
                        % {"label": service_account_label(account)},
                    )
                    return redirect("api:service_accounts")
            invalid = True
        elif kind == "token":
            token_form = ServiceTokenForm(request.POST, accounts=accounts)
            if token_form.is_valid():
                created = attempt_on_form(
                    token_form,
                    lambda: services.service_account_token_create(
                        actor=request.user,
                        membership=membership,
                        account_id=token_form.cleaned_data["account"],
                        label=token_form.cleaned_data["label"],
                        scopes=token_form.scope_values(),
                        days=token_form.cleaned_data["days"],
                    ),
                )
                if created is not None:
                    new_token, clear = created
                    token_form = ServiceTokenForm(accounts=accounts)
                    accounts = list(service_accounts_for_bank(bank))
            invalid = not clear
        else:
            action = ServiceAccountActionForm(request.POST)
            if not action.is_valid():
                messages.error(request, _("Action non reconnue."))
                return redirect("api:service_accounts")
            target = action.cleaned_data["target"]
            if action.cleaned_data["action"] == ServiceAccountActionForm.REVOKE:
                token = attempt_with_messages(
                    request,
                    lambda: services.service_account_token_revoke(
                        actor=request.user, membership=membership, token_id=target
                    ),
                )
                if token is not None:
                    messages.success(
                        request,
                        _("Jeton « %(label)s » révoqué : il ne permet plus d'appeler l'API.")
                        % {"label": token.label},
                    )
            else:
                account = attempt_with_messages(
                    request,
                    lambda: services.service_account_deactivate(
                        actor=request.user, membership=membership, account_id=target
                    ),
                )
                if account is not None:
                    messages.success(
                        request,
                        _("Compte de service « %(label)s » désactivé : ses jetons sont révoqués.")
                        % {"label": service_account_label(account)},
                    )
            return redirect("api:service_accounts")
    response = render(
        request,
        "api/service_accounts.html",
        {
            "account_form": account_form,
            "token_form": token_form,
            "accounts": accounts,
            "has_active_account": any(a.is_active for a in accounts),
            "clear_token": clear,
            "new_token": new_token,
            "now": timezone.now(),
            "tokens_url": reverse("api:tokens"),
            "docs_url": reverse("api:v1:docs"),
            "api_base": request.build_absolute_uri(
                reverse("api:v1:openapi_json").removesuffix("openapi.json")
            ),
        },
        status=422 if invalid else 200,
    )
    if clear:
        response["Cache-Control"] = "no-store"
    return response
