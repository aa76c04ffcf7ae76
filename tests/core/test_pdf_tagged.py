"""Every PDF the application writes is tagged PDF/UA-1 (issue #15, RGAA): a structure tree, its
language (French), a title naming the document that readers show instead of the file name,
headings from H1 without a skipped level, an alternative text on the logo. Each PDF template is
rendered here through the code that writes it: the letters (the director's preview for every
kind, and a letter written after a decision), the commission's summary and minutes."""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.template.loader import render_to_string

import microcredit
from microcredit.accounts.enums import Role
from microcredit.accounts.models import User
from microcredit.commissions import services
from microcredit.commissions.enums import CommitteeDecision
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.services import dossier_transition
from microcredit.letters import rules, writing
from microcredit.letters.enums import LetterKind
from microcredit.letters.models import Letter
from microcredit.organisations.models import Organisation
from tests.commissions.helpers import SESSION_DATE, cast, full_dossier, open_session
from tests.factories import make_dossier
from tests.factories import membership_of as membership
from tests.pdfs import assert_accessible, pdf_text

pytestmark = pytest.mark.django_db

# Every template rendered to PDF (render_pdf); a new one must be added to the tests below.
PDF_TEMPLATES = {
    "letters/pdf/letter.html",
    "commissions/pdf/summary.html",
    "commissions/pdf/minutes.html",
}

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


@pytest.fixture(autouse=True)
def rendered(monkeypatch, caplog) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    """The templates render_pdf rendered during the test; WeasyPrint logs no error (it does
    for a PDF/UA document without a language or with an image without alternative text)."""
    names: list[str] = []

    def spy(template_name: str, context: dict[str, Any]) -> str:
        names.append(template_name)
        return render_to_string(template_name, context)

    monkeypatch.setattr("microcredit.core.pdf.render_to_string", spy)
    with caplog.at_level(logging.ERROR, logger="weasyprint"):
        yield names
    errors = [
        r.getMessage()
        for r in caplog.records
        if r.name == "weasyprint" and r.levelno >= logging.ERROR
    ]
    assert not errors


@pytest.fixture
def organisation(saint_etienne: Organisation) -> Organisation:
    """The CCAS with a logo: its letterhead carries an image."""
    saint_etienne.logo.save("logo.png", ContentFile(PNG))
    return saint_etienne


def test_every_pdf_template_is_tested_here() -> None:
    root = Path(microcredit.__file__).parent
    found = {
        str(path.relative_to(path.parents[2]))
        for path in root.glob("*/templates/*/pdf/*.html")
        if not path.name.startswith("_")
    }
    assert found == PDF_TEMPLATES


@pytest.mark.parametrize("kind", LetterKind.values)
def test_every_kind_of_letter_is_tagged(organisation, kind, rendered) -> None:  # type: ignore[no-untyped-def]
    texts = rules.DEFAULT_TEXTS[kind]
    content = writing.sample_letter_render(organisation, kind, texts, SESSION_DATE)
    assert rendered == ["letters/pdf/letter.html"]
    found = assert_accessible(content, title=f"{texts.subject} — dossier MC-2026-00042")
    assert found.author == organisation.name
    assert "Figure" in found.structure  # the logo, with its alternative text
    if kind == LetterKind.BANK_ACCEPTANCE:  # the terms and the schedule, with their headers
        assert {"Table", "Caption", "TH", "TD"} <= set(found.structure)
    assert f"Objet : {texts.subject}" in " ".join(pdf_text(content).split())  # still text


def test_a_letter_written_after_a_decision_is_tagged(
    organisation: Organisation,
    make_user: Callable[..., User],
    django_capture_on_commit_callbacks: Any,
) -> None:
    director, referent = make_user(Role.DIRECTOR), make_user(Role.REFERENT)
    dossier = make_dossier(
        created_by=referent, referent=referent, state=DossierState.READY_FOR_COMMITTEE
    )
    with django_capture_on_commit_callbacks(execute=True):
        event = dossier_transition(
            actor=director,
            membership=director.memberships.get(),
            dossier_id=dossier.pk,
            transition="refuse_by_committee",
            flow="commission",
            reason="Reste à vivre trop faible.",
        )
    with Letter.objects.get(event=event).file.open("rb") as handle:
        content = handle.read()
    subject = rules.DEFAULT_TEXTS[LetterKind.COMMITTEE_REFUSAL].subject
    assert_accessible(content, title=f"{subject} — dossier {dossier.number}")
    assert "Reste à vivre trop faible." in pdf_text(content)


def test_the_commission_pdfs_are_tagged(organisation, make_user, client, rendered) -> None:  # type: ignore[no-untyped-def]
    people = cast(make_user)
    dossier = full_dossier(people.referent)
    session = open_session(people)
    (item,) = services.agenda_build(
        actor=people.agent, membership=membership(people.agent), session_id=session.pk
    )
    client.force_login(people.agent)
    summary = client.get(f"/commission/point/{item.pk}/fiche.pdf").content
    found = assert_accessible(
        summary,
        title=f"Fiche de synthèse — dossier {dossier.number} — Commission Permanente du 18/06/2026",
    )
    assert found.author == organisation.name and "Figure" in found.structure
    draft = client.get(f"/commission/{session.pk}/proces-verbal.pdf").content
    assert_accessible(
        draft,
        title="Procès-verbal de la Commission Permanente du 18/06/2026 — projet non arrêté",
    )
    services.agenda_item_decide(
        actor=people.member,
        membership=membership(people.member),
        item_id=item.pk,
        decision=CommitteeDecision.ADJOURN,
        reason="Fournir le devis définitif.",
        today=SESSION_DATE,
    )
    closed = services.session_close(
        actor=people.agent,
        membership=membership(people.agent),
        session_id=session.pk,
        today=SESSION_DATE,
    )
    with closed.minutes.open("rb") as handle:
        minutes = handle.read()
    found = assert_accessible(
        minutes, title="Procès-verbal de la Commission Permanente du 18/06/2026"
    )
    assert {"Table", "TH", "TD"} <= set(found.structure)
    assert "Fournir le devis définitif." in pdf_text(minutes)
    assert set(rendered) == {"commissions/pdf/summary.html", "commissions/pdf/minutes.html"}
