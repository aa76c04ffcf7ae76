"""The « Droits à vérifier » section for assistive technologies (RGAA 7.5, 12.8): a live region
that htmx never replaces (its text comes out of band), a heading that can take the focus, and
polls that swap nothing while the estimate runs. The browser side (focus kept, text announced)
is in tests/browser/test_rights_a11y_in_browser.py."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from microcredit.accounts.enums import Role
from microcredit.rights import engine
from microcredit.rights.models import RightsAssessmentRecord
from microcredit.rights.tasks import assess_dossier_rights
from tests.budgets.helpers import fake_assessment, lone_parent_budget, lone_parent_dossier

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
POLL = {**HTMX, "HTTP_HX_TRIGGER": "rights-content"}


@pytest.fixture
def referent(make_user):  # type: ignore[no-untyped-def]
    return make_user(Role.REFERENT)


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.content.decode())


def test_the_live_region_is_outside_what_htmx_replaces(client, referent) -> None:  # type: ignore[no-untyped-def]
    dossier = lone_parent_dossier(referent)
    lone_parent_budget(referent, dossier)
    client.force_login(referent)
    client.post(reverse("rights:request", args=[dossier.pk]))  # not run: still pending
    body = text_of(client.get(reverse("dossiers:detail", args=[dossier.pk])))
    section = body[body.index('<section id="droits"') :]
    section = section[: section.index("</section>")]
    status = section.index('id="rights-status"')
    content = section.index('<div id="rights-content"')
    assert status < content  # a sibling before the swapped content, not inside it
    assert re.search(r'<p id="rights-status"\s+role="status"\s+aria-live="polite"', section)
    assert '<h2 id="rights-title" tabindex="-1">' in section
    # Only the content polls, and no element of the section carries aria-live but the region.
    assert section.count("aria-live") == 1
    assert 'hx-trigger="every 2s"' in section[content:]
    assert "hx-trigger" not in section[:content]
    assert 'src="/static/js/rights.js"' in section


def test_a_poll_swaps_nothing_while_it_runs_then_brings_the_text_to_announce(
    client, referent, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    dossier = lone_parent_dossier(referent)
    lone_parent_budget(referent, dossier)
    client.force_login(referent)
    client.post(reverse("rights:request", args=[dossier.pk]))
    url = reverse("rights:section", args=[dossier.pk])
    running = client.get(url, **POLL)
    assert running.status_code == 204 and running.content == b""
    # Another htmx request than the poll (not from the polling element) still gets the content.
    assert "Estimation en cours…" in text_of(client.get(url, **HTMX))
    monkeypatch.setattr(engine, "assess_household", lambda situation: fake_assessment())
    assert assess_dossier_rights.call(RightsAssessmentRecord.objects.get().pk) == "done"
    done = text_of(client.get(url, **POLL))
    oob = done[done.index('<p id="rights-status" hx-swap-oob="innerHTML">') :]
    oob = " ".join(oob[: oob.index("</p>")].split())
    assert oob.endswith("Estimation terminée : 2 droits à vérifier.")


def test_a_refused_request_is_announced_in_the_live_region(client, referent) -> None:  # type: ignore[no-untyped-def]
    dossier = lone_parent_dossier(referent)  # no budget
    client.force_login(referent)
    answer = text_of(client.post(reverse("rights:request", args=[dossier.pk]), **HTMX))
    oob = answer[answer.index('<p id="rights-status" hx-swap-oob="innerHTML">') :]
    assert "Saisissez d'abord le budget du foyer" in oob[: oob.index("</p>")]
    assert not RightsAssessmentRecord.objects.exists()


def test_each_rights_outcome_control_names_its_right(client, referent, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Several « Suite donnée » selects and « Enregistrer » buttons in one section (RGAA 6.1,
    11.1): each one's accessible name says which right it is for."""
    dossier = lone_parent_dossier(referent)
    lone_parent_budget(referent, dossier)
    client.force_login(referent)
    monkeypatch.setattr(engine, "assess_household", lambda situation: fake_assessment())
    client.post(reverse("rights:request", args=[dossier.pk]))
    assess_dossier_rights.call(RightsAssessmentRecord.objects.get().pk)
    body = text_of(client.get(reverse("rights:section", args=[dossier.pk]), **HTMX))
    labels = [
        " ".join(m.split())
        for m in re.findall(r'<label for="outcome-[^"]+">(.*?)<select', body, flags=re.S)
    ]
    buttons = [
        " ".join(re.sub(r"<[^>]+>", " ", m).split())
        for m in re.findall(r'<button type="submit" class="secondary">(.*?)</button>', body, re.S)
    ]
    buttons = [text for text in buttons if text.startswith("Enregistrer")]
    assert len(labels) == 2 and len(set(labels)) == 2, labels
    assert len(buttons) == 2 and len(set(buttons)) == 2, buttons
    assert all(label.startswith("Suite donnée") and "à «" in label for label in labels)
