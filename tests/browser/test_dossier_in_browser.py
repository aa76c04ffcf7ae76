"""A référent receives a person and builds the dossier in a real browser; every role's dossier
pages render without a CSP violation, a script error or a server error."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from microcredit.demo.loading import DEMO_PASSWORD
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier
from tests.browser.conftest import login
from tests.factories import pdf_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_referent_receives_a_person_and_starts_the_dossier(
    page, live_server, demo, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    login(page, live_server, "referent", DEMO_PASSWORD)
    page.get_by_role("link", name="Dossiers", exact=True).click()
    page.get_by_text("Accueillir un nouveau demandeur").click()
    page.locator("#id_last_name").fill("Testeuse")
    page.locator("#id_first_name").fill("Aurélie")
    page.get_by_label("Date de naissance").fill("1985-03-09")
    page.locator("#id_address").fill("8 rue Michelet")
    page.get_by_label("Code postal").fill("42000")
    page.get_by_label("Code commune INSEE").fill("42218")
    page.get_by_label("Situation familiale").select_option("single")
    page.get_by_label("Activité").select_option("precarious")
    page.get_by_label("Logement").select_option("tenant_private")
    page.get_by_role("button", name="Enregistrer").click()

    assert page.get_by_role("heading", level=1).inner_text() == "Nouveau dossier"
    page.get_by_label("Projet (catégorie)").select_option("logement/electromenager")
    page.get_by_label("Montant demandé (€)").fill("650")
    page.get_by_label("Durée (nombre de mensualités)").fill("12")
    page.get_by_label(
        "Le demandeur déclare ne pas avoir accès au crédit bancaire classique"
    ).check()
    page.get_by_label("Justification (refus de la banque, situation…)").fill("Interdit bancaire")
    page.get_by_role("button", name="Ouvrir le dossier").click()

    dossier = Dossier.objects.get(applicant__last_name="Testeuse")
    assert dossier.number in page.get_by_role("heading", level=1).inner_text()
    page.get_by_role("button", name="Vérifier l'éligibilité").click()
    # Through htmx: the banner is announced by the live region that stays in the page.
    expect(page.get_by_role("status").filter(has_text="remplis")).to_contain_text(
        "7 critères remplis sur 7"
    )

    pdf = tmp_path / "piece-identite.pdf"
    pdf.write_bytes(pdf_bytes("browser"))
    page.locator("#id_kind").select_option("piece_d_identite")
    page.get_by_label("Fichier (PDF, JPEG ou PNG)").set_input_files(str(pdf))
    page.get_by_role("button", name="Déposer la pièce").click()
    assert page.get_by_role("link", name="piece-identite.pdf").is_visible()

    page.get_by_role("button", name="Commencer le diagnostic", exact=True).click()
    page.get_by_role("button", name="Confirmer : commencer le diagnostic").click()
    dossier.refresh_from_db()
    assert dossier.state == DossierState.DIAGNOSIS
    assert "Diagnostic" in page.get_by_role("heading", level=1).locator("..").inner_text()
    page.problems.assert_none()


@pytest.mark.parametrize(
    "username", ["referent", "agent", "directeur", "commission", "banque", "partenaire"]
)
def test_each_role_dossier_pages_render_cleanly(page, live_server, demo, username) -> None:  # type: ignore[no-untyped-def]
    login(page, live_server, username, DEMO_PASSWORD)
    response = page.goto(f"{live_server.url}/dossiers/")
    assert response.status == 200
    links = page.locator("table a").all()
    assert links, f"{username} ne voit aucun dossier de démonstration"
    hrefs = [link.get_attribute("href") for link in links[:3]]
    for href in hrefs:
        assert page.goto(live_server.url + href).status == 200
    page.problems.assert_none()
