"""The home pages as a CCAS shows them (issue #15): money written the French way, each role
offered only what it can open, and dashboards of cards (a heading, a figure, a short text and an
action) under one h1 and an h2 per group of cards."""

from __future__ import annotations

import re
from decimal import Decimal

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
