"""Alerts: the recipient's list (to handle, or handled), paginated; the recipient marks one
handled from it or from their home page (whose card shows the newest, composed by the shell
app)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET, require_POST

from microcredit.accounts.access import roles_required
from microcredit.accounts.http import MemberRequest
from microcredit.core.refusals import attempt_with_messages
from microcredit.loans.selectors import LOAN_ROLES
from microcredit.servicing.selectors.alerts import PAGE_SIZE, addressed_to, alert_page
from microcredit.servicing.services.alerts import alert_handle

# ?etat=traitees: the alerts already handled; otherwise those to handle.
HANDLED = "traitees"
# A form of the alerts list sends this `retour`: back to the list, not to the home page.
BACK_TO_LIST = "liste"


@roles_required(*LOAN_ROLES)
@require_GET
def alert_list(request: MemberRequest) -> HttpResponse:
    handled = request.GET.get("etat") == HANDLED
    listing = alert_page(request.user, handled=handled, page_number=request.GET.get("page"))
    return render(
        request,
        "servicing/alerts.html",
        {
            "page": listing.page,
            "entries": listing.entries,
            "handled": handled,
            "page_query": f"etat={HANDLED}" if handled else "",
            "page_size": PAGE_SIZE,
            "back_to_list": BACK_TO_LIST,
        },
    )


@roles_required(*LOAN_ROLES)
@require_POST
def alert_handled(request: MemberRequest, alert_id: int) -> HttpResponse:
    # Someone else's alert does not exist for this person.
    if not addressed_to(request.user, alert_id):
        raise Http404("Alerte introuvable.")
    done = attempt_with_messages(
        request, lambda: alert_handle(actor=request.user, alert_id=alert_id)
    )
    if done is not None:
        messages.success(request, "Alerte marquée comme traitée.")
    if request.POST.get("retour") == BACK_TO_LIST:
        return redirect("servicing:alerts")
    return redirect("shell:home")


urlpatterns: list[URLPattern] = [
    path("alertes/", alert_list, name="alerts"),
    path("alertes/<id:alert_id>/traitee/", alert_handled, name="alert_handled"),
]
