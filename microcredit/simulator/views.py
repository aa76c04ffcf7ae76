"""The public simulator page (no account): simulate a loan, check pre-eligibility, ask to be
called back.

Each CCAS of the installation has its page at `/simulateur/<slug>/` (its scheme in force, its
territory, its name and colours); the request to be called back goes to that CCAS. `/simulateur/`
is the default CCAS's page (setting DEFAULT_ORGANISATION_SLUG), which also lists the other CCAS
whose simulator is open; a CCAS with no parameters in force has a page saying it is not open yet.

Everything is posted (nothing a visitor types ends up in a URL or a server log) and nothing is
stored for simulations and eligibility checks: no database row, no session. Each section works
without JavaScript (the full page is returned); with htmx, only the section is swapped.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django.views.decorators.vary import vary_on_headers

from loan_engine import LoanEngineError
from microcredit.accounts.access import public
from microcredit.accounts.http import HtmxRequest
from microcredit.core.refusals import attempt_on_form
from microcredit.organisations.enums import OrganisationKind
from microcredit.organisations.models import Organisation
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
    """`/simulateur/`: the default CCAS's simulator (setting DEFAULT_ORGANISATION_SLUG), with
    links to the other CCAS of the installation whose simulator is open. A member of another
    CCAS is sent to their own CCAS's page."""
    membership = getattr(request, "membership", None)
    default = selectors.default_ccas()
    if (
        request.method == "GET"
        and membership is not None
        and membership.organisation.kind == OrganisationKind.CCAS
        and membership.organisation != default
    ):
        return redirect("simulator:ccas", slug=membership.organisation.slug)
    return _page(request, default, page_url=reverse("simulator:simulator"), list_others=True)


@public
@never_cache
@vary_on_headers("HX-Request")
@require_http_methods(["GET", "POST"])
def ccas_simulator(request: HtmxRequest, slug: str) -> HttpResponse:
    """`/simulateur/<slug>/`: one CCAS's simulator, with its scheme, territory and theme. 404
    for an identifier that is not a CCAS's (a bank, a partner structure, nothing)."""
    organisation = selectors.public_ccas(slug)
    if organisation is None:
        raise Http404("Aucun CCAS n'a cet identifiant.")
    return _page(
        request,
        organisation,
        page_url=reverse("simulator:ccas", kwargs={"slug": organisation.slug}),
        list_others=False,
    )


def _page(
    request: HtmxRequest, organisation: Organisation | None, *, page_url: str, list_others: bool
) -> HttpResponse:
    today = timezone.localdate()
    scheme = selectors.public_scheme_of(organisation, today) if organisation else None
    page: dict[str, Any] = {"organisation": organisation, "page_url": page_url}
    if organisation is not None:
        # The header, title and colours of the CCAS whose page this is (base.html's shell).
        page["shell_organisation"] = organisation
    if scheme is None:
        return _full_page(request, {**page, "scheme": None}, list_others, today)
    context = {**_blank_context(scheme, today), **page}
    context["contact_sent"] = request.GET.get(CONTACT_SENT_FLAG) == "envoyee"
    step = request.POST.get("step", "") if request.method == "POST" else ""
    if step == "simulation":
        _simulate(request, scheme, today, context)
    elif step == "eligibility":
        _check_eligibility(request, scheme, today, context)
    elif step == "contact":
        redirect_response = _contact(request, scheme, context)
        if redirect_response is not None:
            return redirect_response
    if step in SECTIONS and request.htmx:
        return render(request, SECTIONS[step], context)
    return _full_page(request, context, list_others, today)


def _full_page(
    request: HtmxRequest, context: dict[str, Any], list_others: bool, today: date
) -> HttpResponse:
    organisation = context["organisation"]
    context["other_simulators"] = (
        selectors.other_open_simulators(today=today, excluded=organisation) if list_others else []
    )
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
        context["eligibility"] = form.eligibility(selectors.commune_names())


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
    url = context["page_url"]
    return HttpResponseRedirect(f"{url}?{CONTACT_SENT_FLAG}=envoyee#rendez-vous")
