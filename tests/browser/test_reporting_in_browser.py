"""The director's bilan in a real browser: the charts are drawn (SVG images from data: URIs that
the strict CSP allows), no CSP error, axe-core finds nothing, and the filter changes the
figures."""

from __future__ import annotations

import pytest

from microcredit.demo.loading import DEMO_PASSWORD
from tests.browser.conftest import axe_violations, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def received(page) -> str:  # type: ignore[no-untyped-def]
    return str(page.locator("#figure-received + .figure").inner_text()).strip()


def test_the_director_reads_the_bilan_with_its_charts(page, live_server, demo) -> None:  # type: ignore[no-untyped-def]
    login(page, live_server, "directeur", DEMO_PASSWORD)
    # From the home page: the navigation's « Bilan ».
    page.get_by_role("navigation").get_by_role("link", name="Bilan", exact=True).first.click()
    page.wait_for_load_state()
    assert page.url == f"{live_server.url}/bilan/"
    assert page.get_by_role("heading", level=1).inner_text() == "Bilan et statistiques"

    images = page.locator(".bilan-chart img")
    assert images.count() == 8
    for index in range(images.count()):
        image = images.nth(index)
        image.scroll_into_view_if_needed()
        assert image.is_visible()
        assert image.evaluate("img => img.complete && img.naturalWidth") > 0
        assert str(image.get_attribute("src")).startswith("data:image/svg+xml;base64,")
        assert " : " in str(image.get_attribute("alt"))
    # Each chart has its table of the same data.
    assert page.locator(".bilan-chart table caption").count() == 8
    assert page.locator(".bilan-chart table th[scope=row]").count() >= 7

    assert axe_violations(page) == []
    page.problems.assert_none()

    # Since the start, then a span without any dossier: the figures follow the filter.
    page.locator("#id_periode").select_option("debut")
    page.get_by_role("button", name="Afficher le bilan").click()
    page.wait_for_load_state()
    since_start = received(page)
    assert int(since_start.replace("\u202f", "")) > 0
    page.locator("#id_periode").select_option("dates")
    page.locator("#id_du").fill("2001-01-01")
    page.locator("#id_au").fill("2001-01-31")
    page.get_by_role("button", name="Afficher le bilan").click()
    page.wait_for_load_state()
    assert "du 01/01/2001 au 31/01/2001" in page.locator("hgroup").inner_text()
    assert received(page) == "0"
    assert page.locator(".bilan-chart img").count() == 8  # the empty charts still say so

    # A refused filter: the French message, focusable summary, still no violation.
    page.locator("#id_du").fill("2001-02-01")
    page.get_by_role("button", name="Afficher le bilan").click()
    page.wait_for_load_state()
    assert "Le dernier jour précède le premier" in page.locator("#error-summary").inner_text()
    assert axe_violations(page) == []
    page.problems.assert_none()
