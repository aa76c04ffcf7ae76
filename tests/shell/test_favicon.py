"""Every page names its icon, and the icon exists: browsers asked for /favicon.ico and got 404."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_pages_link_an_icon_that_exists(client) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/simulateur/").content.decode()
    match = re.search(r'<link rel="icon" href="/static/([^"]+)"', html)
    assert match is not None
    assert finders.find(match.group(1)) is not None


def test_favicon_ico_leads_to_the_icon(client) -> None:  # type: ignore[no-untyped-def]
    """Pages without the link (Django's plain 404) make browsers ask for /favicon.ico."""
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].startswith("/static/favicon")
