"""« Rester connecté » in the idle-expiry warning: a POST that restarts the session's idle time."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from microcredit.accounts.enums import Role

pytestmark = pytest.mark.django_db

URL = "/compte/session/prolonger/"


def test_the_address_app_js_falls_back_on_is_the_endpoint(settings) -> None:  # type: ignore[no-untyped-def]
    assert reverse("accounts:session_keep_alive") == URL
    script = settings.BASE_DIR / "microcredit" / "static" / "js" / "app.js"
    assert f'url: "{URL}"' in script.read_text(encoding="utf-8")


def test_signed_in_post_answers_204_and_restarts_the_idle_time(client_for, settings) -> None:  # type: ignore[no-untyped-def]
    age = settings.SESSION_COOKIE_AGE
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = client_for(Role.REFERENT)
        assert client.get(reverse("shell:home")).status_code == 200
    with time_machine.travel(start + timedelta(seconds=age - 60), tick=False):
        response = client.post(URL)
        assert response.status_code == 204
        assert response.content == b""
    # Past the first limit, but within the one restarted by the keep-alive: still signed in.
    with time_machine.travel(start + timedelta(seconds=2 * age - 120), tick=False):
        assert client.get(reverse("shell:home")).status_code == 200


def test_without_it_the_session_ends(client_for, settings) -> None:  # type: ignore[no-untyped-def]
    age = settings.SESSION_COOKIE_AGE
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = client_for(Role.REFERENT)
        assert client.get(reverse("shell:home")).status_code == 200
    with time_machine.travel(start + timedelta(seconds=age + 60), tick=False):
        response = client.post(URL)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_anonymous_is_sent_to_login(client) -> None:  # type: ignore[no-untyped-def]
    response = client.post(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_post_only(client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(Role.AGENT)
    assert client.get(URL).status_code == 405


def test_csrf_is_enforced(make_user) -> None:  # type: ignore[no-untyped-def]
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user(Role.AGENT))
    assert client.post(URL).status_code == 403
    client.get(reverse("shell:home"))  # sets the csrftoken cookie, as any page does
    token = client.cookies["csrftoken"].value
    assert client.post(URL, headers={"X-CSRFToken": token}).status_code == 204


def test_the_warning_texts_are_translated() -> None:
    with translation.override("fr"):
        french = render_to_string("accounts/_session_warning.html")
    assert 'id="session-warning-template"' in french
    assert "Votre session expire dans 2 minutes sans activité." in french
    assert f'data-url="{URL}"' in french
    assert "Rester connecté" in french
