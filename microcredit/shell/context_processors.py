"""What every page's shell needs: the organisation shown in the header and the navigation."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_noop

from microcredit.accounts.enums import (
    CCAS_STAFF_ROLES,
    DOSSIER_ROLES,
    DOSSIER_STAFF_ROLES,
    PRIVACY_ROLES,
    Role,
)
from microcredit.accounts.middleware import session_seconds_sure
from microcredit.organisations.models import Organisation


def _navigation(role: str | None) -> list[dict[str, str]]:
    items = [{"label": gettext_noop("Accueil"), "url": reverse("shell:home")}]
    if role == Role.BANK_ADVISER:
        items.append({"label": gettext_noop("Dossiers transmis"), "url": reverse("banking:list")})
    elif role in DOSSIER_ROLES:
        items.append({"label": gettext_noop("Dossiers"), "url": reverse("dossiers:list")})
    if role in DOSSIER_STAFF_ROLES | {Role.COMMITTEE_MEMBER}:
        items.append(
            {"label": gettext_noop("Commission"), "url": reverse("commissions:session_list")}
        )
    if role in DOSSIER_STAFF_ROLES | {Role.BANK_ADVISER}:
        items.append({"label": gettext_noop("Prêts"), "url": reverse("servicing:portfolio")})
    if role == Role.BANK_ADVISER:
        items.append({"label": gettext_noop("API"), "url": reverse("api:tokens")})
    if role == Role.DIRECTOR:
        items.append({"label": gettext_noop("Bilan"), "url": reverse("reporting:statistics")})
        items.append({"label": gettext_noop("Courriers"), "url": reverse("letters:templates")})
    if role in PRIVACY_ROLES:
        # One entry (the header stays one line high): the people page links to the read log.
        items.append(
            {"label": gettext_noop("Données personnelles"), "url": reverse("privacy:people")}
        )
    if role in CCAS_STAFF_ROLES:
        items.append(
            {
                "label": gettext_noop("Paramètres du dispositif"),
                "url": reverse("programmes:programme_list"),
            }
        )
    items.append({"label": gettext_noop("Simulateur"), "url": reverse("simulator:simulator")})
    return items


def current_marker(path: str, url: str) -> str:
    """The value of aria-current for a navigation link: « page » on the page itself, « true »
    on a page of its section (a dossier under « Dossiers »), "" elsewhere. The home page is a
    section of its own only."""
    if path == url:
        return "page"
    if url != "/" and path.startswith(url):
        return "true"
    return ""


def navigation(request: HttpRequest, role: str | None) -> list[dict[str, str]]:
    """The signed-in user's pages, each marked when it is (or contains) the page shown."""
    if not request.user.is_authenticated:
        return []
    items = _navigation(role)
    for item in items:
        item["current"] = current_marker(request.path, item["url"])
    return items


def shell(request: HttpRequest) -> dict[str, Any]:
    membership = getattr(request, "membership", None)
    if membership is not None:
        organisation = membership.organisation
        role = membership.role
    else:
        organisation = Organisation.objects.filter(slug=settings.DEFAULT_ORGANISATION_SLUG).first()
        role = None
    return {
        "shell_organisation": organisation,
        "shell_role": role,
        "shell_role_label": Role(role).label if role else "",
        "shell_navigation": navigation(request, role),
        # The idle expiry, the part of it that is sure (SessionRefreshMiddleware): app.js warns
        # before it and offers to extend.
        "shell_session_seconds": session_seconds_sure(),
    }
