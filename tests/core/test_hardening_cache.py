"""F5 (#17): no answer holding personal data may be kept by a browser or a proxy: every page of
a signed-in user and every API answer say `Cache-Control: no-store`; static files, the theme
and the logo stay cacheable."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from microcredit.accounts.enums import Role
from tests.factories import make_api_token, make_applicant, make_dossier, make_transmitted_dossier

pytestmark = pytest.mark.django_db


def _no_store(response) -> bool:  # type: ignore[no-untyped-def]
    return "no-store" in response.get("Cache-Control", "") and response["Pragma"] == "no-cache"


def test_pages_of_signed_in_users_are_not_stored(client: Client, make_user, saint_etienne) -> None:  # type: ignore[no-untyped-def]
    referent = make_user(Role.REFERENT)
    applicant = make_applicant(organisation=saint_etienne, created_by=referent)
    dossier = make_dossier(created_by=referent, applicant=applicant, referent=referent)
    client.force_login(referent)
    pages = [
        reverse("shell:home"),
        reverse("dossiers:list"),
        reverse("dossiers:list") + "?state=reception",
        reverse("dossiers:detail", args=[dossier.pk]),
        reverse("dossiers:edit", args=[dossier.pk]),
        reverse("applicants:detail", args=[applicant.pk]),
        reverse("applicants:edit", args=[applicant.pk]),
        reverse("applicants:create"),
        reverse("accounts:password_change"),
        "/dossiers/999999/",  # 404
    ]
    answers = {url: client.get(url) for url in pages}
    assert {url: r.status_code for url, r in answers.items()}["/dossiers/999999/"] == 404
    assert [url for url, r in answers.items() if not _no_store(r)] == []
    # A POST's redirect too.
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302 and _no_store(response)


@pytest.mark.parametrize(
    ("role", "url_name"),
    [
        (Role.DIRECTOR, "shell:home"),
        (Role.DIRECTOR, "reporting:statistics"),
        (Role.BANK_ADVISER, "api:tokens"),
        (Role.BANK_ADVISER, "shell:home"),
        (Role.COMMITTEE_MEMBER, "shell:home"),
        (Role.DPO, "privacy:access_log"),
    ],
)
def test_pages_of_other_roles_are_not_stored(client: Client, make_user, role, url_name) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user(role))
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    assert _no_store(response)


def test_api_answers_are_not_stored(client: Client, make_user) -> None:  # type: ignore[no-untyped-def]
    adviser = make_user(Role.BANK_ADVISER, username="conseiller")
    referent = make_user(Role.REFERENT)
    dossier = make_transmitted_dossier(created_by=referent)
    token = make_api_token(adviser)
    auth = {"Authorization": f"Bearer {token}"}
    answers = [
        client.get("/api/v1/dossiers", headers=auth),
        client.get(f"/api/v1/dossiers/{dossier.number}", headers=auth),
        client.get("/api/v1/dossiers/MC-0000-00000", headers=auth),  # 404
        client.get("/api/v1/dossiers"),  # 401
    ]
    assert [r.status_code for r in answers] == [200, 200, 404, 401]
    assert all(_no_store(r) for r in answers)


def test_public_pages_with_typed_data_are_not_stored(client: Client, saint_etienne) -> None:  # type: ignore[no-untyped-def]
    for url in (reverse("accounts:login"), reverse("simulator:simulator")):
        assert _no_store(client.get(url)), url


def test_theme_logo_and_static_files_stay_cacheable(
    client: Client, make_user, saint_etienne
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user(Role.REFERENT))
    theme = client.get(reverse("shell:theme_css", args=[saint_etienne.slug]))
    assert theme.status_code == 200
    assert theme["Cache-Control"] == "max-age=300"
    assert "Pragma" not in theme
    # Static files as production serves them: WhiteNoise, first in the chain.
    with override_settings(
        MIDDLEWARE=[
            "django.middleware.security.SecurityMiddleware",
            "whitenoise.middleware.WhiteNoiseMiddleware",
            *[
                m
                for m in settings.MIDDLEWARE
                if m != "django.middleware.security.SecurityMiddleware"
            ],
        ],
        WHITENOISE_USE_FINDERS=True,
        WHITENOISE_AUTOREFRESH=True,
    ):
        static = Client().get(settings.STATIC_URL + "css/app.css")
        assert static.status_code == 200
        assert "no-store" not in static.get("Cache-Control", "")
        assert "max-age" in static["Cache-Control"]
