"""The public simulator in a real browser, with htmx and without JavaScript."""

from __future__ import annotations

import pytest

from microcredit.simulator.models import ContactRequest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

# 3000 € over 36 months at 1.75 %: A = 4.375 / (1 − (1 + 0.0175/12)^−36) = 85.6007 → 85,60 €.
EXPECTED_INSTALLMENT = "85,60"


def simulate(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label("Montant que vous souhaitez emprunter (en euros)").fill("3000")
    page.get_by_label("Durée de remboursement (en mois)").fill("36")
    page.get_by_role("button", name="Calculer").click()
    page.get_by_role("heading", name="Votre simulation").wait_for()


def test_simulation_with_htmx_shows_the_schedule_without_errors(page, live_server) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/simulateur/")
    simulate(page)
    result = page.locator("#simulation-result").inner_text()
    assert EXPECTED_INSTALLMENT in result
    assert "1,76" in result  # TAEG
    assert page.locator("#simulation-result table tbody tr").count() == 36
    # htmx swapped the section in place: still the same page, nothing typed is in the URL.
    assert page.url == f"{live_server.url}/simulateur/"
    page.get_by_label("Montant que vous souhaitez emprunter (en euros)").fill("100")
    page.get_by_role("button", name="Calculer").click()
    page.get_by_text("Le calcul n'a pas été fait").wait_for()
    assert page.locator("#simulation-result").count() == 0
    page.problems.assert_none()


def test_simulation_works_without_javascript(browser, live_server) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(java_script_enabled=False, locale="fr-FR")
    page = context.new_page()
    page.goto(f"{live_server.url}/simulateur/")
    simulate(page)
    assert EXPECTED_INSTALLMENT in page.locator("#simulation-result").inner_text()
    context.close()


def test_appointment_request_is_recorded_once(page, live_server) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/simulateur/")
    page.get_by_label("Prénom").fill("Awa")
    page.locator("#id_rdv-last_name").fill("Diallo")
    page.get_by_label("Téléphone").fill("06 12 34 56 78")
    page.locator("#rendez-vous input[type=checkbox]").check()
    page.get_by_role("button", name="Envoyer ma demande").click()
    page.locator("#rendez-vous [role=status]").first.wait_for()
    assert ContactRequest.objects.count() == 1
    page.problems.assert_none()
