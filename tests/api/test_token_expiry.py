"""F7 (#17): API tokens expire (MICROCREDIT_API_TOKEN_LIFETIME_DAYS after creation), keep their
last use to the minute, and each token is throttled (MICROCREDIT_API_THROTTLE_RATE): real
request sequences through the API."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from microcredit.api.models import ApiToken
from microcredit.api.services import api_token_create
from tests.api.conftest import ApiClient
from tests.factories import make_api_token, membership_of, migrate

LIST = "/api/v1/dossiers"
UTC = ZoneInfo("UTC")
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # 09:00 in Paris


@pytest.fixture(autouse=True)
def _fresh_throttle_window() -> None:
    cache.clear()


@pytest.mark.django_db
def test_a_token_expires_its_lifetime_after_creation(adviser, settings) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(START, tick=False):
        token, _clear = api_token_create(
            actor=adviser, membership=membership_of(adviser), label="Un an"
        )
        assert token.expires_at == START + timedelta(days=365)
        settings.MICROCREDIT_API_TOKEN_LIFETIME_DAYS = 30
        short, _clear = api_token_create(
            actor=adviser, membership=membership_of(adviser), label="Un mois"
        )
        assert short.expires_at == START + timedelta(days=30)


@pytest.mark.django_db
def test_an_expired_token_is_401_naming_its_expiry(adviser) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(START, tick=False):
        api = ApiClient(make_api_token(adviser))
        assert api.get(LIST).status_code == 200
    # The day before the expiry it still works; at the expiry it no longer does.
    with time_machine.travel(START + timedelta(days=364), tick=False):
        assert api.get(LIST).status_code == 200
    with time_machine.travel(START + timedelta(days=365), tick=False):
        response = api.get(LIST)
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "token_expired"
    assert body["message"] == (
        "Ce jeton a expiré le 02/03/2027 à 09:00 : créez-en un nouveau sur la page « Jetons "
        "d'API »."
    )
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_last_use_is_written_at_most_once_a_minute(adviser) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(START, tick=False):
        api = ApiClient(make_api_token(adviser))
        token = ApiToken.objects.get()
        assert token.last_used_at is None
        api.get(LIST)
        token.refresh_from_db()
        assert token.last_used_at == START

    def token_updates(when: datetime) -> int:
        with time_machine.travel(when, tick=False), CaptureQueriesContext(connection) as queries:
            assert api.get(LIST).status_code == 200
        return sum(
            1 for q in queries if q["sql"].startswith("UPDATE") and "api_apitoken" in q["sql"]
        )

    assert token_updates(START + timedelta(seconds=30)) == 0
    token.refresh_from_db()
    assert token.last_used_at == START
    assert token_updates(START + timedelta(seconds=61)) == 1
    token.refresh_from_db()
    assert token.last_used_at == START + timedelta(seconds=61)


@pytest.mark.django_db
def test_each_token_is_throttled_with_a_french_429_and_retry_after(adviser, settings) -> None:  # type: ignore[no-untyped-def]
    settings.MICROCREDIT_API_THROTTLE_RATE = "3/m"
    first = ApiClient(make_api_token(adviser, label="Premier"))
    second = ApiClient(make_api_token(adviser, label="Second"))
    with time_machine.travel(START, tick=False):
        assert [first.get(LIST).status_code for _ in range(3)] == [200, 200, 200]
    with time_machine.travel(START + timedelta(seconds=20), tick=False):
        refused = first.get(LIST)
        # Another token of the same adviser has its own count.
        assert second.get(LIST).status_code == 200
    assert refused.status_code == 429
    assert refused["Retry-After"] == "40"
    assert refused.json() == {
        "code": "too_many_requests",
        "message": "Trop d'appels avec ce jeton (au plus 3/m) : réessayez dans 40 seconde(s).",
    }
    assert refused["Cache-Control"] == "no-store"
    # Once the minute of the first calls is over, the token works again.
    with time_machine.travel(START + timedelta(seconds=61), tick=False):
        assert first.get(LIST).status_code == 200


@pytest.mark.django_db
def test_an_unknown_token_is_not_throttled_but_refused(adviser, settings) -> None:  # type: ignore[no-untyped-def]
    settings.MICROCREDIT_API_THROTTLE_RATE = "1/m"
    stranger = ApiClient("mc_" + "x" * 43)
    assert [stranger.get(LIST).status_code for _ in range(3)] == [401, 401, 401]


@pytest.mark.django_db
def test_the_token_page_shows_expiry_and_last_use(client, adviser) -> None:  # type: ignore[no-untyped-def]
    client.force_login(adviser)
    with time_machine.travel(START, tick=False):
        page = client.post(reverse("api:tokens"), {"label": "Production"}).content.decode()
        assert "Il expire le 02/03/2027 09:00" in page
        clear = page.split('id="clear-token" type="text" readonly value="')[1].split('"')[0]
        ApiClient(clear).get(LIST)
    with time_machine.travel(START + timedelta(days=400), tick=False):
        client.force_login(adviser)  # the first session has long expired
        page = client.get(reverse("api:tokens")).content.decode()
    assert "Expire le" in page and "02/03/2027 09:00" in page
    assert "Dernière utilisation" in page and "02/03/2026 09:00" in page
    assert "expiré : créez-en un autre" in page


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_existing_tokens_an_expiry(adviser, settings) -> None:  # type: ignore[no-untyped-def]
    make_api_token(adviser, label="Ancien")
    make_api_token(adviser, label="Récent")
    created = {
        "Ancien": datetime(2025, 1, 15, 8, 30, tzinfo=UTC),
        "Récent": datetime(2026, 11, 1, 14, 0, tzinfo=UTC),
    }
    for label, when in created.items():
        ApiToken.objects.filter(label=label).update(created_at=when)
    migrate(("api", "0001_initial"))
    try:
        settings.MICROCREDIT_API_TOKEN_LIFETIME_DAYS = 365
        migrate(("api", "0002_token_expiry"))
        # The api app's schema is now its latest one: the model reads it.
        expires = dict(ApiToken.objects.values_list("label", "expires_at"))
        assert expires == {label: when + timedelta(days=365) for label, when in created.items()}
    finally:
        migrate(None)
