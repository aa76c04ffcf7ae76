"""The idle expiry pushed back once a minute, not on every request (SessionRefreshMiddleware)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from microcredit.accounts.enums import Role

pytestmark = pytest.mark.django_db


def session_writes(queries: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if "django_session" in q["sql"] and not q["sql"].lstrip().upper().startswith("SELECT")
    ]


def expiry(client) -> datetime:  # type: ignore[no-untyped-def]
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_a_page_within_the_minute_does_not_write_the_session(client_for, settings) -> None:  # type: ignore[no-untyped-def]
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        client = client_for(Role.REFERENT)
        assert client.get(reverse("shell:home")).status_code == 200  # the first push
    pushed = expiry(client)
    assert pushed == start + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    with (
        time_machine.travel(
            start + timedelta(seconds=settings.SESSION_REFRESH_AFTER - 1), tick=False
        ),
        CaptureQueriesContext(connection) as queries,
    ):
        assert client.get(reverse("shell:home")).status_code == 200
    assert session_writes(queries) == []
    assert expiry(client) == pushed


def test_a_page_a_minute_later_pushes_the_expiry_back_once(client_for, settings) -> None:  # type: ignore[no-untyped-def]
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        client = client_for(Role.REFERENT)
        client.get(reverse("shell:home"))
    later = start + timedelta(seconds=settings.SESSION_REFRESH_AFTER)
    with time_machine.travel(later, tick=False), CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("shell:home")).status_code == 200
    assert len(session_writes(queries)) == 1
    assert expiry(client) == later + timedelta(seconds=settings.SESSION_COOKIE_AGE)


def test_the_time_the_page_counts_on_is_always_there(client_for, settings) -> None:  # type: ignore[no-untyped-def]
    """A request just before the minute is up does not push the expiry back; the session still
    lasts the time the page's warning counts (data-session-seconds) after it, and not more than
    the idle expiry after the last push."""
    age, refresh = settings.SESSION_COOKIE_AGE, settings.SESSION_REFRESH_AFTER
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        client = client_for(Role.REFERENT)
        client.get(reverse("shell:home"))
    last = start + timedelta(seconds=refresh - 1)
    with time_machine.travel(last, tick=False):
        page = client.get(reverse("shell:home"))
    counted = age - refresh
    assert f'data-session-seconds="{counted}"' in page.content.decode()
    with time_machine.travel(last + timedelta(seconds=counted - 1), tick=False):
        assert client.get(reverse("shell:home")).status_code == 200  # pushes it back
    with time_machine.travel(last + timedelta(seconds=counted - 1 + age + 1), tick=False):
        response = client.get(reverse("shell:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_change_to_the_session_is_saved_at_once(client_for, settings) -> None:  # type: ignore[no-untyped-def]
    """« Rester connecté » (a modified session) pushes the expiry back even within the minute."""
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        client = client_for(Role.REFERENT)
        client.get(reverse("shell:home"))
    soon = start + timedelta(seconds=5)
    with time_machine.travel(soon, tick=False):
        assert client.post(reverse("accounts:session_keep_alive")).status_code == 204
    assert expiry(client) == soon + timedelta(seconds=settings.SESSION_COOKIE_AGE)


def test_an_anonymous_visit_creates_no_session(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get(reverse("accounts:login")).status_code == 200
    assert client.get("/healthz?check=database").status_code == 200
    assert not Session.objects.exists()


def test_a_stale_cookie_creates_no_session(client) -> None:  # type: ignore[no-untyped-def]
    client.cookies["sessionid"] = "nosuchsessionkeyatallxxxxxxxxxxxx"
    assert client.get("/healthz?check=database").status_code == 200
    assert client.get(reverse("accounts:login")).status_code == 200
    assert not Session.objects.exists()
