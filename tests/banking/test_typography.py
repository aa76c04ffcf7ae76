"""The bank's pages read as French prose: no space before a comma (issue #15: « Auto-école du
Forez , 3 place… », « sur 24 mois , différé… » came from the templates' line breaks)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from microcredit.accounts.models import User
from tests.banking.helpers import visible_text
from tests.factories import make_granted_dossier, make_transmitted_dossier

pytestmark = pytest.mark.django_db

DEFERRAL = {"requested_deferral_months": 3, "requested_deferral_kind": "interest_only"}


def spaces_before_commas(text: str) -> list[str]:
    return [text[max(0, m.start() - 30) : m.end() + 30] for m in re.finditer(r"\s,", text)]


def test_the_bank_pages_have_no_space_before_a_comma(client, referent: User, adviser: User) -> None:  # type: ignore[no-untyped-def]
    transmitted = make_transmitted_dossier(created_by=referent, **DEFERRAL)
    granted = make_granted_dossier(created_by=referent, adviser=adviser, **DEFERRAL)
    client.force_login(adviser)
    pages = {
        "list": reverse("banking:list"),
        "transmitted": reverse("banking:dossier", args=[transmitted.pk]),
        "granted": reverse("banking:dossier", args=[granted.pk]),
    }
    texts = {}
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
        texts[name] = visible_text(response.content.decode())
        assert spaces_before_commas(texts[name]) == [], name
    # The phrases the commas join are there, glued as French writes them.
    assert "Auto-école du Forez, 3 place Jean Jaurès, 42000 Saint-Étienne" in texts["transmitted"]
    assert "sur 24 mois, différé partiel (intérêts payés) de 3 mois" in texts["transmitted"]
    assert (
        "sur 24 mois, différé partiel (intérêts payés) de 3 mois, taux nominal" in texts["granted"]
    )
