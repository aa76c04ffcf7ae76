"""The 25-field budget form, refused: an error summary at its top (RGAA 11.10) lists each error
as a link to its field, and the page's title starts with « Erreur ». The focus it receives is
checked in Chromium (tests/browser/test_budget_in_browser.py)."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from microcredit.accounts.enums import Role
from microcredit.budgets.models import Budget
from tests.budgets.helpers import lone_parent_dossier
from tests.budgets.test_pages import FORM

pytestmark = pytest.mark.django_db


@pytest.fixture
def referent(make_user):  # type: ignore[no-untyped-def]
    return make_user(Role.REFERENT)


def refused(client, referent, change: dict[str, str]) -> str:  # type: ignore[no-untyped-def]
    dossier = lone_parent_dossier(referent)
    client.force_login(referent)
    response = client.post(reverse("budgets:edit", args=[dossier.pk]), {**FORM, **change})
    assert response.status_code == 200
    assert not Budget.objects.exists()
    return html.unescape(response.content.decode())


def summary_of(body: str) -> str:
    start = body.index('<div class="error-summary')
    return body[start : body.index("</div>", start)]


def test_each_field_error_is_a_link_to_its_field_at_the_top(client, referent) -> None:  # type: ignore[no-untyped-def]
    body = refused(client, referent, {"month": "13/2026", "charge__water": "beaucoup"})
    title = " ".join(re.search(r"<title>(.*?)</title>", body, re.S).group(1).split())  # type: ignore[union-attr]
    assert title.startswith("Erreur : Budget du foyer")
    summary = " ".join(summary_of(body).split())
    assert body.index('<div class="error-summary') < body.index('id="id_month"')  # on top
    assert 'tabindex="-1"' in summary and "Le formulaire contient 2 erreurs" in summary
    assert '<a href="#id_month">Mois décrit par le budget : Ce mois n\'existe pas' in summary
    assert '<a href="#id_charge__water">' in summary


def test_a_field_refused_by_the_service_is_linked_too(client, referent) -> None:  # type: ignore[no-untyped-def]
    body = refused(client, referent, {"charge__energy": "-80"})
    summary = " ".join(summary_of(body).split())
    assert '<a href="#id_charge__energy">' in summary
    assert "ne peut pas être négatif" in summary


def test_a_refusal_of_the_whole_budget_is_in_the_summary_once(client, referent) -> None:  # type: ignore[no-untyped-def]
    body = refused(client, referent, {"charge__rent": ""})
    summary = summary_of(body)
    message = "Le foyer est locataire mais aucun loyer n'est renseigné."
    assert message in summary
    assert body.count(message) == 1  # not repeated by a second box above the fields
