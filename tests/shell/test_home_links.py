"""Each role's home page offers only what the role can open (issue #15: the agent's home
promised letters only the director could open): on the demo data, every internal link of every
demo role's home page answers that role, neither 403 nor 404."""

from __future__ import annotations

import os
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from django.core.management import call_command
from django.urls import reverse

from microcredit.accounts.enums import Role
from microcredit.demo.loading import DEMO_ACCOUNTS, DEMO_PASSWORD

pytestmark = pytest.mark.django_db


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def internal_links(html: str, base: str) -> list[str]:
    """The page's links to pages of this site (without their fragment), in order, once each."""
    parser = _Links()
    parser.feed(html)
    links: list[str] = []
    for href in parser.hrefs:
        url = urldefrag(urljoin(base, href)).url
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or not parts.path or url in links:
            continue
        links.append(url)
    return links


def test_every_link_of_each_role_s_home_answers_that_role(client) -> None:  # type: ignore[no-untyped-def]
    call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    refused: dict[str, list[tuple[str, int]]] = {}
    for account in DEMO_ACCOUNTS:
        client.logout()
        response = client.post(
            reverse("accounts:login"), {"username": account.username, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302, account.username
        home = reverse("shell:home")
        page = client.get(home)
        assert page.status_code == 200
        links = internal_links(page.content.decode(), home)
        assert links, account.username
        for url in links:
            status = client.get(url).status_code
            if status in (403, 404) or status >= 500:
                refused.setdefault(account.username, []).append((url, status))
    assert refused == {}


def test_the_agent_is_not_promised_the_director_s_letters(client_for) -> None:  # type: ignore[no-untyped-def]
    """The letters' texts are the director's page: the agent's home neither links there nor
    says the agent manages the letters; the agent follows them on the dossier pages."""
    client = client_for(Role.AGENT)
    body = client.get(reverse("shell:home")).content.decode()
    assert client.get(reverse("letters:templates")).status_code == 403
    assert reverse("letters:templates") not in body
    assert "et les courriers" not in body
    assert "chaque décision ait son courrier, sur la page du dossier" in body.replace("&#x27;", "'")
