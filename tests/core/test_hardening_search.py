"""F6 (#17): the dossier search keeps names out of every URL (hence out of the web server's
logs): a POST, the terms kept in the session, a redirect to an opaque address; pagination,
filters, reload, back button and bookmarks keep working. A dossier number may stay in the URL."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from microcredit.accounts.enums import Role
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.selectors import PAGE_SIZE
from tests.factories import make_applicant, make_dossier

pytestmark = pytest.mark.django_db
LIST = "/dossiers/"
NAME = re.compile(r"fayolle|eloise|%C3%89lo|éloïse", re.IGNORECASE)


def _urls_in(html: str) -> list[str]:
    return re.findall(r'(?:href|action)="([^"]*)"', html)


@pytest.fixture
def setup(client: Client, make_user, saint_etienne):  # type: ignore[no-untyped-def]
    referent = make_user(Role.REFERENT)
    fayolle = make_applicant(
        organisation=saint_etienne, created_by=referent, last_name="Fayolle", first_name="Éloïse"
    )
    theirs = [
        make_dossier(created_by=referent, applicant=fayolle, referent=referent)
        for _ in range(PAGE_SIZE + 3)
    ]
    other = make_dossier(created_by=referent, referent=referent)
    client.force_login(referent)
    return client, referent, theirs, other


def _search(client: Client, data: dict[str, str]):  # type: ignore[no-untyped-def]
    response = client.post(LIST, data, follow=True)
    visited = [url for url, _status in response.redirect_chain]
    return response, visited


def test_no_name_in_any_url_of_the_search_flow(setup) -> None:  # type: ignore[no-untyped-def]
    client, _referent, theirs, other = setup
    response, visited = _search(client, {"q": "Éloïse Fayolle", "etat": ""})
    assert response.status_code == 200
    assert [status for _url, status in response.redirect_chain] == [303]
    page = response.content.decode()
    # The results: theirs, not the other's; the form shows the terms back.
    assert theirs[-1].number in page and other.number not in page
    assert 'value="Éloïse Fayolle"' in page
    # Page 2 through the page's own link, then a reload and the back button (the same URLs).
    links = _urls_in(page)
    next_page = next(u for u in links if "page=2" in u)
    page_2 = client.get(next_page.replace("&amp;", "&"))
    assert page_2.status_code == 200
    shown = re.findall(r"MC-\d{4}-\d+", page_2.content.decode())
    assert shown and set(shown) <= {d.number for d in theirs}
    again = client.get(visited[0])
    assert again.content.decode().count(theirs[-1].number) == page.count(theirs[-1].number)
    every_url = visited + links + _urls_in(page_2.content.decode()) + [next_page]
    assert [u for u in every_url if NAME.search(u)] == []
    assert "recherche" in parse_qs(urlsplit(visited[0]).query)


def test_state_and_filters_go_along_with_the_search(setup) -> None:  # type: ignore[no-untyped-def]
    client, _referent, _theirs, _other = setup
    _response, visited = _search(
        client, {"q": "fayolle", "etat": DossierState.RECEPTION, "mes": "1", "en_cours": "1"}
    )
    query = parse_qs(urlsplit(visited[0]).query)
    assert query["etat"] == [DossierState.RECEPTION]
    assert query["mes"] == ["1"] and query["en_cours"] == ["1"]
    assert set(query) == {"etat", "mes", "en_cours", "recherche"}
    assert not NAME.search(visited[0])


def test_the_same_terms_give_the_same_address(setup) -> None:  # type: ignore[no-untyped-def]
    client, *_rest = setup
    first = _search(client, {"q": "fayolle"})[1]
    second = _search(client, {"q": "fayolle"})[1]
    other = _search(client, {"q": "dupont"})[1]
    assert first == second != other


def test_a_dossier_number_may_stay_in_the_url(setup) -> None:  # type: ignore[no-untyped-def]
    client, _referent, theirs, _other = setup
    response, visited = _search(client, {"q": theirs[0].number})
    assert parse_qs(urlsplit(visited[0]).query) == {"q": [theirs[0].number]}
    page = response.content.decode()
    assert theirs[0].number in page and theirs[1].number not in page


def test_a_name_in_an_old_address_is_moved_out_of_it(setup) -> None:  # type: ignore[no-untyped-def]
    client, _referent, theirs, other = setup
    response = client.get(LIST, {"q": "fayolle", "etat": ""}, follow=True)
    assert response.status_code == 200
    assert [s for _u, s in response.redirect_chain] == [303]
    assert not NAME.search(response.redirect_chain[0][0])
    page = response.content.decode()
    assert any(d.number in page for d in theirs) and other.number not in page


def test_a_bookmarked_search_in_another_session_says_it_is_gone(setup, make_user) -> None:  # type: ignore[no-untyped-def]
    client, _referent, _theirs, other = setup
    bookmark = _search(client, {"q": "fayolle"})[1][0]
    later = Client()
    later.force_login(make_user(Role.REFERENT, username="autre-referent"))
    page = later.get(bookmark).content.decode()
    assert re.search(r"Cette recherche n.est plus disponible", page)
    # Listed without the search (the form is empty), never with another session's terms.
    assert re.search(r'name="q"\s+value=""', page)
    assert other.number in page


def test_the_search_form_is_a_csrf_protected_post(setup) -> None:  # type: ignore[no-untyped-def]
    client, referent, _theirs, _other = setup
    page = client.get(LIST).content.decode()
    form = re.search(r'<form method="post"\s+action="/dossiers/"\s+role="search"', page)
    assert form is not None and "csrfmiddlewaretoken" in page
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(referent)
    assert strict.post(LIST, {"q": "fayolle"}).status_code == 403
