"""The application shell: health check, role home pages, CSP, theme, deploy checks, demo data."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import DatabaseError
from django.urls import reverse

from microcredit.accounts.enums import Role

pytestmark = pytest.mark.django_db


def test_healthz_checks_the_database(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_fails(client) -> None:  # type: ignore[no-untyped-def]
    with mock.patch("microcredit.shell.views.connection.cursor", side_effect=DatabaseError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503


HOME_HEADINGS = {
    Role.REFERENT: "Espace du référent micro-crédit",
    Role.AGENT: "Espace de l&#x27;agent administratif",
    Role.DIRECTOR: "Espace de la direction",
    Role.COMMITTEE_MEMBER: "Espace de la Commission Permanente",
    Role.BANK_ADVISER: "Espace du partenaire bancaire",
    Role.PARTNER_WORKER: "Espace du travailleur social partenaire",
    Role.ADMIN: "Administration technique",
    Role.DPO: "Espace de la protection des données",
}


@pytest.mark.parametrize("role", list(Role))
def test_each_role_has_its_home_page_with_a_next_step(client_for, role) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(datetime(2026, 1, 15, 9, tzinfo=ZoneInfo("Europe/Paris")), tick=False):
        # (On a day of the quarter of the scheme's latest usury thresholds: the director has
        # nothing to update.)
        content = client_for(role).get(reverse("shell:home")).content.decode()
    heading = HOME_HEADINGS[role].replace("&#x27;", "'")
    assert heading in content
    assert 'class="empty-state"' in content
    assert 'href="#contenu"' in content and 'id="contenu"' in content  # skip link and its target


def test_a_user_without_role_is_told_what_to_do(client_for) -> None:  # type: ignore[no-untyped-def]
    content = client_for(None).get(reverse("shell:home")).content.decode()
    assert "aucun rôle" in content


def test_pages_carry_a_strict_content_security_policy(client) -> None:  # type: ignore[no-untyped-def]
    policy = client.get(reverse("accounts:login"))["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_the_shell_shows_the_organisation_and_its_theme(client_for) -> None:  # type: ignore[no-untyped-def]
    content = client_for(Role.REFERENT).get(reverse("shell:home")).content.decode()
    assert "CCAS de Saint-Étienne" in content
    css = client_for(Role.AGENT, username="a2").get("/theme/ccas-saint-etienne.css")
    assert css["Content-Type"].startswith("text/css")
    assert "--pico-primary:#1e40af" in css.content.decode()


def test_english_locale_translates_the_shell(client) -> None:  # type: ignore[no-untyped-def]
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    content = client.get(reverse("accounts:login")).content.decode()
    assert "Skip to content" in content
    assert "Log in" in content


@pytest.mark.django_db(transaction=False)
def test_check_deploy_with_production_settings_only_warns_about_hsts_preload() -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "SECRET_KEY": "x" * 20 + "-a-long-random-production-secret-for-the-check-" + "y" * 20,
        "ALLOWED_HOSTS": "micro-credit.example.org",
    }
    result = subprocess.run(
        [sys.executable, "-m", "microcredit.cli", "check", "--deploy"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    output = result.stdout + result.stderr
    warnings = [line for line in output.splitlines() if "(security." in line]
    assert [w.split(")")[0] for w in warnings] == ["?: (security.W021"], output


def test_the_suite_runs_on_the_database_it_announces() -> None:
    """`make test` runs twice; the PostgreSQL run must really use PostgreSQL."""
    from django.db import connection

    expected = (
        "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    )
    assert connection.vendor == expected
    print(f"\nbase de données des tests : {connection.vendor}")  # noqa: T201
