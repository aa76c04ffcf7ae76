"""TOTP two-factor authentication: enrolment, verification at login, obligation in production."""

from __future__ import annotations

import base64
import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from microcredit.accounts.enums import Role
from tests.conftest import PASSWORD

# A TOTP code is valid once per 30-second step (replay protection) and a failure throttles the
# next try for a few seconds: the tests move the clock forward between steps.
STEP = timedelta(seconds=31)

pytestmark = pytest.mark.django_db


def current_code(secret_b32: str) -> str:
    return f"{totp(base64.b32decode(secret_b32)):06d}"


def enrol(client) -> str:  # type: ignore[no-untyped-def]
    page = client.get(reverse("accounts:otp_setup")).content.decode()
    secret = re.search(r"<code>([A-Z2-7=]+)</code>", page).group(1)  # type: ignore[union-attr]
    response = client.post(reverse("accounts:otp_setup"), {"token": current_code(secret)})
    assert response.status_code == 302
    return secret


def test_enrolment_then_login_asks_for_the_code(client, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user(Role.REFERENT, username="camille")
    client.post(reverse("accounts:login"), {"username": "camille", "password": PASSWORD})
    secret = enrol(client)
    assert TOTPDevice.objects.filter(user__username="camille", confirmed=True).count() == 1

    clock = time_machine.travel(timezone.now() + STEP, tick=True)
    clock.start()
    client.post(reverse("accounts:logout"))
    client.post(reverse("accounts:login"), {"username": "camille", "password": PASSWORD})
    blocked = client.get(reverse("programmes:programme_list"))
    assert blocked.status_code == 302
    assert blocked["Location"].startswith(reverse("accounts:otp_verify"))

    wrong = client.post(reverse("accounts:otp_verify"), {"token": "000000"})
    assert "pas valide ou a expiré" in wrong.content.decode()
    clock.stop()
    clock = time_machine.travel(timezone.now() + 2 * STEP, tick=True)
    clock.start()
    ok = client.post(
        reverse("accounts:otp_verify"),
        {"token": current_code(secret), "next": reverse("programmes:programme_list")},
    )
    assert ok.status_code == 302
    assert ok["Location"] == reverse("programmes:programme_list")
    assert client.get(reverse("programmes:programme_list")).status_code == 200
    clock.stop()


def test_a_wrong_code_does_not_enrol(client, make_user) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user(Role.AGENT))
    response = client.post(reverse("accounts:otp_setup"), {"token": "12ab56"})
    assert "chiffres" in response.content.decode()
    assert not TOTPDevice.objects.filter(confirmed=True).exists()


def test_verify_ignores_an_outside_next_url(client, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user(Role.AGENT, username="sofiane")
    client.post(reverse("accounts:login"), {"username": "sofiane", "password": PASSWORD})
    secret = enrol(client)
    with time_machine.travel(timezone.now() + STEP, tick=True):
        client.post(reverse("accounts:logout"))
        client.post(reverse("accounts:login"), {"username": "sofiane", "password": PASSWORD})
        response = client.post(
            reverse("accounts:otp_verify"),
            {"token": current_code(secret), "next": "https://evil.example"},
        )
    assert response["Location"] == reverse("shell:home")


@pytest.mark.parametrize(
    ("role", "must_enrol"),
    [
        (Role.REFERENT, True),
        (Role.DIRECTOR, True),
        (Role.BANK_ADVISER, True),
        (Role.COMMITTEE_MEMBER, True),
        (Role.PARTNER_WORKER, False),
    ],
)
def test_production_setting_requires_two_factor_for_staff_and_bank(
    client_for, settings, role, must_enrol
) -> None:  # type: ignore[no-untyped-def]
    settings.OTP_REQUIRED_FOR_STAFF = True
    response = client_for(role).get(reverse("shell:home"))
    if must_enrol:
        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:otp_setup")
    else:
        assert response.status_code == 200


def test_without_the_setting_two_factor_is_optional(client_for) -> None:  # type: ignore[no-untyped-def]
    assert client_for(Role.REFERENT).get(reverse("shell:home")).status_code == 200
