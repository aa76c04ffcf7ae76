"""The session page: the agenda form offers each dossier with its number, the applicant's
initials (never the name: the commission's pages name nobody), the amount and the project, in a
query count that does not grow with the dossiers offered; the repeated controls of the agenda
each have a name that says which dossier they act on."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape

import pytest

from microcredit.commissions import rules
from microcredit.core.formatting import format_eur
from microcredit.organisations.models import Organisation
from tests.commissions.helpers import _build, membership, open_session, ready_dossier
from tests.factories import make_applicant

pytestmark = pytest.mark.django_db


def _url(session) -> str:  # type: ignore[no-untyped-def]
    return f"/commission/{session.pk}/"


def _options(page: str) -> list[str]:
    select = re.search(r'<select name="dossier"[^>]*>(.*?)</select>', page, re.S)
    assert select, "the agenda form is not on the page"
    return [unescape(o).strip() for o in re.findall(r"<option[^>]*>(.*?)</option>", select[1])]


def test_initials_and_label() -> None:
    assert rules.initials("Jean-Pierre", "Dupont") == "J.-P. D."
    assert rules.initials("éloïse", "") == "É."
    assert (
        rules.agenda_choice_label("MC-2026-00012", "J. D.", "1 200,00 €", "véhicule")
        == "MC-2026-00012 — J. D. — 1 200,00 € — véhicule"
    )


def test_the_agenda_form_labels_each_dossier_without_naming_the_person(people, client) -> None:  # type: ignore[no-untyped-def]
    organisation = Organisation.objects.get(pk=membership(people.agent).organisation_id)
    applicant = make_applicant(
        organisation=organisation,
        created_by=people.referent,
        first_name="Jeanne",
        last_name="Dufour-Lambert",
    )
    dossier = ready_dossier(
        people.referent,
        applicant=applicant,
        requested_amount=Decimal("1200.00"),
        purpose_category="mobilite",
        purpose_subcategory="permis_de_conduire",
    )
    session = open_session(people)
    client.force_login(people.agent)
    page = client.get(_url(session)).content.decode()
    options = _options(page)
    expected = f"{dossier.number} — J. D.-L. — {format_eur(Decimal(1200))} — permis de conduire"
    assert expected in options, options
    assert "Jeanne" not in page and "Dufour" not in page


def test_the_agenda_forms_query_count_does_not_grow_with_the_dossiers(
    people, client, count_queries
) -> None:  # type: ignore[no-untyped-def]
    ready_dossier(people.referent)
    session = open_session(people)
    client.force_login(people.agent)
    counts = []
    for total in (1, 6):
        while len(_options(client.get(_url(session)).content.decode())) < total:
            ready_dossier(people.referent)
        counts.append(count_queries(lambda: client.get(_url(session))))
    assert counts[0] == counts[1], counts


def test_the_repeated_controls_of_the_agenda_say_which_dossier(people, client) -> None:  # type: ignore[no-untyped-def]
    first, second = ready_dossier(people.referent), ready_dossier(people.referent)
    session = open_session(people)
    _build(people, session)
    numbers = (first.number, second.number)

    client.force_login(people.member)  # present: decides
    page = client.get(_url(session)).content.decode()
    for number in numbers:
        hidden = f'<span class="visually-hidden"> sur le dossier {number}</span>'
        assert re.search(r"Enregistrer la décision\s*" + re.escape(hidden), page), number
        assert re.search(r"Décision\s*" + re.escape(hidden), page), number
        assert f'fiche PDF<span class="visually-hidden"> du dossier {number}</span>' in page

    client.force_login(people.agent)  # organises: removes
    page = client.get(_url(session)).content.decode()
    for number in numbers:
        hidden = f'<span class="visually-hidden"> le dossier {number}</span>'
        assert re.search(r"Retirer de l.ordre du jour\s*" + re.escape(hidden), page), number


def test_the_summary_counts_the_criteria_met(people, client) -> None:  # type: ignore[no-untyped-def]
    session = open_session(people)
    ready_dossier(people.referent)
    (item,) = _build(people, session)
    client.force_login(people.member)
    page = client.get(f"/commission/point/{item.pk}/").content.decode()
    assert "7 critères remplis sur 7" in page
    assert "tous les critères sont remplis" not in page.lower()
