from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from microcredit.accounts.enums import Role
from microcredit.accounts.models import User
from microcredit.loans.models import Loan
from tests.factories import make_api_token, make_loan, make_second_bank


class ApiClient:
    """A test client sending a bearer token; JSON bodies by default."""

    def __init__(self, token: str) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, url: str, **params: Any) -> Any:
        return self.client.get(url, params, headers=self.headers)

    def post(self, url: str, data: Any = None) -> Any:
        return self.client.post(
            url, data or {}, content_type="application/json", headers=self.headers
        )

    def post_form(self, url: str, data: dict[str, Any]) -> Any:
        return self.client.post(url, data, headers=self.headers)


@pytest.fixture
def referent(make_user) -> User:  # type: ignore[no-untyped-def]
    return make_user(Role.REFERENT)


@pytest.fixture
def adviser(make_user) -> User:  # type: ignore[no-untyped-def]
    return make_user(Role.BANK_ADVISER, username="conseiller")


@pytest.fixture
def adviser_b(make_user, saint_etienne) -> User:  # type: ignore[no-untyped-def]
    bank_b, _programme = make_second_bank(saint_etienne)
    return make_user(Role.BANK_ADVISER, username="conseiller-b", organisation=bank_b)


@pytest.fixture
def api(adviser) -> ApiClient:  # type: ignore[no-untyped-def]
    return ApiClient(make_api_token(adviser))


@pytest.fixture
def api_b(adviser_b) -> ApiClient:  # type: ignore[no-untyped-def]
    return ApiClient(make_api_token(adviser_b))


@pytest.fixture
def loan(referent, adviser) -> Loan:  # type: ignore[no-untyped-def]
    """A loan of the adviser's bank, disbursed today."""
    return make_loan(created_by=referent, adviser=adviser)  # type: ignore[no-any-return]
