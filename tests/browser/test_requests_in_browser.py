"""A request sent from the public simulator becomes a dossier in a real browser: the person asks
to be called back, the référent finds the request in the inbox, takes it, completes what the
request does not say, and lands on the new dossier's page."""

from __future__ import annotations

import pytest

from microcredit.demo.loading import DEMO_PASSWORD
from microcredit.dossiers.models import Dossier
from microcredit.followup.enums import RequestStatus
from microcredit.simulator.models import ContactRequest
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_public_request_is_turned_into_a_dossier(page, live_server, demo) -> None:  # type: ignore[no-untyped-def]
    # The person, without an account, on the public simulator page.
    page.goto(f"{live_server.url}/simulateur/")
    page.get_by_label("Prénom").fill("Awa")
    page.locator("#id_rdv-last_name").fill("Navigatrice")
    page.get_by_label("Téléphone").fill("06 98 76 54 32")
    page.locator("#id_rdv-purpose_code").select_option("mobilite")
    page.locator("#id_rdv-message").fill("Réparer ma voiture pour aller travailler.")
    page.locator("#rendez-vous input[type=checkbox]").check()
    page.get_by_role("button", name="Envoyer ma demande").click()
    page.locator("#rendez-vous [role=status]").first.wait_for()
    contact_request = ContactRequest.objects.get(last_name="Navigatrice")

    # The référent: the inbox, the request, « je la prends ».
    login(page, live_server, "referent", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/accompagnement/demandes/")
    assert page.get_by_role("heading", level=1).inner_text() == "Demandes du public"
    page.get_by_role("link", name="Awa NAVIGATRICE").click()
    assert "Awa NAVIGATRICE" in page.get_by_role("heading", level=1).inner_text()
    assert "0698765432" in page.content()
    page.get_by_role("button", name="Je la prends").click()
    page.get_by_text("Vous prenez cette demande en charge.").wait_for()

    # Turn it into a dossier: the request's data are there, the référent completes the rest.
    page.get_by_role("button", name="Transformer en dossier").click()
    assert page.locator("#id_last_name").input_value() == "Navigatrice"
    assert page.locator("#id_first_name").input_value() == "Awa"
    assert page.locator("#id_phone").input_value() == "0698765432"
    assert page.get_by_label("Projet (catégorie)").input_value() == "mobilite"
    page.get_by_label("Date de naissance").fill("1991-06-21")
    page.locator("#id_address").fill("12 rue de la Résistance")
    page.get_by_label("Code postal").fill("42000")
    page.get_by_label("Code commune INSEE").fill("42218")
    page.get_by_label("Situation familiale").select_option("single")
    page.get_by_label("Activité").select_option("precarious")
    page.get_by_label("Logement").select_option("tenant_private")
    page.get_by_role("button", name="Ouvrir le dossier").click()

    # The new dossier's page.
    page.get_by_text("La demande est transformée en dossier").wait_for()
    dossier = Dossier.objects.get(applicant__last_name="Navigatrice")
    assert page.url == f"{live_server.url}/dossiers/{dossier.pk}/"
    assert dossier.number in page.get_by_role("heading", level=1).inner_text()
    assert dossier.purpose_category == "mobilite"
    assert dossier.project_description == "Réparer ma voiture pour aller travailler."
    contact_request.refresh_from_db()
    assert contact_request.handling.status == RequestStatus.CONVERTED
    assert contact_request.handling.dossier == dossier

    # Back in the inbox, the request is shown as handled.
    page.goto(f"{live_server.url}/accompagnement/demandes/?etat=converted")
    assert page.get_by_role("link", name="Awa NAVIGATRICE").is_visible()
    page.problems.assert_none()
