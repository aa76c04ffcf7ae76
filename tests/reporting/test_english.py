"""The bilan in English (issue #16): the director's page reads from the English catalogue, its
headings, figures' bases and charts included. The .mo files are compiled by `make messages`."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

from tests.reporting.test_dashboard import URL, YEAR_2026, scene  # noqa: F401  (the fixture)


@pytest.mark.django_db
def test_the_bilan_page_in_english(client: Any, scene: dict[str, Any]) -> None:  # noqa: F811
    client.force_login(scene["director"])
    response = client.get(URL, YEAR_2026, headers={"accept-language": "en"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Review and statistics</h1>" in page
    assert "Period from 01/01/2026 to 31/12/2026, all schemes." in page
    headings = re.findall(r"<h2 id=\"[\w-]+\">([^<]+)</h2>", page)
    for heading in (
        "Documents and exports",
        "People seen and progress of the application files",
        "Loans",
        "Losses and what the CCAS paid",
        "Unclaimed benefits",
    ):
        assert heading in headings
    assert re.search(
        r'id="figure-received">Application files received</h3>\s*<p class="figure">4', page
    )
    # A basis built from Python plurals (reporting.texts), inside a template's sentence.
    assert "Basis: 1 guarantee call out of 3 loans disbursed during the period." in page
    # The charts: their titles in the images' alt and their tables' captions, the funnel's
    # stages (dossiers.rules, marked with gettext_noop) translated where they are shown.
    alts = [
        html.unescape(alt) for alt in re.findall(r'<img src="data:[^"]+"\s+alt="([^"]+)"', page)
    ]
    assert any(alt.startswith("Loss rates and national reference : ") for alt in alts)
    assert any(
        "received\u00a0: 4; diagnosis\u00a0: 4; under review\u00a0: 3" in alt for alt in alts
    )
    assert re.search(r"Loss rates and national reference: the chart's data\s*</caption>", page)
    for french in (
        "Bilan et statistiques",
        "Pertes et ce que le CCAS a payé",
        "Taux de perte et référence nationale",
        "les données du graphique",
    ):
        assert french not in page
