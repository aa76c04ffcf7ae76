"""The dossier list at scale (#19): the same number of queries at 10 and at 1,000 dossiers,
never more rows than a page, the search by number apart from the search by name, and the
indexes that back them on both databases."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from microcredit.accounts.enums import Role
from microcredit.accounts.models import User
from microcredit.applicants.models import Applicant
from microcredit.dossiers import selectors
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier
from microcredit.dossiers.services import NUMBER_PREFIX
from tests.factories import bulk_dossiers

ROW = re.compile(r'<a href="/dossiers/\d+/">')


def test_a_number_typed_is_looked_up_by_number_and_anything_else_by_name() -> None:
    exact, prefix, sequence = selectors.EXACT, selectors.PREFIX, selectors.SEQUENCE
    assert selectors.number_searched("MC-2026-00042") == ("MC-2026-00042", exact)
    assert selectors.number_searched(" mc-2026-00042 ") == ("MC-2026-00042", exact)
    assert selectors.number_searched("MC-2026-000") == ("MC-2026-000", prefix)
    assert selectors.number_searched("MC 2026") == ("MC-2026", prefix)
    assert selectors.number_searched("2026-00042") == (f"{NUMBER_PREFIX}-2026-00042", exact)
    assert selectors.number_searched("42") == ("-00042", sequence)
    assert selectors.number_searched("00042") == ("-00042", sequence)
    for name in ("Dupont", "eloise fayolle", "Mc Donald", "123456", "MC-20", ""):
        assert selectors.number_searched(name) is None, name


@pytest.mark.django_db
def test_the_list_and_its_searches_make_as_many_queries_at_10_as_at_1000_dossiers(
    client_for, count_queries
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(Role.REFERENT)
    url = reverse("dossiers:list")
    pages = {
        "list": lambda: client.get(url),
        "state": lambda: client.get(url, {"etat": DossierState.values[0]}),
        "mine": lambda: client.get(url, {"mes": "1"}),
        "page 2": lambda: client.get(url, {"page": "2"}),
        "filtered": lambda: client.get(url, {"categorie": "mobilite"}),
        "name": lambda: client.post(url, {"q": "Éloïse"}, follow=True),
        "two words": lambda: client.post(url, {"q": "volume1 eloise"}, follow=True),
        "number": lambda: client.post(url, {"q": "MC-2025-00003"}, follow=True),
        "number prefix": lambda: client.post(url, {"q": "mc-2025-0000"}, follow=True),
        "sequence": lambda: client.post(url, {"q": "7"}, follow=True),
    }
    counts: dict[int, dict[str, int]] = {}
    for total in (10, 1000):
        bulk_dossiers(client.user, total)
        for name, page in pages.items():
            response = page()
            assert response.status_code == 200, name
            rows = len(ROW.findall(response.content.decode()))
            assert 0 < rows <= selectors.PAGE_SIZE, (name, rows)
        # Counted once each page has been seen (the counts per state are then cached: a
        # first view makes one more query, whatever the number of dossiers).
        counts[total] = {name: count_queries(page) for name, page in pages.items()}
    assert counts[10] == counts[1000], counts
    # What each search found: one dossier by its number, ten by a prefix, half by a name.
    assert (
        selectors.dossier_list(client.user, _membership(client.user), query="MC-2025-00003").count()
        == 1
    )
    found = selectors.dossier_list(client.user, _membership(client.user), query="mc-2025-0000")
    assert found.count() == 10
    by_name = selectors.dossier_list(client.user, _membership(client.user), query="eloise")
    assert by_name.count() == 500


@pytest.mark.django_db
def test_the_total_comes_from_the_counts_per_state_unless_something_narrows_the_list(
    client_for,
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(Role.REFERENT)
    bulk_dossiers(client.user, 30, states=(DossierState.RECEPTION, DossierState.DIAGNOSIS))
    url = reverse("dossiers:list")
    assert client.get(url).context["page"].paginator.count == 30
    state = client.get(url, {"etat": DossierState.DIAGNOSIS}).context["page"]
    assert state.paginator.count == 15 and len(state.object_list) == 15
    searched = client.post(url, {"q": "volume2"}, follow=True).context["page"]
    # volume2 and volume20–29: counted by the search itself.
    assert searched.paginator.count == 11


@pytest.mark.django_db
def test_the_counts_per_state_are_counted_again_only_when_a_state_changes(
    client_for, count_queries
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(Role.REFERENT)
    bulk_dossiers(client.user, 12, states=(DossierState.RECEPTION, DossierState.DIAGNOSIS))
    membership = _membership(client.user)
    first = count_queries(lambda: selectors.state_counts(client.user, membership))
    assert count_queries(lambda: selectors.state_counts(client.user, membership)) == first - 1
    assert selectors.state_counts(client.user, membership) == {"reception": 6, "diagnosis": 6}
    moved = Dossier.objects.filter(state=DossierState.RECEPTION).order_by("id").first()
    assert moved is not None
    moved.state, moved.state_changed_at = DossierState.DIAGNOSIS, timezone.now()
    moved.save()
    assert selectors.state_counts(client.user, membership) == {"reception": 5, "diagnosis": 7}
    assert selectors.referent_state_counts(client.user, membership) == {
        "reception": 5,
        "diagnosis": 7,
    }


def _membership(user: User):  # type: ignore[no-untyped-def]
    return user.memberships.get(active=True)


@pytest.mark.django_db
def test_the_search_name_has_a_trigram_index_on_postgresql_and_an_ordinary_one_elsewhere() -> None:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Applicant._meta.db_table)
    index = constraints["applicant_search_name_trgm"]
    assert index["index"] and index["columns"] == ["search_name"]
    if connection.vendor == "postgresql":
        assert index["type"] == "gin"
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
            assert cursor.fetchone() is not None
    else:
        assert index["type"] != "gin"
    dossier_indexes = {name for name, c in _dossier_constraints().items() if c["index"]}
    assert {
        "dossier_org_list",
        "dossier_org_state_list",
        "dossier_referent_list",
        "dossier_number_prefix",
        "dossier_number_trgm",
        "dossier_bank_list",
        "dossier_bank_state_list",
        "dossier_bank_transmitted",
    } <= dossier_indexes


def _dossier_constraints() -> dict[str, dict]:  # type: ignore[type-arg]
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, Dossier._meta.db_table)  # type: ignore[no-any-return]
