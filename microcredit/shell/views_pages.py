"""The pages every visitor may read, signed in or not: the accessibility statement the law
requires of a public body (RGAA 4.1) and the site map (a second way to find a page)."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from microcredit.accounts.access import public

# The day the statement was written from the measures it states (docs/accessibility.md).
STATEMENT_DATE = date(2026, 12, 6)

# The 13 themes of the RGAA 4.1, all of them checked by the audit the statement reports.
RGAA_THEMES = (
    _("Images"),
    _("Cadres"),
    _("Couleurs"),
    _("Multimédia"),
    _("Tableaux"),
    _("Liens"),
    _("Scripts"),
    _("Éléments obligatoires"),
    _("Structuration de l'information"),
    _("Présentation de l'information"),
    _("Formulaires"),
    _("Navigation"),
    _("Consultation"),
)


@public
@require_GET
def accessibility_statement(request: HttpRequest) -> HttpResponse:
    """« Déclaration d'accessibilité »: the organisation shown is the entity that publishes it."""
    return render(
        request,
        "shell/pages/accessibility.html",
        {"statement_date": STATEMENT_DATE, "rgaa_themes": RGAA_THEMES},
    )


@public
@require_GET
def site_map(request: HttpRequest) -> HttpResponse:
    """« Plan du site »: the pages the visitor may open (the navigation of their role when
    signed in, the public pages for everyone)."""
    public_pages = []
    if not request.user.is_authenticated:
        # (Signed in, the simulator is in the navigation of every role.)
        public_pages += [
            (_("Simuler un prêt"), reverse("simulator:simulator")),
            (_("Se connecter"), reverse("accounts:login")),
            (_("Mot de passe oublié"), reverse("accounts:password_reset")),
        ]
    public_pages += [
        (_("Déclaration d'accessibilité"), reverse("shell:accessibility")),
        (_("Plan du site"), reverse("shell:site_map")),
    ]
    account_pages = []
    if request.user.is_authenticated:
        account_pages = [
            (_("Changer mon mot de passe"), reverse("accounts:password_change")),
            (_("Double authentification"), reverse("accounts:otp_setup")),
        ]
    return render(
        request,
        "shell/pages/site_map.html",
        {"public_pages": public_pages, "account_pages": account_pages},
    )


@public
@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers ask for on pages that name no icon (Django's plain error
    pages, files): the site's icon, instead of a 404 on every such page."""
    return redirect(static("favicon.svg"))  # not permanent: the hashed name changes
