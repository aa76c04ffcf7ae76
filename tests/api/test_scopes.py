"""Scopes (#18): every GET needs `read`; the decision, the offer and the disbursement `decide`;
repayments, incidents, plans and claims `pay`. A write not mapped is refused to every token."""

from __future__ import annotations

import pytest
from django.urls import reverse

from microcredit.api.base import api
from microcredit.api.enums import Scope
from microcredit.api.models import ApiToken
from microcredit.api.scopes import READ_METHODS, WRITE_SCOPES, required_scope
from microcredit.api.services import api_token_create
from microcredit.api.v1 import operation_patterns
from tests.api.conftest import ApiClient
from tests.api.helpers import ACCEPT, assert_error, line
from tests.factories import make_transmitted_dossier, membership_of

pytestmark = pytest.mark.django_db

LIST = "/api/v1/dossiers"


def operations() -> list[tuple[str, str, object]]:
    """(method, operationId, the operation's function) of every operation the API serves."""
    operation_patterns()  # the URLs built: the decorators applied
    found = []
    for router in api._get_bound_routers():
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for method in operation.methods:
                    found.append((method, operation.view_func.__name__, operation.view_func))
    return found


def token_with(adviser, scopes: list[str]) -> ApiClient:  # type: ignore[no-untyped-def]
    _token, clear = api_token_create(
        actor=adviser, membership=membership_of(adviser), label="Droits", scopes=scopes
    )
    return ApiClient(clear)


def test_every_operation_is_mapped_and_checked() -> None:
    ops = operations()
    assert len(ops) >= 10
    unmapped = [
        (method, name)
        for method, name, _func in ops
        if method not in READ_METHODS and name not in WRITE_SCOPES
    ]
    assert not unmapped, f"map these writes in api.scopes.WRITE_SCOPES: {unmapped}"
    assert all(getattr(func, "scope_checked", False) for _m, _n, func in ops)
    served = {name for method, name, _f in ops if method not in READ_METHODS}
    assert set(WRITE_SCOPES) <= served, set(WRITE_SCOPES) - served


def test_the_rule_reads_by_method_writes_by_operation() -> None:
    assert required_scope("GET", "dossier_decision") == Scope.READ
    assert required_scope("POST", "dossier_decision") == Scope.DECIDE
    assert required_scope("POST", "repayments_post") == Scope.PAY
    assert required_scope("POST", "not_mapped_yet") is None


def test_an_advisers_token_has_every_scope_by_default(adviser) -> None:  # type: ignore[no-untyped-def]
    api_token_create(actor=adviser, membership=membership_of(adviser), label="Tout")
    assert ApiToken.objects.get().scopes == ["read", "decide", "pay"]


def test_a_read_only_token_reads_and_writes_nothing(adviser, referent, loan) -> None:  # type: ignore[no-untyped-def]
    reader = token_with(adviser, [])
    assert ApiToken.objects.get().scopes == ["read"]
    assert reader.get(LIST).status_code == 200
    dossier = make_transmitted_dossier(created_by=referent)
    body = assert_error(
        reader.post(f"/api/v1/dossiers/{dossier.number}/decision", ACCEPT),
        403,
        "insufficient_scope",
    )
    assert "decide" in body["message"] and "droit" in body["message"]
    assert_error(
        reader.post("/api/v1/repayments", {"repayments": [line(loan, "R1")]}),
        403,
        "insufficient_scope",
    )
    dossier.refresh_from_db()
    assert dossier.state == "transmitted_to_bank"


def test_decide_and_pay_are_separate(adviser, referent, loan) -> None:  # type: ignore[no-untyped-def]
    decider = token_with(adviser, ["decide"])
    payer = token_with(adviser, ["pay"])
    dossier = make_transmitted_dossier(created_by=referent)
    url = f"/api/v1/dossiers/{dossier.number}/decision"
    assert_error(payer.post(url, ACCEPT), 403, "insufficient_scope")
    assert decider.post(url, ACCEPT).status_code == 200
    batch = {"repayments": [line(loan, "R-1")]}
    assert_error(decider.post("/api/v1/repayments", batch), 403, "insufficient_scope")
    assert payer.post("/api/v1/repayments", batch).status_code == 200
    # Both read.
    assert decider.get(LIST).status_code == 200 and payer.get(LIST).status_code == 200


def test_a_token_without_read_reads_nothing(adviser) -> None:  # type: ignore[no-untyped-def]
    client = token_with(adviser, ["pay"])
    ApiToken.objects.update(scopes=["pay"])  # stored before read was always given
    assert_error(client.get(LIST), 403, "insufficient_scope")


def test_the_token_page_shows_and_restricts_scopes(client, adviser) -> None:  # type: ignore[no-untyped-def]
    client.force_login(adviser)
    url = reverse("api:tokens")
    page = client.get(url).content.decode()
    assert 'value="decide"' in page and "checked" in page
    client.post(url, {"label": "Lecture et paiements", "scopes": ["pay"], "days": "7"})
    token = ApiToken.objects.get()
    assert token.scopes == ["read", "pay"]
    assert "read, pay" in client.get(url).content.decode()
