"""The public simulator page (no account): simulate a loan, check pre-eligibility, ask to be
called back.

Everything is posted (nothing a visitor types ends up in a URL or a server log) and nothing is
stored for simulations and eligibility checks: no database row, no session. Each section works
without JavaScript (the full page is returned); with htmx, only the section is swapped.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django.views.decorators.vary import vary_on_headers

from loan_engine import LoanEngineError
from microcredit.accounts.access import public
from microcredit.accounts.http import HtmxRequest
from microcredit.core.refusals import attempt_on_form
from microcredit.programmes.communes import communes
from microcredit.simulator import selectors, services
from microcredit.simulator.forms import ContactRequestForm, EligibilityForm, SimulationForm
from microcredit.simulator.selectors import PublicScheme

PAGE = "simulator/simulator.html"
SECTIONS = {
    "simulation": "simulator/_simulation.html",
    "eligibility": "simulator/_eligibility.html",
    "contact": "simulator/_contact.html",
}
CONTACT_SENT_FLAG = "demande"


@public
@never_cache
@vary_on_headers("HX-Request")
@require_http_methods(["GET", "POST"])
def simulator(request: HtmxRequest) -> HttpResponse:
    today = timezone.localdate()
    scheme = selectors.public_scheme(today)
    if scheme is None:
        return render(request, PAGE, {"scheme": None})
    context = _blank_context(scheme, today)
    context["contact_sent"] = request.GET.get(CONTACT_SENT_FLAG) == "envoyee"
    step = request.POST.get("step", "") if request.method == "POST" else ""
    if step == "simulation":
        _simulate(request, scheme, today, context)
    elif step == "eligibility":
        _check_eligibility(request, scheme, today, context)
    elif step == "contact":
        redirect = _contact(request, scheme, context)
        if redirect is not None:
            return redirect
    if step in SECTIONS and request.htmx:
        return render(request, SECTIONS[step], context)
    return render(request, PAGE, context)


def _blank_context(scheme: PublicScheme, today: date) -> dict[str, Any]:
    return {
        "scheme": scheme,
        "version": scheme.version,
        "organisation": scheme.programme.organisation,
        "today": today,
        "simulation_form": SimulationForm(scheme=scheme),
        "simulation": None,
        "eligibility_form": EligibilityForm(scheme=scheme, today=today),
        "eligibility": None,
        "contact_form": ContactRequestForm(scheme=scheme),
        "contact_sent": False,
    }


def _simulate(
    request: HtmxRequest, scheme: PublicScheme, today: date, context: dict[str, Any]
) -> None:
    form = SimulationForm(request.POST, scheme=scheme)
    context["simulation_form"] = form
    if form.is_valid():
        try:
            context["simulation"] = selectors.public_simulation(
                scheme=scheme, today=today, **form.loan_parameters()
            )
        except LoanEngineError as error:
            form.add_engine_error(error)
    # A field changed (htmx, no button pressed): do not scold about fields not filled in yet.
    if request.htmx and "calculate" not in request.POST:
        form.hide_required_errors()


def _check_eligibility(
    request: HtmxRequest, scheme: PublicScheme, today: date, context: dict[str, Any]
) -> None:
    form = EligibilityForm(request.POST, scheme=scheme, today=today)
    context["eligibility_form"] = form
    if form.is_valid():
        context["eligibility"] = form.eligibility(communes())


def _contact(
    request: HtmxRequest, scheme: PublicScheme, context: dict[str, Any]
) -> HttpResponse | None:
    form = ContactRequestForm(request.POST, scheme=scheme)
    context["contact_form"] = form
    if form.is_spam:
        return _contact_sent(request, scheme, context)  # pretend success, keep nothing
    if not form.is_valid():
        return None
    data = form.cleaned_data
    contact_request = attempt_on_form(
        form,
        lambda: services.contact_request_create(
            organisation=scheme.programme.organisation,
            first_name=data["first_name"],
            last_name=data["last_name"],
            phone=data["phone"],
            email=data["email"],
            preferred_times=data["preferred_times"],
            purpose_code=data["purpose_code"],
            message=data["message"],
            consent=data["consent"],
            client_ip=request.META.get("REMOTE_ADDR", ""),
            now=timezone.now(),
        ),
    )
    if contact_request is None:
        return None
    return _contact_sent(request, scheme, context)


def _contact_sent(
    request: HtmxRequest, scheme: PublicScheme, context: dict[str, Any]
) -> HttpResponse | None:
    if request.htmx:
        context["contact_form"] = ContactRequestForm(scheme=scheme)
        context["contact_sent"] = True
        return None
    url = reverse("simulator:simulator")
    return HttpResponseRedirect(f"{url}?{CONTACT_SENT_FLAG}=envoyee#rendez-vous")
