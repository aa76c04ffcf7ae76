"""What the commission reads is minimised: the summary (selector, page, PDF) and the minutes
carry the project, the amounts and the figures, never a name, an address or a contact."""

from __future__ import annotations

from decimal import Decimal

import pytest

from microcredit.commissions import selectors, services
from microcredit.commissions.enums import CommitteeDecision
from microcredit.commissions.models import AgendaItem
from tests.commissions.helpers import (
    OPINION,
    PROJECT,
    SESSION_DATE,
    cast,
    full_dossier,
    membership,
    open_session,
    personal_data,
)
from tests.pdfs import pdf_text

pytestmark = pytest.mark.django_db


def _plain(text: str) -> str:
    """Spaces as a reader sees them (the amounts use narrow and non-breaking spaces)."""
    for space in ("\u202f", "\u00a0"):
        text = text.replace(space, " ")
    return " ".join(text.split())


@pytest.fixture
def setting(make_user):  # type: ignore[no-untyped-def]
    people = cast(make_user)
    dossier = full_dossier(people.referent)
    session = open_session(people)
    (item,) = services.agenda_build(
        actor=people.agent, membership=membership(people.agent), session_id=session.pk
    )
    return people, dossier, session, item


def test_the_summary_has_the_figures_and_nothing_personal(setting) -> None:  # type: ignore[no-untyped-def]
    _people, dossier, _session, item = setting
    summary = selectors.agenda_item_summary(item)
    assert summary.number == dossier.number and summary.position == 1
    assert summary.requested_amount == Decimal("1200.00") and summary.requested_months == 24
    assert summary.installment is not None and summary.apr_percent is not None
    assert (summary.adults, summary.children, summary.ages) == (1, 1, [36, 7])
    assert summary.total_resources == Decimal("1200.00")  # 950 + 250 housing aid
    assert summary.remaining_income is not None and summary.remaining_income_after is not None
    assert summary.debt_ratio_after_percent is not None
    assert summary.opinion is not None and summary.opinion.reason == OPINION
    assert [r.label for r in summary.rights]  # the fake estimate finds rights to check
    assert summary.project_description == PROJECT
    values = " ".join(str(v) for v in vars(summary).values())
    for secret in personal_data(dossier):
        assert secret not in values


def test_the_summary_page_shows_no_personal_data(setting, client) -> None:  # type: ignore[no-untyped-def]
    people, dossier, _session, item = setting
    client.force_login(people.member)
    response = client.get(f"/commission/point/{item.pk}/")
    assert response.status_code == 200
    html = _plain(response.content.decode())
    assert dossier.number in html
    assert "1 200,00 €" in html
    assert OPINION.replace("'", "&#x27;") in html
    for secret in personal_data(dossier):
        assert secret not in html, secret


def test_the_summary_pdf_shows_no_personal_data(setting, client) -> None:  # type: ignore[no-untyped-def]
    people, dossier, _session, item = setting
    client.force_login(people.member)
    response = client.get(f"/commission/point/{item.pk}/fiche.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = _plain(pdf_text(response.content))
    assert dossier.number in text
    assert "1 200,00 €" in text  # requested amount
    assert "24 mensualités" in text
    summary = selectors.agenda_item_summary(item)
    assert _plain(f"{summary.installment:.2f}".replace(".", ",")) in text
    assert "Projet solide et réaliste" in text
    for secret in personal_data(dossier):
        assert secret not in text, secret


def test_the_minutes_name_the_members_and_no_applicant(setting, client) -> None:  # type: ignore[no-untyped-def]
    people, dossier, session, item = setting
    services.agenda_item_decide(
        actor=people.member,
        membership=membership(people.member),
        item_id=item.pk,
        decision=CommitteeDecision.ADJOURN,
        reason="Fournir le devis définitif.",
    )
    # The draft first (« projet »), then the frozen minutes.
    client.force_login(people.agent)
    draft = _plain(pdf_text(client.get(f"/commission/{session.pk}/proces-verbal.pdf").content))
    assert "PROJET" in draft
    services.session_close(
        actor=people.agent,
        membership=membership(people.agent),
        session_id=session.pk,
        today=SESSION_DATE,
    )
    content = client.get(f"/commission/{session.pk}/proces-verbal.pdf").content
    session.refresh_from_db()
    with session.minutes.open("rb") as handle:
        assert content == handle.read()
    text = _plain(pdf_text(content))
    assert "PROJET" not in text
    assert dossier.number in text
    assert "1 200,00 €" in text and "24 mois" in text
    assert "Fournir le devis définitif." in text
    assert "Marcel Présent" in text and "Agathe Absente" in text
    assert "Procès-verbal arrêté le 18/06/2026 par Alain Agent." in text
    assert "Ajourné (informations demandées) 1" in text
    for secret in personal_data(dossier):
        assert secret not in text, secret
    assert AgendaItem.objects.get(pk=item.pk).decision == CommitteeDecision.ADJOURN
