"""F1 of issue #17, reproduced: the applicant's address, phone, e-mail and birth date, her
child's first name and a social-security number typed into the référent's opinion and the
project. The commission's summary page, its PDF and the minutes show none of it (the texts are
written straight to the database, as old data would be: the masking does not rely on the entry
checks); and a NIR is refused where it is typed."""

from __future__ import annotations

import re

import pytest

from microcredit.budgets.models import ReferentOpinion
from microcredit.commissions import selectors, services
from microcredit.commissions.enums import CommitteeDecision
from microcredit.commissions.models import AgendaItem
from microcredit.core.text import fold
from microcredit.dossiers.models import Dossier
from tests.commissions.helpers import (
    SESSION_DATE,
    cast,
    full_dossier,
    open_session,
    personal_data,
)
from tests.factories import membership_of as membership
from tests.pdfs import pdf_text

pytestmark = pytest.mark.django_db

NIR = "2 90 05 42 218 123 92"  # a woman born in May 1990 in the Loire; key valid
NIR_MESSAGE = (
    "Ce texte semble contenir un numéro de sécurité sociale : il ne doit pas être saisi ici."
)
OPINION = (
    "Mme Zéphyrin-Quelen (née le 01/05/1990, soit le 1er mai 1990) habite 17 impasse des "
    "Glycines, 42000 Saint-Étienne ; joignable au 06 12 34 56 78 ou à AURELIE.ZQ@example.net. "
    f"Sa fille EULALIE, née le 10/09/2018, va à l'école à côté. NIR {NIR}. "
    "Budget tenu depuis six mois."
)
MASKED_OPINION = (
    "Mme [nom masqué] (née le [date de naissance masquée], soit le [date de naissance masquée]) "
    "habite [adresse masquée] ; joignable au [téléphone masqué] ou à [e-mail masqué]. "
    "Sa fille [nom masqué], née le [date de naissance masquée], va à l'école à côté. "
    "NIR [numéro de sécurité sociale masqué]. Budget tenu depuis six mois."
)
PROJECT = (
    "Permis B pour Aurélie (+33 6 12 34 56 78), qui emmènera Eulalie à l'école depuis "
    "l'impasse des Glycines ; née le 1990-05-01."
)
MASKED_PROJECT = (
    "Permis B pour [nom masqué] ([téléphone masqué]), qui emmènera [nom masqué] à l'école "
    "depuis l'[adresse masquée] ; née le [date de naissance masquée]."
)
REASON = "Pièce d'identité d'Eulalie manquante ; rappeler au 0612345678."
MASKED_REASON = "Pièce d'identité d'[nom masqué] manquante ; rappeler au [téléphone masqué]."
# What none of the commission's pages may hold, in any form (compared folded, without spaces).
SECRETS = [
    "glycines",
    "42000",
    "0612345678",
    "612345678",
    "aurelie",
    "example.net",
    "01/05/1990",
    "1990-05-01",
    "mai1990",
    "eulalie",
    "10/09/2018",
    "zephyrin",
    "quelen",
    NIR.replace(" ", ""),
]


def _plain(text: str) -> str:
    for space in ("\u202f", "\u00a0"):
        text = text.replace(space, " ")
    return " ".join(text.replace("&#x27;", "'").split())


def _assert_holds_none(text: str, dossier: Dossier) -> None:
    squeezed = re.sub(r"\s+", "", fold(text, ascii_only=False, separator=" ")).casefold()
    squeezed_raw = re.sub(r"\s+", "", text).casefold()
    for secret in SECRETS:
        assert secret not in squeezed and secret not in squeezed_raw, secret
    for secret in personal_data(dossier):
        assert secret not in text, secret


@pytest.fixture
def setting(make_user):  # type: ignore[no-untyped-def]
    people = cast(make_user)
    dossier = full_dossier(people.referent)
    session = open_session(people)
    (item,) = services.agenda_build(
        actor=people.agent, membership=membership(people.agent), session_id=session.pk
    )
    # Typed before the entry checks existed: written straight to the rows.
    assert ReferentOpinion.objects.filter(budget__dossier=dossier).update(reason=OPINION) == 1
    Dossier.objects.filter(pk=dossier.pk).update(project_description=PROJECT)
    return people, dossier, session, item


def test_the_summary_masks_every_personal_detail(setting) -> None:  # type: ignore[no-untyped-def]
    _people, _dossier, _session, item = setting
    summary = selectors.agenda_item_summary(item)
    assert summary.opinion is not None and summary.opinion.reason == MASKED_OPINION
    assert summary.project_description == MASKED_PROJECT


def test_the_summary_page_holds_none_of_it(setting, client) -> None:  # type: ignore[no-untyped-def]
    people, dossier, _session, item = setting
    client.force_login(people.member)
    response = client.get(f"/commission/point/{item.pk}/")
    assert response.status_code == 200
    html = _plain(response.content.decode())
    assert MASKED_OPINION in html and MASKED_PROJECT in html
    _assert_holds_none(html, dossier)


def test_the_summary_pdf_holds_none_of_it(setting, client) -> None:  # type: ignore[no-untyped-def]
    people, dossier, _session, item = setting
    client.force_login(people.member)
    response = client.get(f"/commission/point/{item.pk}/fiche.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _plain(pdf_text(response.content))
    assert "Budget tenu depuis six mois." in text
    for mask in ("[adresse masquée]", "[téléphone masqué]", "[date de naissance masquée]"):
        assert mask in text
    _assert_holds_none(text, dossier)


def test_the_decision_reason_is_masked_on_the_session_page_and_the_minutes(  # type: ignore[no-untyped-def]
    setting, client
) -> None:
    people, dossier, session, item = setting
    services.agenda_item_decide(
        actor=people.member,
        membership=membership(people.member),
        item_id=item.pk,
        decision=CommitteeDecision.ADJOURN,
        reason="Pièce manquante.",
        today=SESSION_DATE,
    )
    AgendaItem.objects.filter(pk=item.pk).update(decision_reason=REASON)
    client.force_login(people.member)
    page = _plain(client.get(f"/commission/{session.pk}/").content.decode())
    minutes = _plain(pdf_text(client.get(f"/commission/{session.pk}/proces-verbal.pdf").content))
    for text in (page, minutes):
        assert MASKED_REASON in text
        _assert_holds_none(text, dossier)


# --- The NIR is refused where it is typed -------------------------------------------------------


def test_the_opinion_form_refuses_a_nir_and_records_nothing(setting, client) -> None:  # type: ignore[no-untyped-def]
    people, dossier, _session, _item = setting
    before = list(ReferentOpinion.objects.values_list("pk", flat=True))
    client.force_login(people.referent)
    response = client.post(
        f"/dossiers/{dossier.pk}/budget/avis/",
        {
            "budget_id": dossier.budgets.get().pk,
            "verdict": "fragile",
            "reason": f"Budget fragile. NIR : {NIR}.",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert NIR_MESSAGE in _plain(response.content.decode())
    assert list(ReferentOpinion.objects.values_list("pk", flat=True)) == before


def test_the_decision_form_refuses_a_nir_and_decides_nothing(setting, client) -> None:  # type: ignore[no-untyped-def]
    people, dossier, _session, item = setting
    client.force_login(people.member)
    response = client.post(
        f"/commission/point/{item.pk}/decision/",
        {
            "decision": CommitteeDecision.ADJOURN,
            "reason": f"Rappeler, NIR {NIR.replace(' ', '.')}",
            "expected_state": dossier.state,
        },
    )
    assert response.status_code == 200
    assert NIR_MESSAGE in _plain(response.content.decode())
    item.refresh_from_db()
    assert item.decision == "" and item.decision_reason == ""
