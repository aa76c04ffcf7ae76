"""Fixtures of the dossier tests: a référent and a director of the CCAS."""

from __future__ import annotations

import pytest

from microcredit.accounts.enums import Role
from microcredit.accounts.models import User


@pytest.fixture
def referent(make_user) -> User:  # type: ignore[no-untyped-def]
    return make_user(Role.REFERENT)


@pytest.fixture
def director(make_user) -> User:  # type: ignore[no-untyped-def]
    return make_user(Role.DIRECTOR)
