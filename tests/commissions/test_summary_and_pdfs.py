"""What the commission reads is minimised: the summary (selector, page, PDF) and the minutes
carry the project, the amounts and the figures, never a name, an address or a contact."""

from __future__ import annotations

from datetime import timedelta
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
        today=SESSION_DATE,
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


def test_the_minutes_make_as_many_queries_whatever_the_agenda(
    make_user, client, count_queries
) -> None:  # type: ignore[no-untyped-def]
    """Draft and frozen minutes alike: dossiers of different application dates (so of
    different versions of the parameters, looked up once for all)."""
    from tests.commissions.helpers import ready_dossier

    people = cast(make_user)
    agent = membership(people.agent)

    def decided_session(days_before: list[int]):  # type: ignore[no-untyped-def]
        for days in days_before:
            ready_dossier(people.referent, application_date=SESSION_DATE - timedelta(days=days))
        session = open_session(people)
        for item in services.agenda_build(
            actor=people.agent, membership=agent, session_id=session.pk
        ):
            services.agenda_item_decide(
                actor=people.member,
                membership=membership(people.member),
                item_id=item.pk,
                decision=CommitteeDecision.ADJOURN,
                reason="Le devis définitif.",
                today=SESSION_DATE,
            )
        return session

    small = decided_session([10])
    large = decided_session([20, 30, 40, 50, 400])
    assert len({i.dossier.application_date for i in large.agenda.select_related("dossier")}) == 5
    client.force_login(people.agent)
    drafts = [
        count_queries(lambda s=s: client.get(f"/commission/{s.pk}/proces-verbal.pdf"))
        for s in (small, large)
    ]
    assert drafts[0] == drafts[1], drafts
    closings = [
        count_queries(
            lambda s=s: services.session_close(
                actor=people.agent, membership=agent, session_id=s.pk, today=SESSION_DATE
            )
        )
        for s in (small, large)
    ]
    assert closings[0] == closings[1], closings


NAMED_OPINION = "Mme Zéphyrin-Quelen est suivie depuis 2023 ; EULALIE est scolarisée à côté."
NAMED_PROJECT = "Permis B pour Aurélie, qui emmènera Eulalie à l'école."
NAMED_REASON = "Mme ZEPHYRIN QUELEN doit fournir le devis définitif."
NAMED_PROBLEM = "La date de naissance de Eulalie manque."


def test_names_written_in_free_text_are_masked(setting, client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The référent's opinion, the project, a budget problem and a decision reason name the
    applicant or her child: the commission reads « [nom masqué] » instead, everywhere."""
    from dataclasses import replace

    from microcredit.budgets.services import referent_opinion_record
    from microcredit.commissions.rules import NAME_MASK
    from microcredit.dossiers.models import Dossier

    people, dossier, session, item = setting
    referent_opinion_record(
        actor=people.referent,
        membership=membership(people.referent),
        dossier_id=dossier.pk,
        budget_id=dossier.budgets.get().pk,
        verdict="fragile",
        reason=NAMED_OPINION,
    )
    Dossier.objects.filter(pk=dossier.pk).update(project_description=NAMED_PROJECT)
    budget_panel = selectors.budget_panel
    monkeypatch.setattr(
        selectors,
        "budget_panel",
        lambda *a: replace(budget_panel(*a), problems=[NAMED_PROBLEM]),
    )
    summary = selectors.agenda_item_summary(item)
    assert summary.opinion is not None
    assert (
        summary.opinion.reason
        == f"Mme {NAME_MASK} est suivie depuis 2023 ; {NAME_MASK} est scolarisée à côté."
    )
    assert (
        summary.project_description
        == f"Permis B pour {NAME_MASK}, qui emmènera {NAME_MASK} à l'école."
    )
    assert summary.budget_problems == [f"La date de naissance de {NAME_MASK} manque."]

    client.force_login(people.member)
    page = _plain(client.get(f"/commission/point/{item.pk}/").content.decode())
    pdf = _plain(pdf_text(client.get(f"/commission/point/{item.pk}/fiche.pdf").content))
    for text in (page, pdf):
        assert "suivie depuis 2023" in text and NAME_MASK in text
        for secret in (*personal_data(dossier), "ZEPHYRIN", "EULALIE"):
            assert secret not in text, secret

    services.agenda_item_decide(
        actor=people.member,
        membership=membership(people.member),
        item_id=item.pk,
        decision=CommitteeDecision.ADJOURN,
        reason=NAMED_REASON,
        today=SESSION_DATE,
    )
    session_page = _plain(client.get(f"/commission/{session.pk}/").content.decode())
    draft = _plain(pdf_text(client.get(f"/commission/{session.pk}/proces-verbal.pdf").content))
    services.session_close(
        actor=people.agent,
        membership=membership(people.agent),
        session_id=session.pk,
        today=SESSION_DATE,
    )
    minutes = _plain(pdf_text(client.get(f"/commission/{session.pk}/proces-verbal.pdf").content))
    for text in (session_page, draft, minutes):
        assert f"Mme {NAME_MASK} doit fournir le devis définitif." in text
        assert "ZEPHYRIN" not in text and "QUELEN" not in text


def test_a_household_without_children_reads_aucun_enfant(setting, client) -> None:  # type: ignore[no-untyped-def]
    """« 0 enfants à charge » was shown (English plural rule at 0): French says « aucun »."""
    from microcredit.budgets.enums import MemberRole
    from microcredit.budgets.models import BudgetPerson

    people, dossier, _session, item = setting
    BudgetPerson.objects.filter(budget__dossier=dossier, role=MemberRole.CHILD).delete()
    client.force_login(people.member)
    html = _plain(client.get(f"/commission/point/{item.pk}/").content.decode())
    assert "aucun enfant à charge" in html
    assert "0 enfant" not in html
