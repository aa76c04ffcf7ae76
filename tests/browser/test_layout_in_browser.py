"""The layout at the widths people use, in Chromium: no page scrolls sideways, the navigation
becomes a menu on small screens and stays one line high on a laptop's screen.

Each page is screenshotted to var/test-artefacts/screenshots/ (the issue keeps them as test
artefacts; var/ is not versioned).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from microcredit.demo.loading import DEMO_PASSWORD
from microcredit.dossiers.models import Dossier
from tests.browser.conftest import login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "test-artefacts" / "screenshots"
WIDTHS = (320, 390, 768, 1366)
HEIGHT = 800
OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"


def visit_at_every_width(page, url: str, name: str) -> dict[int, int]:  # type: ignore[no-untyped-def]
    """The page at each width: how far it scrolls sideways (0 when it does not)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    overflows = {}
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": HEIGHT})
        response = page.goto(url)
        assert response.status == 200, url
        overflows[width] = page.evaluate(OVERFLOW)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
    return overflows


def pages_of(live_server) -> dict[str, str]:  # type: ignore[no-untyped-def]
    dossier = Dossier.objects.order_by("pk").first()
    assert dossier is not None
    return {
        "accueil": f"{live_server.url}/",
        "dossiers": f"{live_server.url}/dossiers/",
        "dossier": f"{live_server.url}/dossiers/{dossier.pk}/",
        "simulateur": f"{live_server.url}/simulateur/",
    }


@pytest.mark.parametrize("username", ["directeur", "agent"])
def test_no_page_scrolls_sideways_at_any_width(page, live_server, demo, username) -> None:  # type: ignore[no-untyped-def]
    login(page, live_server, username, DEMO_PASSWORD)
    overflowing = {}
    for name, url in pages_of(live_server).items():
        overflows = visit_at_every_width(page, url, f"{username}-{name}")
        overflowing.update({(name, w): px for w, px in overflows.items() if px > 0})
    assert overflowing == {}
    page.problems.assert_none()


def test_public_pages_do_not_scroll_sideways(page, live_server, demo) -> None:  # type: ignore[no-untyped-def]
    overflowing = {}
    for name, path in [
        ("simulateur-public", "/simulateur/"),
        ("connexion", "/compte/connexion/"),
        ("accessibilite", "/accessibilite/"),
        ("plan-du-site", "/plan-du-site/"),
    ]:
        overflows = visit_at_every_width(page, live_server.url + path, name)
        overflowing.update({(name, w): px for w, px in overflows.items() if px > 0})
    assert overflowing == {}
    # RGAA 3.3: a field's border reaches 3:1 against the page (Pico's own is 1.47:1).
    page.goto(f"{live_server.url}/compte/connexion/")
    field = page.get_by_label("Mot de passe")
    border = field.evaluate("f => getComputedStyle(f).borderTopColor")
    assert contrast(border, "rgb(255, 255, 255)") >= 3, border
    page.problems.assert_none()


def contrast(first: str, second: str) -> float:
    """The WCAG contrast ratio of two computed colours (« rgb(r, g, b) »)."""

    def luminance(colour: str) -> float:
        channels = [int(part) / 255 for part in colour[colour.index("(") + 1 : -1].split(",")[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_a_simulated_schedule_stays_in_the_screen(page, live_server, demo) -> None:  # type: ignore[no-untyped-def]
    # The schedule table is the widest thing of the public simulator: it scrolls in its own box.
    page.set_viewport_size({"width": 320, "height": HEIGHT})
    page.goto(f"{live_server.url}/simulateur/")
    page.get_by_label("Montant que vous souhaitez emprunter (en euros)").fill("3000")
    page.get_by_label("Durée de remboursement (en mois)").fill("36")
    page.get_by_role("button", name="Calculer").click()
    page.get_by_role("heading", name="Votre simulation").wait_for()
    table = page.locator("#simulation-result table")
    # The table is wider than the phone: it scrolls in its own box, not the page.
    assert table.evaluate("t => t.scrollWidth") > 320
    page.screenshot(path=str(SCREENSHOTS / "simulateur-resultat-320.png"), full_page=True)
    assert page.evaluate(OVERFLOW) <= 0
    page.problems.assert_none()


def test_text_zoomed_to_200_percent_does_not_scroll_sideways(page, live_server, demo) -> None:  # type: ignore[no-untyped-def]
    # WCAG 1.4.4: the text alone twice as big (the browser's text zoom), on a 1,280 px screen.
    login(page, live_server, "directeur", DEMO_PASSWORD)
    page.set_viewport_size({"width": 1280, "height": HEIGHT})
    overflowing = {}
    for name, url in pages_of(live_server).items():
        page.goto(url)
        page.evaluate("document.documentElement.style.fontSize = '200%'")
        overflow = page.evaluate(OVERFLOW)
        if overflow > 0:
            overflowing[name] = overflow
        page.screenshot(path=str(SCREENSHOTS / f"zoom-200-{name}.png"), full_page=True)
    assert overflowing == {}


def test_the_menu_button_reveals_the_navigation_on_a_phone(page, live_server, demo) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 390, "height": HEIGHT})
    login(page, live_server, "directeur", DEMO_PASSWORD)
    menu = page.locator("details.menu > summary")
    assert menu.is_visible()
    assert not page.get_by_role("link", name="Paramètres du dispositif").is_visible()
    menu.click()
    for name in ("Accueil", "Dossiers", "Commission", "Paramètres du dispositif", "Simulateur"):
        assert page.get_by_role("link", name=name, exact=True).is_visible(), name
    assert page.get_by_role("button", name="Se déconnecter").is_visible()
    # Stacked: each link below the previous one.
    tops = page.locator("details.menu nav a").evaluate_all(
        "links => links.map(link => link.getBoundingClientRect().top)"
    )
    assert tops == sorted(tops) and len(set(tops)) == len(tops)
    assert page.evaluate(OVERFLOW) <= 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "directeur-menu-ouvert-390.png"))
    # The menu button and the brand share the first row.
    brand = page.locator(".site-header .brand").bounding_box()
    button = menu.bounding_box()
    assert abs((brand["y"] + brand["height"] / 2) - (button["y"] + button["height"] / 2)) < 8
    page.problems.assert_none()


def test_the_header_is_one_line_high_on_a_laptop(page, live_server, demo) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 1366, "height": HEIGHT})
    login(page, live_server, "directeur", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/parametres/")
    assert not page.locator("details.menu").is_visible()
    nav = page.get_by_role("navigation", name="Navigation principale")
    assert nav.bounding_box()["height"] < 80
    item = page.get_by_role("link", name="Paramètres du dispositif")
    assert item.is_visible()
    # One line: the label does not wrap.
    line_height = item.evaluate("a => parseFloat(getComputedStyle(a).lineHeight)")
    assert item.bounding_box()["height"] < 2 * line_height
    # The current page is marked by more than colour: aria-current and an underline.
    assert item.get_attribute("aria-current") == "page"
    decoration = item.evaluate("a => getComputedStyle(a).textDecorationLine")
    assert "underline" in decoration
    others = page.get_by_role("link", name="Simulateur", exact=True)
    assert "underline" not in others.evaluate("a => getComputedStyle(a).textDecorationLine")
    page.problems.assert_none()
