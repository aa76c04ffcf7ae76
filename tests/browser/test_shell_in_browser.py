"""What a person sees in a real browser: login per role, keyboard use, no CSP violation."""

from __future__ import annotations

import pytest

from microcredit.demo.loading import DEMO_ACCOUNTS, DEMO_PASSWORD
from microcredit.programmes.models import Programme
from tests.browser.conftest import login, sign_out

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

HOME_HEADINGS = {
    "referent": "Espace du référent micro-crédit",
    "agent": "Espace de l'agent administratif",
    "directeur": "Espace de la direction",
    "commission": "Espace de la Commission Permanente",
    "banque": "Espace du partenaire bancaire",
    "partenaire": "Espace du travailleur social partenaire",
    "admin": "Administration technique",
    "dpd": "Espace de la protection des données",
}


def test_each_demo_login_reaches_its_home_page(page, live_server, demo) -> None:  # type: ignore[no-untyped-def]
    for account in DEMO_ACCOUNTS:
        sign_out(page)
        login(page, live_server, account.username, DEMO_PASSWORD)
        heading = page.get_by_role("heading", level=1)
        assert heading.inner_text() == HOME_HEADINGS[account.username], account.username
        assert "CCAS" in page.title() or account.username in {"banque", "partenaire"}
    page.problems.assert_none()


def test_the_skip_link_is_the_first_thing_the_keyboard_reaches(page, live_server) -> None:  # type: ignore[no-untyped-def]
    # (The login page focuses its first field on purpose; other pages start at the skip link.)
    page.goto(f"{live_server.url}/simulateur/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Aller au contenu"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#contenu"
    page.problems.assert_none()


def test_wrong_password_five_times_locks_out_in_french(page, live_server, demo) -> None:  # type: ignore[no-untyped-def]
    for _ in range(5):
        login(page, live_server, "referent", "mauvais-mot-de-passe")
    assert page.get_by_role("heading", level=1).inner_text() == "Compte temporairement bloqué"
    page.problems.assert_none()


def test_no_page_violates_the_content_security_policy(page, live_server, demo) -> None:  # type: ignore[no-untyped-def]
    programme = Programme.objects.get()
    public_pages = ["/compte/connexion/", "/compte/mot-de-passe/oubli/", "/simulateur/", "/healthz"]
    for path in public_pages:
        page.goto(live_server.url + path)
    staff_pages = [
        "/",
        "/parametres/",
        f"/parametres/{programme.pk}/versions/1/",
        f"/parametres/{programme.pk}/nouvelle-version/",
        "/compte/mot-de-passe/",
        "/compte/double-authentification/",
    ]
    login(page, live_server, "directeur", DEMO_PASSWORD)
    for path in staff_pages:
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
    sign_out(page)
    login(page, live_server, "admin", DEMO_PASSWORD)
    for path in ["/admin/", "/admin/accounts/user/", "/admin/organisations/organisation/"]:
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
    page.problems.assert_none()


def test_director_changes_a_parameter_through_the_form(page, live_server, demo) -> None:  # type: ignore[no-untyped-def]
    programme = Programme.objects.get()
    login(page, live_server, "directeur", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/parametres/{programme.pk}/nouvelle-version/")
    page.get_by_label("Montant minimal (€)").fill("5000")
    page.get_by_label("Motif du changement").fill("Essai de bornes incohérentes")
    page.get_by_role("button", name="Enregistrer la nouvelle version").click()
    assert page.get_by_role("alert").first.is_visible()
    assert "montant maximal doit être supérieur" in page.content()
    assert programme.versions.count() == 1
    page.problems.assert_none()


def test_the_organisation_colour_reaches_the_buttons(page, live_server) -> None:  # type: ignore[no-untyped-def]
    # The CCAS of the data migration has #1e40af; Pico's default primary is a lighter blue.
    page.goto(f"{live_server.url}/compte/connexion/")
    button = page.get_by_role("button", name="Se connecter")
    colour = button.evaluate("element => getComputedStyle(element).backgroundColor")
    assert colour == "rgb(30, 64, 175)"
    page.problems.assert_none()
