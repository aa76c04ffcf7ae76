"""The home pages as a CCAS shows them (issue #15): money written the French way, each role
offered only what it can open, and dashboards of cards (a heading, a figure, a short text and an
action) under one h1 and an h2 per group of cards."""

from __future__ import annotations

import re
from decimal import Decimal
from html.parser import HTMLParser
from itertools import pairwise
from typing import Any

import pytest
from django.urls import reverse

from microcredit.accounts.enums import Role
from microcredit.core.formatting import format_eur
from tests.banking.helpers import visible_text

pytestmark = pytest.mark.django_db

SCHEME_ROLES = [Role.REFERENT, Role.AGENT, Role.DIRECTOR, Role.ADMIN]


@pytest.mark.parametrize("role", SCHEME_ROLES)
def test_the_scheme_s_card_writes_its_amounts_the_french_way(client_for, role) -> None:  # type: ignore[no-untyped-def]
    text = visible_text(client_for(role).get(reverse("shell:home")).content.decode())
    # The Saint-Étienne scheme lends from 300 € to 3 000 € at 1.75 %.
    assert f"Prêts de {format_eur(Decimal('300'))} à {format_eur(Decimal('3000'))}" in text
    assert "1,75\u00a0%" in text
    assert not re.search(r"\d{4},\d\d", text), "an amount without its thousands separator"


class _Outline(HTMLParser):
    """The headings of a page's main content, in order, and its cards: for each, its heading,
    whether it has a figure and its links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.headings: list[int] = []
        self.cards: list[dict[str, Any]] = []
        self._main = False
        self._card_depth = 0
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "main":
            self._main = True
        if not self._main:
            return
        if tag in {"article", "div", "section", "p", "ul", "li"}:
            self._depth += 1
        if tag == "article" and "card" in classes:
            self.cards.append({"heading": None, "figure": False, "links": []})
            self._card_depth = self._depth
        card = self.cards[-1] if self._card_depth else None
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
            if card is not None and card["heading"] is None:
                card["heading"] = int(tag[1])
        if card is not None and tag == "p" and "figure" in classes:
            card["figure"] = True
        if card is not None and tag == "a":
            card["links"].append(a.get("href"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "main":
            self._main = False
        if self._main and tag in {"article", "div", "section", "p", "ul", "li"}:
            if tag == "article" and self._depth == self._card_depth:
                self._card_depth = 0
            self._depth -= 1


def outline(html: str) -> _Outline:
    parser = _Outline()
    parser.feed(html)
    return parser


@pytest.mark.parametrize("role", list(Role))
def test_each_home_page_is_a_dashboard_of_cards_under_one_h1(client_for, role) -> None:  # type: ignore[no-untyped-def]
    page = outline(client_for(role).get(reverse("shell:home")).content.decode())
    assert page.headings.count(1) == 1 and page.headings[0] == 1, page.headings
    # No level skipped: h1, an h2 per group of cards, an h3 per card.
    assert all(b <= a + 1 for a, b in pairwise(page.headings)), page.headings
    assert page.cards, "no card"
    for card in page.cards:
        assert card["heading"] == 3, card
        assert card["figure"], card
    # The work queues and the scheme: each card leads somewhere.
    assert any(card["links"] for card in page.cards)


def test_the_queues_are_cards_with_their_total_as_the_figure_and_an_action(
    client_for,
) -> None:  # type: ignore[no-untyped-def]
    body = client_for(Role.AGENT).get(reverse("shell:home")).content.decode()
    start = body.index('<article class="card" aria-labelledby="file-pieces">')
    card = body[start : body.index("</article>", start)]
    assert '<p class="figure">0</p>' in card
    action = card[card.index('<p class="actions">') :]
    assert (
        f'href="{reverse("dossiers:list")}?etat=instruction"' in action
        and 'role="button"' in action
    )
    assert "<small" not in card  # the total is the figure, no longer « (0) » in the title
