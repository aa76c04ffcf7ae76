"""Fixtures of the commission tests: the cast of a CCAS (référent, agent, director, members)."""

from __future__ import annotations

import pytest

from tests.commissions.helpers import cast


@pytest.fixture
def people(make_user):  # type: ignore[no-untyped-def]
    return cast(make_user)
