"""Small behaviours of every page, in a real browser (static/js/app.js): Space on a button-like
link, focus on the error summary of a refused form, the warning before the idle expiry."""

from __future__ import annotations

import re

import pytest

from microcredit.demo.loading import DEMO_PASSWORD
from tests.browser.conftest import login, sign_out

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

# Pages of the demo that show links styled as buttons (role="button"), by account.
BUTTON_LINK_PAGES = {
    "referent": ["/", "/dossiers/"],
    "directeur": ["/parametres/", "/commission/"],
}


def test_space_on_a_button_like_link_follows_it(page, live_server, demo) -> None:  # type: ignore[no-untyped-def]
    login(page, live_server, "referent", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/dossiers/")
    link = page.locator('a[role="button"]', has_text="Accueillir un nouveau demandeur")
    link.focus()
    page.keyboard.press("Space")
    page.wait_for_url(re.compile(r"/demandeurs/nouveau/$"))
    page.problems.assert_none()


def test_space_works_on_every_button_like_link_and_does_not_scroll(page, live_server, demo) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 1366, "height": 400})  # short: Space would scroll the page
    checked = 0
    for username, paths in BUTTON_LINK_PAGES.items():
        sign_out(page)
        login(page, live_server, username, DEMO_PASSWORD)
        for path in paths:
            page.goto(live_server.url + path)
            # Record the activation instead of following the link, to check every one of them.
            page.evaluate(
                """() => { window.activated = [];
                document.addEventListener('click', (event) => {
                  const link = event.target.closest('a[role="button"]');
                  if (link) {
                    window.activated.push(link.textContent.trim());
                    event.preventDefault();
                  }
                }); }"""
            )
            links = page.locator('a[role="button"]')
            assert links.count() > 0, path
            for index in range(links.count()):
                link = links.nth(index)
                link.focus()
                scroll_before = page.evaluate("window.scrollY")
                page.keyboard.press("Space")
                assert page.evaluate("window.activated.length") == 1, (path, index)
                assert page.evaluate("window.scrollY") == scroll_before, (path, index)
                page.evaluate("window.activated = []")
                checked += 1
    assert checked >= 4
    page.problems.assert_none()


def test_a_refused_form_puts_focus_on_its_error_summary(page, live_server, demo) -> None:  # type: ignore[no-untyped-def]
    login(page, live_server, "referent", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/demandeurs/nouveau/")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_load_state()
    assert page.title().startswith("Erreur")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    summary = page.locator("#error-summary")
    assert "Le formulaire contient" in summary.inner_text()
    # A link of the summary takes focus to its field, not only the view.
    first_link = summary.get_by_role("link").first
    target = first_link.get_attribute("href")
    first_link.click()
    assert "#" + page.evaluate("document.activeElement.id") == target
    page.problems.assert_none()


def test_a_warning_comes_before_the_idle_expiry_and_staying_signed_in_works(
    page, live_server, demo
) -> None:  # type: ignore[no-untyped-def]
    page.clock.install()  # the page's timers run on a clock the test moves forward
    login(page, live_server, "referent", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/dossiers/")
    seconds = int(page.locator("body").get_attribute("data-session-seconds") or 0)
    assert seconds == 29 * 60  # the part of the 30-minute idle expiry that is sure
    warning = page.locator(".session-warning")
    search = page.locator("main input, main a").first
    search.focus()
    focused_before = page.evaluate("document.activeElement.outerHTML")

    # Any request (here an htmx one) starts the idle time again.
    page.clock.run_for("20:00")
    page.evaluate(
        "document.body.dispatchEvent(new CustomEvent('htmx:afterRequest', {bubbles: true}))"
    )
    page.clock.run_for("20:00")  # 40 minutes after the page, 20 after the request
    assert warning.count() == 0 or not warning.is_visible()

    page.clock.run_for("08:01")  # two minutes before the end of the restarted idle time
    assert warning.is_visible()
    assert warning.get_attribute("role") == "alertdialog"
    text = page.locator("#" + (warning.get_attribute("aria-describedby") or "")).inner_text()
    assert text == (
        "Votre session expire dans 2 minutes sans activité. "
        "Vos saisies non enregistrées seraient perdues."
    )
    assert page.evaluate("document.activeElement.textContent") == "Rester connecté"

    with page.expect_response(lambda r: r.url.endswith("/compte/session/prolonger/")) as answer:
        page.keyboard.press("Enter")
    assert answer.value.status == 204
    warning.wait_for(state="hidden")
    assert page.evaluate("document.activeElement.outerHTML") == focused_before

    # Without an answer this time, the warning says the session is over.
    page.clock.run_for("28:01")
    assert warning.is_visible()
    page.clock.run_for("02:00")
    assert "Votre session a expiré" in warning.inner_text()
    assert not page.get_by_role("button", name="Rester connecté").is_visible()
    page.problems.assert_none()
