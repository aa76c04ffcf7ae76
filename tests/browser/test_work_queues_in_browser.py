"""Each role's home page in Chromium, on the demo data: its work queue shows an item the demo
seeded, and the item's link leads to the page where it is handled."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from microcredit.demo.loading import DEMO_PASSWORD
from microcredit.dossiers.models import Dossier
from microcredit.simulator.models import ContactRequest
from tests.browser.conftest import login, sign_out

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def _number(last_name: str) -> str:
    return str(Dossier.objects.get(applicant__last_name=last_name).number)


def _open(page, live_server, username: str, queue: str, link: str | re.Pattern[str]) -> None:  # type: ignore[no-untyped-def]
    """Log in as `username`, find `link` in the work queue `queue` (its section's id) and
    follow it."""
    sign_out(page)
    login(page, live_server, username, DEMO_PASSWORD)
    assert page.url == f"{live_server.url}/"
    section = page.locator(f"article[aria-labelledby='file-{queue}']")
    section.get_by_role("link", name=link).click()
    page.wait_for_load_state()


def _heading(page) -> str:  # type: ignore[no-untyped-def]
    return " ".join(page.get_by_role("heading", level=1).inner_text().split())


def test_each_role_s_work_queue_shows_a_seeded_item_and_leads_to_its_page(
    page, live_server, demo
) -> None:  # type: ignore[no-untyped-def]
    faure = _number("Faure")

    # The référent: today's appointment (planned by the demo for 14:30) on the follow-up page,
    # where it is marked done or missed; a new request from the public, in the inbox.
    _open(page, live_server, "referent", "rendez-vous", re.compile(r"14:30 — Sandrine Faure"))
    assert _heading(page) == f"Suivi du dossier {faure} — Sandrine FAURE"
    assert page.get_by_text("CCAS de Saint-Étienne, bureau 3").first.is_visible()
    _open(page, live_server, "referent", "demandes", "Amina Diallo")
    request = ContactRequest.objects.get(last_name="Diallo")
    assert page.url == f"{live_server.url}/accompagnement/demandes/{request.pk}/"
    assert _heading(page) == "Demande de Amina DIALLO"

    # The agent: a dossier in instruction lacking pieces, opened at its pieces.
    mercier = _number("Mercier")
    _open(page, live_server, "agent", "pieces", re.compile(f"{mercier} — Chantal Mercier"))
    assert _heading(page) == f"Dossier {mercier} — Chantal MERCIER"
    assert page.url.endswith("#pieces")

    # The director: the commission's session of the day, where the decisions are recorded.
    today = timezone.localdate().strftime("%d/%m/%Y")
    _open(page, live_server, "directeur", "decisions", f"Commission du {today}")
    assert _heading(page) == f"Commission Permanente du {today}"

    # The commission member: the first dossier of the next session, as its summary.
    vidal = _number("Vidal")
    _open(page, live_server, "commission", "seance", f"1. Dossier {vidal}")
    assert _heading(page) == f"Fiche de synthèse — dossier {vidal}"

    # The bank adviser: the dossier transmitted to the bank, to decide.
    brunel = _number("Brunel")
    _open(page, live_server, "banque", "a-decider", re.compile(f"{brunel} — Mickaël Brunel"))
    assert _heading(page) == f"Dossier {brunel} — Mickaël BRUNEL"
    assert page.get_by_role("button", name="Accorder le prêt").first.is_visible()

    # The partner worker: Sandrine Faure's follow-up, with the point d'étape they wrote.
    _open(page, live_server, "partenaire", "partages", re.compile(f"{faure} — Sandrine Faure"))
    assert _heading(page) == f"Suivi du dossier {faure} — Sandrine FAURE"
    assert page.get_by_text("elle tient son budget au jour le jour").first.is_visible()

    page.problems.assert_none()
