"""The public simulator in a real browser, with htmx and without JavaScript."""

from __future__ import annotations

import pytest

from microcredit.simulator.models import ContactRequest
from tests.browser.conftest import close_context

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
    assert "Le calcul n'a pas été fait" in page.locator("#simulation-status").inner_text()
    page.problems.assert_none()


def test_the_result_is_announced_by_a_live_region_that_stays(page, live_server) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/simulateur/")
    status = page.locator("#simulation-status")
    assert status.get_attribute("role") == "status"
    assert status.get_attribute("aria-live") == "polite"
    assert status.text_content().strip() == ""
    # Marked before the swap: still marked after it, so the region itself was not replaced
    # (a replaced live region is not read out), only its content.
    status.evaluate("el => { el.dataset.keptAcrossSwaps = 'oui' }")
    simulate(page)
    assert status.get_attribute("data-kept-across-swaps") == "oui"
    announced = status.text_content()
    assert f"une mensualité de {EXPECTED_INSTALLMENT}" in announced
    assert "pendant 36 mois" in announced
    # The button pressed keeps the focus (htmx gives it back to the new one, same id).
    assert page.evaluate("document.activeElement.id") == "simulation-submit"
    page.problems.assert_none()


def test_the_eligibility_result_is_announced_too(page, live_server) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/simulateur/")
    status = page.locator("#eligibility-status")
    status.evaluate("el => { el.dataset.keptAcrossSwaps = 'oui' }")
    page.get_by_label("Ou votre âge (en années)").fill("45")
    page.get_by_label("Votre code postal").fill("69002")
    page.get_by_role("button", name="Vérifier").click()
    page.locator("#eligibility-result").wait_for()
    assert status.get_attribute("data-kept-across-swaps") == "oui"
    assert "Résultat de la vérification" in status.text_content()
    assert "Le code postal 69002 ne fait pas partie du territoire du CCAS" in (
        page.locator("#eligibility-result").inner_text()
    )
    page.problems.assert_none()


def test_on_a_phone_the_schedule_scrolls_in_its_own_box(page, live_server) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/simulateur/")
    simulate(page)
    box = page.locator("#simulation-result .table-scroll")
    assert box.get_attribute("role") == "region"
    assert box.get_attribute("tabindex") == "0"
    assert box.get_attribute("aria-label") == "Tableau de remboursement"
    assert box.locator("table tbody tr").count() == 36
    sizes = box.evaluate(
        "el => ({box: el.clientWidth, content: el.scrollWidth, overflow: getComputedStyle(el)"
        ".overflowX, table: el.querySelector('table').scrollWidth})"
    )
    assert sizes["box"] <= 390, sizes
    assert sizes["content"] >= sizes["table"], sizes  # the whole table is inside the box
    assert sizes["overflow"] == "auto", sizes  # and scrolls there when wider than the phone
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
        page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    )
    page.problems.assert_none()


def test_required_fields_and_formats_are_visible(page, live_server) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/simulateur/")
    for label in (
        "Montant que vous souhaitez emprunter (en euros) (obligatoire)",
        "Durée de remboursement (en mois) (obligatoire)",
        "Prénom (obligatoire)",
    ):
        assert page.locator("label").filter(has_text=label).first.is_visible(), label
    for hint in ("Par exemple : 1 500.", "Format jj/mm/aaaa, ex. 14/07/1985.", "5 chiffres, ex."):
        assert page.get_by_text(hint).first.is_visible(), hint
    field = page.get_by_label("Votre code postal")
    assert field.get_attribute("inputmode") == "numeric"
    assert field.get_attribute("autocomplete") == "postal-code"
    assert field.get_attribute("placeholder") is None


def test_simulation_works_without_javascript(browser, live_server) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(java_script_enabled=False, locale="fr-FR")
    page = context.new_page()
    page.goto(f"{live_server.url}/simulateur/")
    simulate(page)
    assert EXPECTED_INSTALLMENT in page.locator("#simulation-result").inner_text()
    close_context(context, live_server)


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
