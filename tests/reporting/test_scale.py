"""Issue #19 (scale), the bilan's side: the dashboard's bilan kept a few minutes in the cache
(microcredit.reporting.cache), and the exports read in chunks with the same queries at 10 and at
1,000 rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from microcredit.accounts.enums import Role
from microcredit.applicants.models import Applicant
from microcredit.dossiers.models import Dossier
from microcredit.dossiers.rules import format_dossier_number
from microcredit.organisations.models import Organisation
from microcredit.reporting import cache as bilan_cache
from microcredit.reporting.rules import Period
from tests.factories import make_dossier, make_second_bank

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
URL = reverse("reporting:statistics")
YEAR_2025 = {"periode": "dates", "du": "2025-01-01", "au": "2025-12-31"}
PERIOD_2025 = Period(date(2025, 1, 1), date(2025, 12, 31))
NOW = datetime(2026, 3, 2, 10, 42, 5, tzinfo=PARIS)


@pytest.fixture
def director(client_for: Callable[..., Client]) -> Client:
    return client_for(Role.DIRECTOR)


def _received(client: Client, **params: str) -> int:
    response = client.get(URL, params or YEAR_2025)
    assert response.status_code == 200
    return int(response.context["figures"].received)


# --- The dashboard's cache ----------------------------------------------------------------------


def test_the_second_render_reads_the_kept_bilan(
    director: Client, count_queries: Callable[[Callable[[], object]], int]
) -> None:
    user = director.user  # type: ignore[attr-defined]
    make_dossier(created_by=user, application_date=date(2025, 3, 1))
    with time_machine.travel(NOW, tick=False):
        first = count_queries(lambda: _received(director))
        second = count_queries(lambda: _received(director))
        response = director.get(URL, YEAR_2025)
    # The bilan's own queries (about 25) are not made again: only the session, the user, the
    # filter's schemes.
    assert first - second >= 20, (first, second)
    assert response.context["figures"].received == 1
    assert "Chiffres calculés le 02/03/2026 à 10 h 42" in response.content.decode()


def test_the_charts_are_drawn_once_per_computed_bilan(
    director: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: list[object] = []
    draw = bilan_cache.bilan_charts
    monkeypatch.setattr(
        bilan_cache, "bilan_charts", lambda figures: drawn.append(1) or draw(figures)
    )
    with time_machine.travel(NOW, tick=False):
        for _ in range(2):
            response = director.get(URL, YEAR_2025)
            assert response.status_code == 200
            assert response.context["charts"]
    assert len(drawn) == 1


def test_a_new_dossier_shows_after_the_kept_time_and_not_before(director: Client) -> None:
    user = director.user  # type: ignore[attr-defined]
    make_dossier(created_by=user, application_date=date(2025, 3, 1))
    with time_machine.travel(NOW, tick=False):
        assert _received(director) == 1
    make_dossier(created_by=user, application_date=date(2025, 4, 1))
    with time_machine.travel(NOW + timedelta(seconds=bilan_cache.BILAN_CACHE_SECONDS - 1)):
        assert _received(director) == 1  # kept: at most BILAN_CACHE_SECONDS old
    with time_machine.travel(NOW + timedelta(seconds=bilan_cache.BILAN_CACHE_SECONDS + 1)):
        assert _received(director) == 2


def test_an_entry_older_than_the_bound_is_never_shown(saint_etienne: Organisation) -> None:
    """Even when the cache backend keeps it (a longer timeout, a clock gone back)."""
    org = [saint_etienne.pk]
    with time_machine.travel(NOW, tick=False):
        kept = bilan_cache.bilan_cached(organisation_ids=org, period=PERIOD_2025, today=NOW.date())
    key = bilan_cache.bilan_cache_key(
        organisation_ids=org, period=PERIOD_2025, programme_id=None, today=NOW.date()
    )
    later = NOW + timedelta(seconds=bilan_cache.BILAN_CACHE_SECONDS + 1)
    with time_machine.travel(later, tick=False):
        cache.set(key, kept, 3600)
        again = bilan_cache.bilan_cached(organisation_ids=org, period=PERIOD_2025, today=NOW.date())
    assert again.computed_at == later


def test_recompute_now(director: Client) -> None:
    user = director.user  # type: ignore[attr-defined]
    make_dossier(created_by=user, application_date=date(2025, 3, 1))
    with time_machine.travel(NOW, tick=False):
        assert _received(director) == 1
        make_dossier(created_by=user, application_date=date(2025, 4, 1))
        assert _received(director) == 1
        query = "periode=dates&du=2025-01-01&au=2025-12-31"
        response = director.post(f"{URL}?{query}")
        assert response.status_code == 302
        assert response["Location"] == f"{URL}?{query}"
        assert _received(director) == 2


def test_periods_schemes_and_organisations_do_not_share_an_entry(
    director: Client, saint_etienne: Organisation
) -> None:
    user = director.user  # type: ignore[attr-defined]
    make_dossier(created_by=user, application_date=date(2025, 3, 1))
    _bank, other_programme = make_second_bank(saint_etienne, slug="banque-echelle")
    with time_machine.travel(NOW, tick=False):
        assert _received(director) == 1
        assert _received(director, periode="dates", du="2025-03-02", au="2025-12-31") == 0
        assert _received(director, periode="dates", du="2025-01-01", au="2025-02-28") == 0
        assert _received(director, **YEAR_2025, dispositif=str(other_programme.pk)) == 0
        assert _received(director) == 1
        other = Organisation.objects.exclude(pk=saint_etienne.pk).first()
        assert other is not None
        figures = bilan_cache.bilan_cached(
            organisation_ids=[other.pk], period=PERIOD_2025, today=NOW.date()
        ).figures
        assert figures.organisation_ids == (other.pk,)
        assert figures.received == 0


def test_the_key_holds_every_input() -> None:
    base: dict[str, Any] = {
        "organisation_ids": [3, 1],
        "period": PERIOD_2025,
        "programme_id": None,
        "today": date(2026, 3, 2),
        "language": "fr",
    }
    key = bilan_cache.bilan_cache_key(**base)
    assert key == bilan_cache.bilan_cache_key(**{**base, "organisation_ids": [1, 3, 3]})
    changes: list[dict[str, Any]] = [
        {"organisation_ids": [1]},
        {"organisation_ids": [1, 3, 4]},
        {"period": Period(date(2025, 1, 2), date(2025, 12, 31))},
        {"period": Period(date(2025, 1, 1), date(2025, 12, 30))},
        {"programme_id": 7},
        {"today": date(2026, 3, 3)},
        {"language": "en"},
    ]
    keys = {bilan_cache.bilan_cache_key(**{**base, **change}) for change in changes}
    assert key not in keys
    assert len(keys) == len(changes)


def test_the_page_is_for_the_director_only_in_post_too(client_for: Callable[..., Client]) -> None:
    assert client_for(Role.REFERENT).post(URL).status_code == 403


# --- The exports at 10 and 1,000 rows -----------------------------------------------------------


def _many_dossiers(template: Dossier, n: int, start: int) -> None:
    """`n` more dossiers of 2025 like `template`, each with its own applicant (bulk inserts)."""
    person = {
        f.attname: getattr(template.applicant, f.attname) for f in Applicant._meta.concrete_fields
    }
    applicants = [
        Applicant(
            **(person | {"id": None, "last_name": f"Nom{i:05d}", "search_name": f"nom{i:05d}"})
        )
        for i in range(start, start + n)
    ]
    created = Applicant.objects.bulk_create(applicants)
    dossiers = []
    for i, person in zip(range(start, start + n), created, strict=True):
        values = {f.attname: getattr(template, f.attname) for f in Dossier._meta.concrete_fields}
        values |= {
            "id": None,
            "applicant_id": person.pk,
            "number": format_dossier_number("ECH", 2025, i),
            "application_date": date(2025, 1, 1) + timedelta(days=i % 365),
            "requested_amount": template.requested_amount + i,
        }
        dossiers.append(Dossier(**values))
    Dossier.objects.bulk_create(dossiers)


def _csv_rows(client: Client) -> list[dict[str, str]]:
    response = client.get(reverse("reporting:export", args=["dossiers", "csv"]), YEAR_2025)
    assert response.status_code == 200
    assert response.streaming
    content = b"".join(response.streaming_content).decode("utf-8")
    reader = csv.DictReader(io.StringIO(content.removeprefix("\ufeff")), delimiter=";")
    return list(reader)


def test_the_csv_export_makes_the_same_queries_at_10_and_1000_rows(
    director: Client, count_queries: Callable[[Callable[[], object]], int]
) -> None:
    user = director.user  # type: ignore[attr-defined]
    template = make_dossier(created_by=user, application_date=date(2025, 1, 1))
    _many_dossiers(template, 9, 1)
    few = count_queries(lambda: _csv_rows(director))
    _many_dossiers(template, 990, 10)
    many = count_queries(lambda: _csv_rows(director))
    assert few == many
    rows = _csv_rows(director)
    assert len(rows) == 1000
    by_number = {row["Numéro du dossier"]: row for row in rows}
    assert len(by_number) == 1000
    row = by_number[format_dossier_number("ECH", 2025, 777)]
    assert row["Date de la demande"] == (date(2025, 1, 1) + timedelta(days=777 % 365)).strftime(
        "%d/%m/%Y"
    )
    assert row["Montant demandé (€)"] == f"{template.requested_amount + 777:.2f}".replace(".", ",")
    assert "Nom00777" not in "".join(row.values())  # minimised: no name
    dates = [date(*map(int, reversed(r["Date de la demande"].split("/")))) for r in rows]
    assert dates == sorted(dates)  # by application date
