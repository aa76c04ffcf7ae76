"""A note and a point d'étape, each read by the right people only, in Chromium (issue #14):
the référent writes a private note and a shared note on a disbursed dossier shared with the
partner worker; the partner worker reads the shared one only and writes a point d'étape; the
référent reads it in the dossier's follow-up; the bank and the commission see none of it."""

from __future__ import annotations

import pytest
from django.utils import timezone

from microcredit.demo.loading import DEMO_PASSWORD
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier
from microcredit.followup.enums import NoteVisibility
from microcredit.followup.models import Note, StepReview
from tests.browser.conftest import login, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PRIVATE = "Note privée : dettes de loyer évoquées, à ne pas diffuser."
SHARED = "Note partagée : elle reprend un emploi à mi-temps lundi."
REVIEW = "Point d'étape : budget tenu, la voiture est réparée."


def as_user(page, live_server, username: str) -> None:  # type: ignore[no-untyped-def]
    sign_out(page)
    login(page, live_server, username, DEMO_PASSWORD)


def test_a_note_and_a_point_d_etape_are_read_by_the_right_people_only(
    page, live_server, demo
) -> None:  # type: ignore[no-untyped-def]
    # The demo's disbursed dossier shared with the partner worker (and transmitted to the bank).
    dossier = Dossier.objects.get(applicant__last_name="Faure", applicant__first_name="Sandrine")
    assert dossier.state == DossierState.DISBURSED
    assert dossier.shares.filter(worker__username="partenaire").exists()
    dossier_url = f"{live_server.url}/dossiers/{dossier.pk}/"
    followup_url = f"{live_server.url}/accompagnement/dossiers/{dossier.pk}/"

    # The référent writes a private note, then a shared one.
    as_user(page, live_server, "referent")
    page.goto(dossier_url)
    section = page.locator("#suivi")
    assert section.get_by_role("heading", name="Suivi et accompagnement").is_visible()
    for text, visibility in ((PRIVATE, "Réservée"), (SHARED, "Partagée")):
        page.locator("#suivi summary", has_text="Écrire une note").click()
        page.locator("#note_body").fill(text)
        page.locator("#suivi").get_by_label(visibility).check()
        page.get_by_role("button", name="Enregistrer la note").click()
        page.wait_for_load_state()
        assert page.get_by_role("status").filter(has_text="Note enregistrée").is_visible()
        assert page.locator("#suivi").get_by_text(text).is_visible()
    assert set(Note.objects.filter(dossier=dossier).values_list("body", "visibility")) >= {
        (PRIVATE, NoteVisibility.CCAS),
        (SHARED, NoteVisibility.SHARED),
    }

    # The partner worker reads the shared note only, and writes a point d'étape.
    as_user(page, live_server, "partenaire")
    page.goto(dossier_url)
    section = page.locator("#suivi")
    assert section.get_by_text(SHARED).is_visible()
    assert PRIVATE not in page.content()
    assert page.locator("#note_body").count() == 0  # they write no note
    page.locator("#etape_summary").fill(REVIEW)
    assert page.locator("#etape_held_on").input_value() == timezone.localdate().isoformat()
    page.locator("#etape_next_on").fill("2027-01-15")
    page.get_by_role("button", name="Enregistrer le point d'étape").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").filter(has_text="Point d'étape enregistré").is_visible()
    assert page.locator("#suivi").get_by_text(REVIEW).is_visible()
    page.goto(followup_url)
    assert page.get_by_text(SHARED).is_visible()
    assert PRIVATE not in page.content()
    review = StepReview.objects.get(dossier=dossier, summary=REVIEW)
    assert review.author.username == "partenaire"

    # The référent reads the point d'étape in the dossier's follow-up.
    as_user(page, live_server, "referent")
    page.goto(dossier_url)
    section = page.locator("#suivi")
    assert section.get_by_text(REVIEW).is_visible()
    assert section.get_by_text("Prochain point d'étape prévu le 15/01/2027.").is_visible()
    assert section.get_by_text(PRIVATE).is_visible()

    # The bank sees the dossier, none of its follow-up; the commission not even the dossier.
    as_user(page, live_server, "banque")
    assert page.goto(dossier_url).status == 200
    assert page.locator("#suivi").count() == 0
    html = page.content()
    assert PRIVATE not in html and SHARED not in html and REVIEW not in html
    assert page.goto(followup_url).status == 403
    as_user(page, live_server, "commission")
    assert page.goto(dossier_url).status == 404
    assert page.goto(followup_url).status == 403
    html = page.content()
    assert PRIVATE not in html and SHARED not in html and REVIEW not in html
    page.problems.assert_none()
