"""Login, lock-out, idle expiry, password change and reset."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from microcredit.accounts.enums import Role
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def login(client, username: str, password: str):  # type: ignore[no-untyped-def]
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_login_leads_to_the_role_home_page(client, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user(Role.DIRECTOR, username="helene")
    response = login(client, "helene", PASSWORD)
    assert response.status_code == 302
    home = client.get(response["Location"])
    assert "Espace de la direction" in home.content.decode()


def test_wrong_password_is_refused_in_french(client, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user(Role.REFERENT, username="camille")
    response = login(client, "camille", "mauvais")
    assert response.status_code == 200
    assert "Saisissez un nom d’utilisateur et un mot de passe valides" in response.content.decode()


def test_five_failures_lock_the_account_out_with_a_french_message(client, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user(Role.REFERENT, username="camille")
    for _ in range(4):
        assert login(client, "camille", "mauvais").status_code == 200
    locked = login(client, "camille", "mauvais")
    assert locked.status_code == 429
    assert "Compte temporairement bloqué" in locked.content.decode()
    # Even the right password is refused while locked out.
    again = login(client, "camille", PASSWORD)
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_session_idle_past_the_limit_asks_to_log_in_again(client, make_user, settings) -> None:  # type: ignore[no-untyped-def]
    make_user(Role.AGENT, username="sofiane")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert login(client, "sofiane", PASSWORD).status_code == 302
        assert client.get(reverse("shell:home")).status_code == 200
    # Activity within the limit keeps the session alive...
    with time_machine.travel(
        start + timedelta(seconds=settings.SESSION_COOKIE_AGE - 60), tick=False
    ):
        assert client.get(reverse("shell:home")).status_code == 200
    # ...idleness past the limit ends it.
    later = start + timedelta(seconds=2 * settings.SESSION_COOKIE_AGE)
    with time_machine.travel(later, tick=False):
        response = client.get(reverse("shell:home"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
        page = client.get(response["Location"])
        assert "votre session a expiré" in page.content.decode()


def test_logout_is_a_post_and_ends_the_session(client, make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user(Role.AGENT)
    client.force_login(user)
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert client.get(reverse("shell:home")).status_code == 302


def test_password_change(client, make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user(Role.AGENT)
    client.force_login(user)
    new = "un-tout-nouveau-mot-de-passe"
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)


def test_password_reset_sends_a_working_link_by_e_mail(client, make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user(Role.REFERENT)
    response = client.post(reverse("accounts:password_reset"), {"email": user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "Réinitialisation" in mail.outbox[0].subject
    link = re.search(r"https?://[^/]+(/\S+)", body).group(1)  # type: ignore[union-attr]
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    new = "encore-un-nouveau-mot-de-passe"
    done = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)


def test_password_reset_for_an_unknown_address_reveals_nothing(client) -> None:  # type: ignore[no-untyped-def]
    response = client.post(reverse("accounts:password_reset"), {"email": "inconnu@example.org"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_passwords_are_hashed_with_argon2_outside_tests() -> None:
    from config.settings import base

    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_an_invalid_reset_link_says_so_in_french(client) -> None:  # type: ignore[no-untyped-def]
    url = reverse("accounts:password_reset_confirm", args=["MQ", "jeton-invalide"])
    content = client.get(url, follow=True).content.decode()
    assert "plus valable" in content
    assert "<form" not in content.split('id="contenu"')[1].split("</main>")[0]
