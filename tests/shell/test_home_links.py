"""Each role's home page offers only what the role can open (issue #15: the agent's home
promised letters only the director could open). The walk of every link of every demo role's
home page, on the demo data, is in tests/demo/test_demo.py (it shares the module's demo)."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from django.urls import reverse

from microcredit.accounts.enums import Role

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


def test_the_agent_is_not_promised_the_director_s_letters(client_for) -> None:  # type: ignore[no-untyped-def]
    """The letters' texts are the director's page: the agent's home neither links there nor
    says the agent manages the letters; the agent follows them on the dossier pages."""
    client = client_for(Role.AGENT)
    body = client.get(reverse("shell:home")).content.decode()
    assert client.get(reverse("letters:templates")).status_code == 403
    assert reverse("letters:templates") not in body
    assert "et les courriers" not in body
    assert "chaque décision ait son courrier, sur la page du dossier" in body.replace("&#x27;", "'")
