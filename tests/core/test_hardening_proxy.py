"""F8 (#17): behind a reverse proxy, the lock-out counts on the real client's address, read from
X-Forwarded-For only when the request comes from a trusted proxy: a stranger cannot lock a named
account out for everyone, nor dodge the lock-out by forging the header."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.test import Client, RequestFactory
from django.urls import reverse

from microcredit.accounts.client_ip import client_ip, parse_trusted_proxies
from microcredit.accounts.enums import Role
from tests.conftest import PASSWORD

PROXY = "10.0.0.2"
CLIENT_A = "203.0.113.5"
CLIENT_B = "198.51.100.7"


def login(client: Client, password: str, remote: str, forwarded: str | None = None):  # type: ignore[no-untyped-def]
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post(
        reverse("accounts:login"), {"username": "camille", "password": password}, **meta
    )


@pytest.mark.django_db
@pytest.mark.parametrize("trusted", [[PROXY], ["10.0.0.0/24"], 1])
def test_behind_the_proxy_failures_of_a_lock_a_only(make_user, settings, trusted) -> None:  # type: ignore[no-untyped-def]
    settings.MICROCREDIT_TRUSTED_PROXIES = trusted
    make_user(Role.REFERENT, username="camille")
    stranger = Client()
    for attempt in range(5):
        # The stranger even writes B's address on the left of the header: never read.
        answer = login(stranger, "mauvais", PROXY, f"{CLIENT_B}, {CLIENT_A}")
        assert answer.status_code == (429 if attempt == 4 else 200)
    assert login(stranger, PASSWORD, PROXY, CLIENT_A).status_code == 429
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [CLIENT_A]
    # The account's holder, from another address behind the same proxy, still logs in.
    holder = Client()
    response = login(holder, PASSWORD, PROXY, CLIENT_B)
    assert response.status_code == 302
    assert "_auth_user_id" in holder.session


@pytest.mark.django_db
def test_without_the_setting_a_forged_header_is_ignored(make_user, settings) -> None:  # type: ignore[no-untyped-def]
    settings.MICROCREDIT_TRUSTED_PROXIES = []
    make_user(Role.REFERENT, username="camille")
    client = Client()
    # Five failures, each with another forged address: all counted on the real one.
    for attempt in range(5):
        answer = login(client, "mauvais", CLIENT_A, f"192.0.2.{attempt + 1}")
        assert answer.status_code == (429 if attempt == 4 else 200)
    assert login(client, PASSWORD, CLIENT_A, CLIENT_B).status_code == 429
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [CLIENT_A]


@pytest.mark.django_db
def test_a_request_not_from_a_trusted_proxy_is_counted_on_its_own_address(
    make_user, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.MICROCREDIT_TRUSTED_PROXIES = [PROXY]
    make_user(Role.REFERENT, username="camille")
    client = Client()
    for _ in range(5):
        login(client, "mauvais", CLIENT_A, CLIENT_B)
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [CLIENT_A]
    assert login(Client(), PASSWORD, PROXY, CLIENT_B).status_code == 302


@pytest.mark.parametrize(
    ("trusted", "remote", "forwarded", "expected"),
    [
        ([], CLIENT_A, CLIENT_B, CLIENT_A),
        ([PROXY], PROXY, None, PROXY),
        ([PROXY], PROXY, CLIENT_A, CLIENT_A),
        ([PROXY], PROXY, f"{CLIENT_B}, {CLIENT_A}", CLIENT_A),
        # Two trusted proxies in a row: the first address that is not one of them.
        (["10.0.0.0/24"], PROXY, f"{CLIENT_B}, {CLIENT_A}, 10.0.0.9", CLIENT_A),
        # A trusted proxy that wrote garbage: its own peer, the last address known for sure.
        ([PROXY], PROXY, "pas-une-adresse", PROXY),
        ([PROXY], CLIENT_A, CLIENT_B, CLIENT_A),
        (["2001:db8::/32"], "2001:db8::1", "2001:db8:ffff::5, 2a01:e0a::7", "2a01:e0a::7"),
        (1, PROXY, f"{CLIENT_B}, {CLIENT_A}", CLIENT_A),
        (2, PROXY, f"{CLIENT_B}, {CLIENT_A}, 10.0.0.9", CLIENT_A),
        (2, PROXY, CLIENT_A, PROXY),  # fewer hops than proxies: misconfigured, not trusted
    ],
)
def test_client_ip(settings, trusted, remote, forwarded, expected) -> None:  # type: ignore[no-untyped-def]
    settings.MICROCREDIT_TRUSTED_PROXIES = trusted
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_ip(RequestFactory().get("/", **meta)) == expected


def test_parse_trusted_proxies() -> None:
    assert parse_trusted_proxies("") == []
    assert parse_trusted_proxies(" 2 ") == 2
    assert parse_trusted_proxies("10.0.0.2, 10.0.1.0/24") == ["10.0.0.2", "10.0.1.0/24"]
    with pytest.raises(ValueError):
        parse_trusted_proxies("10.0.0.300")
