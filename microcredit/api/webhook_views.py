"""The bank's webhooks page (#18): where the bank's notifications go, and their delivery log.

Every adviser of the bank reads it; only the bank's administrator adviser
(`Membership.bank_admin`) adds an address, changes its secret (the new secret is shown on that
answer only) or turns it on and off: anyone else's POST is refused (403).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from microcredit.accounts.access import roles_required
from microcredit.accounts.enums import Role
from microcredit.accounts.http import MemberRequest
from microcredit.api import webhooks as delivery
from microcredit.api.models import WebhookDelivery, WebhookEndpoint
from microcredit.api.webhook_forms import WebhookEndpointActionForm, WebhookEndpointForm

PAGE_SIZE = 50


@roles_required(Role.BANK_ADVISER)
def webhooks(request: MemberRequest) -> HttpResponse:
    membership = request.membership
    bank = membership.organisation
    form = WebhookEndpointForm()
    clear_secret = ""
    secret_endpoint: WebhookEndpoint | None = None
    if request.method == "POST":
        if not membership.bank_admin:
            raise PermissionDenied(
                _("Seul l'administrateur de la banque modifie les adresses de notification.")
            )
        if "action" in request.POST:
            action = WebhookEndpointActionForm(request.POST)
            if not action.is_valid():
                messages.error(request, _("Action non reconnue."))
                return redirect("api:webhooks")
            endpoint_id = action.cleaned_data["endpoint"]
            try:
                if action.cleaned_data["action"] == WebhookEndpointActionForm.ROTATE:
                    secret_endpoint, clear_secret = delivery.webhook_secret_rotate(
                        actor=request.user, bank=bank, endpoint_id=endpoint_id
                    )
                else:
                    active = action.cleaned_data["action"] == WebhookEndpointActionForm.ACTIVATE
                    endpoint = delivery.webhook_endpoint_set_active(
                        actor=request.user, bank=bank, endpoint_id=endpoint_id, active=active
                    )
                    messages.success(
                        request,
                        (
                            _("Adresse %(url)s activée.")
                            if active
                            else _("Adresse %(url)s désactivée.")
                        )
                        % {"url": endpoint.url},
                    )
                    return redirect("api:webhooks")
            except WebhookEndpoint.DoesNotExist:
                raise Http404(_("Adresse de notification introuvable.")) from None
        else:
            form = WebhookEndpointForm(request.POST)
            if form.is_valid():
                secret_endpoint, clear_secret = delivery.webhook_endpoint_create(
                    actor=request.user, bank=bank, url=form.cleaned_data["url"]
                )
                form = WebhookEndpointForm()
    deliveries = (
        WebhookDelivery.objects.filter(endpoint__bank=bank)
        .select_related("endpoint")
        .order_by("-created_at", "-id")
    )
    page = Paginator(deliveries, PAGE_SIZE).get_page(request.GET.get("page"))
    response = render(
        request,
        "api/webhooks.html",
        {
            "form": form,
            "is_admin": membership.bank_admin,
            "endpoints": delivery.webhook_endpoints_for_bank(bank),
            "clear_secret": clear_secret,
            "secret_endpoint": secret_endpoint,
            "page": page,
            "docs_url": reverse("api:v1:docs"),
            "max_attempts": delivery.MAX_ATTEMPTS,
        },
        status=422 if form.is_bound and not form.is_valid() else 200,
    )
    if clear_secret:
        response["Cache-Control"] = "no-store"
    return response
