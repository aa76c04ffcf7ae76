"""The application shell: home page per role, health check, organisation theme and logo."""

from __future__ import annotations

import mimetypes

from django.db import DatabaseError, connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from microcredit.accounts.access import authenticated, public
from microcredit.accounts.enums import DOSSIER_ROLES, Role
from microcredit.accounts.models import Membership
from microcredit.dossiers import selectors as dossier_selectors
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.workflow import FINAL_STATES
from microcredit.organisations.models import Organisation
from microcredit.programmes import selectors as programme_selectors

HOME_TEMPLATES = {
    Role.REFERENT: "shell/home/referent.html",
    Role.AGENT: "shell/home/agent.html",
    Role.DIRECTOR: "shell/home/director.html",
    Role.COMMITTEE_MEMBER: "shell/home/committee_member.html",
    Role.BANK_ADVISER: "shell/home/bank_adviser.html",
    Role.PARTNER_WORKER: "shell/home/partner_worker.html",
    Role.ADMIN: "shell/home/admin.html",
}


@authenticated
def home(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    if membership is None:
        return render(request, "shell/home/no_membership.html")
    context = {"membership": membership}
    if membership.role in DOSSIER_ROLES:
        context["todo"] = _todo(request, membership)
    if membership.role == Role.DIRECTOR:
        context["reorientations"] = dossier_selectors.reorientation_counts(
            request.user,  # type: ignore[arg-type]
            membership,
        )
    if membership.role in (Role.DIRECTOR, Role.REFERENT, Role.AGENT, Role.ADMIN):
        context["programmes"] = programme_selectors.programme_overviews_for_membership(
            membership, timezone.localdate()
        )
    return render(request, HOME_TEMPLATES[membership.role], context)


# The states each role has work in, shown on its home page with their counts.
TODO_STATES: dict[str, tuple[DossierState, ...]] = {
    Role.REFERENT: (
        DossierState.RECEPTION,
        DossierState.DIAGNOSIS,
        DossierState.INSTRUCTION,
        DossierState.ADJOURNED,
        DossierState.DISBURSED,
    ),
    Role.AGENT: (
        DossierState.RECEPTION,
        DossierState.INSTRUCTION,
        DossierState.READY_FOR_COMMITTEE,
    ),
    Role.DIRECTOR: tuple(s for s in DossierState if s not in FINAL_STATES),
    Role.COMMITTEE_MEMBER: (DossierState.READY_FOR_COMMITTEE,),
    Role.BANK_ADVISER: (
        DossierState.TRANSMITTED_TO_BANK,
        DossierState.GRANTED,
        DossierState.DISBURSED,
    ),
    Role.PARTNER_WORKER: tuple(DossierState),
}


def _todo(request: HttpRequest, membership: Membership) -> list[dict[str, object]]:
    counts = dossier_selectors.state_counts(request.user, membership)  # type: ignore[arg-type]
    base = reverse("dossiers:list")
    mine = "&mes=1" if membership.role == Role.REFERENT else ""
    return [
        {"label": state.label, "count": counts[state], "url": f"{base}?etat={state}{mine}"}
        for state in TODO_STATES[membership.role]
        if counts.get(state)
    ]


@public
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers, 503 otherwise (for load balancers and monitoring)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "indisponible"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@public
@require_GET
@cache_control(max_age=300)
def theme_css(request: HttpRequest, slug: str) -> HttpResponse:
    """The organisation's colour as CSS custom properties (no inline style: strict CSP)."""
    organisation = get_object_or_404(Organisation, slug=slug)
    colour = organisation.theme_colour
    # Pico declares its colours on `:root:not([data-theme=dark])`: match its specificity.
    css = (
        ":root:not([data-theme=dark]),:root{"
        f"--mc-primary:{colour};"
        f"--pico-primary:{colour};--pico-primary-background:{colour};"
        f"--pico-primary-border:{colour};--pico-primary-underline:{colour};"
        "}\n"
    )
    return HttpResponse(css, content_type="text/css; charset=utf-8")


@public
@require_GET
@cache_control(max_age=3600)
def organisation_logo(request: HttpRequest, slug: str) -> FileResponse:
    organisation = get_object_or_404(Organisation, slug=slug)
    if not organisation.logo:
        raise Http404("Pas de logo.")
    content_type = mimetypes.guess_type(organisation.logo.name)[0]
    if content_type not in {"image/png", "image/jpeg", "image/svg+xml"}:
        raise Http404("Format de logo non pris en charge.")
    response = FileResponse(organisation.logo.open("rb"), content_type=content_type)
    # An SVG shown as <img> cannot run scripts; opened directly it must not either.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    return response
