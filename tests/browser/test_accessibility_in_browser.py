"""axe-core on every role's main pages and on the public pages: 0 violation (WCAG 2.1 AA rules).

axe-core is the automated part of an RGAA audit; the behaviours it cannot see (live regions,
focus, keyboard, expiry warning) have their own tests in this folder.
"""

from __future__ import annotations

import pytest

from microcredit.commissions.models import CommissionSession
from microcredit.demo.loading import DEMO_PASSWORD
from microcredit.dossiers.models import Dossier
from microcredit.loans.models import Loan
from tests.browser.conftest import axe_violations, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PUBLIC_PAGES = [
    "/compte/connexion/",
    "/compte/mot-de-passe/oubli/",
    "/simulateur/",
    "/simulateur/ccas-saint-etienne/",
    "/accessibilite/",
    "/plan-du-site/",
]


def _pages_of(role: str) -> list[str]:
    """The main pages of a role, on the demo's data."""
    dossier = Dossier.objects.filter(loan__isnull=False).order_by("pk").first()
    loan = Loan.objects.order_by("pk").first()
    session = CommissionSession.objects.order_by("pk").first()
    assert dossier is not None and loan is not None and session is not None
    staff = [
        "/",
        "/dossiers/",
        f"/dossiers/{dossier.pk}/",
        "/dossiers/nouveau/",
        "/commission/",
        f"/commission/{session.pk}/",
        "/suivi/portefeuille/",
        f"/suivi/prets/{loan.pk}/",
        "/compte/mot-de-passe/",
    ]
    return {
        "referent": [
            *staff,
            f"/dossiers/{dossier.pk}/budget/modifier/",
            "/accompagnement/demandes/",
        ],
        "agent": ["/", "/dossiers/", f"/dossiers/{dossier.pk}/", "/dossiers/nouveau/"],
        "directeur": [
            *staff,
            "/parametres/",
            "/courriers/modeles/",
            "/bilan/",
            "/bilan/?periode=debut",
            "/dossiers/?etape=transmitted&recu_du=2025-01-01&en_cours=1",
            "/bilan/exports/",
            "/bilan/banque-de-france/",
            "/bilan/import/",
            "/bilan/simulation/",
        ],
        "commission": ["/", "/commission/", f"/commission/{session.pk}/"],
        "banque": ["/", "/banque/", f"/banque/dossiers/{dossier.pk}/", "/api/jetons/"],
        "partenaire": ["/", "/dossiers/"],
    }[role]


@pytest.mark.parametrize(
    "role", ["referent", "agent", "directeur", "commission", "banque", "partenaire"]
)
def test_each_roles_main_pages_have_no_axe_violation(page, live_server, demo, role) -> None:  # type: ignore[no-untyped-def]
    login(page, live_server, role, DEMO_PASSWORD)
    found = {}
    for path in _pages_of(role):
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200, (role, path)
        violations = axe_violations(page)
        if violations:
            found[path] = violations
    assert found == {}
    page.problems.assert_none()


def test_the_public_pages_have_no_axe_violation(page, live_server, demo) -> None:  # type: ignore[no-untyped-def]
    found = {}
    for path in PUBLIC_PAGES:
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200, path
        violations = axe_violations(page)
        if violations:
            found[path] = violations
    assert found == {}
    page.problems.assert_none()


def test_axe_sees_a_violation_when_there_is_one(page, live_server) -> None:  # type: ignore[no-untyped-def]
    """The check can fail: an image without text alternative is reported."""
    page.goto(live_server.url + "/simulateur/")
    page.evaluate(
        "() => { const img = document.createElement('img'); img.src = '/x.png';"
        " document.querySelector('main').append(img); }"
    )
    assert any(line.startswith("image-alt") for line in axe_violations(page))


def test_the_what_if_comparison_has_no_axe_violation(page, live_server, demo) -> None:  # type: ignore[no-untyped-def]
    """The what-if page once replayed: the side-by-side tables and the lists of dossiers."""
    login(page, live_server, "directeur", DEMO_PASSWORD)
    page.goto(live_server.url + "/bilan/simulation/")
    page.get_by_label("Montant maximal (€)").fill("1500")
    page.get_by_role("button", name="Rejouer la demande avec ce projet").click()
    page.wait_for_load_state("networkidle")
    assert "max_amount=1500" in page.url
    assert page.get_by_role("table").count() >= 2
    assert axe_violations(page) == []
    page.problems.assert_none()
