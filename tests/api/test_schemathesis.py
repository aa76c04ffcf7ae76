"""schemathesis against the in-process WSGI application, authenticated with a real token.

Every operation is fuzzed with a bounded number of positive and negative examples, on random
dossier numbers and on the real ones of the bank (transmitted, granted, disbursed): in the path,
and in the bodies of the repayments and incidents (valid bodies given a real number, today's
date and an amount to the cent, so that their write paths run: recorded, already recorded,
conflicting reference, no loan); explicit examples make sure that a line is recorded, then
already recorded, and that a repeated line is a duplicate. No 5xx, every answer conforms to the
schema (status, content type, body, headers), invalid data and a missing token are refused, and
every error answer (a custom check) has a status the operation declares and a `code` of the
error catalogue (api.catalogue), answered with the catalogue's status.

The token is an auth provider, not a `headers=` argument of the call: a negative case that leaves
the security header out on purpose must go out without it. Passed as `headers=`, the token was put
back, and a case negated only by that and an undeclared query parameter (`/dossiers?page=1&=null`)
went out valid and was "accepted". The API now also refuses undeclared query parameters (422,
tests/api/test_errors.py), which schemathesis itself does not count as a negation.

`positive_data_acceptance` is left out: schema-valid data are still refused by business rules
the schema cannot express (amount bounds of the programme, a dossier in another state, usury),
with a documented 404/409/422.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, Phase, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from microcredit.api.catalogue import CATALOGUE
from microcredit.loans.models import Incident, Repayment
from tests.factories import (
    make_api_token,
    make_granted_dossier,
    make_loan,
    make_transmitted_dossier,
)

EXAMPLES_PER_MODE = 12
# The operations whose body names a dossier (not their path).
BODY_NUMBER_OPERATIONS = {"repayments_post", "incident_post"}
CENTS = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2).map(str)


@pytest.fixture
def wsgi_app() -> Iterator[WSGIHandler]:
    """Django's WSGI handler, without closing the test's connection at each request's end."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def error_in_the_catalogue(ctx: Any, response: Any, case: Case) -> bool | None:
    """An error answer: its status declared by the operation, its `code` in the catalogue with
    that status (the catalogue is what the documentation lists)."""
    if response.status_code < 400:
        return None
    declared = {str(status) for status in case.operation.definition.raw["responses"]}
    assert str(response.status_code) in declared, (response.status_code, sorted(declared))
    code = response.json()["code"]
    assert code in CATALOGUE, f"code {code!r} is not in microcredit.api.catalogue"
    assert CATALOGUE[code].status == response.status_code, (code, response.status_code)
    return True


def with_real_numbers(
    strategy: st.SearchStrategy[Case], numbers: list[str], today: str
) -> st.SearchStrategy[Case]:
    """The generated cases made realistic where the schema cannot say: a real dossier number,
    today's date (the loan's disbursement date) and an amount to the cent. For valid cases only:
    a negative case stays as generated (the plain strategies still fuzz these fields)."""

    @st.composite
    def cases(draw: st.DrawFn) -> Case:
        case = draw(strategy)
        body = case.body
        items = body.get("repayments", [body]) if isinstance(body, dict) else []
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and "dossier_number" in item:
                item["dossier_number"] = draw(st.sampled_from(numbers))
                item["date"] = today
                if "amount" in item:
                    item["amount"] = draw(CENTS)
        return case

    return cases()


def explicit_cases(operation: Any, number: str, today: str, token: str) -> list[Case]:
    """What must run whatever hypothesis draws: a line recorded, then already recorded, and a
    line repeated in the batch; an incident recorded, then already recorded."""
    if operation.definition.raw.get("operationId") == "repayments_post":
        line = {"reference": "ST-VIR-1", "dossier_number": number, "date": today, "amount": "1.00"}
        bodies: list[Any] = [{"repayments": [line]}, {"repayments": [line, line]}]
    elif operation.definition.raw.get("operationId") == "incident_post":
        incident = {
            "reference": "ST-INC-1",
            "dossier_number": number,
            "kind": "missed_installment",
            "date": today,
        }
        bodies = [incident, incident]
    else:
        return []
    headers = {"Authorization": f"Bearer {token}"}  # auth providers apply to generated cases
    return [
        operation.Case(body=body, media_type="application/json", headers=headers) for body in bodies
    ]


@pytest.mark.django_db
def test_the_api_conforms_to_its_schema(wsgi_app, referent, adviser, settings: Any) -> None:  # type: ignore[no-untyped-def]
    settings.MICROCREDIT_API_STRICT_CODES = True  # a code outside the catalogue raises
    disbursed = make_loan(created_by=referent, adviser=adviser).dossier.number
    numbers = [
        make_transmitted_dossier(created_by=referent).number,
        make_granted_dossier(created_by=referent, adviser=adviser).number,
        disbursed,
    ]
    today = timezone.localdate().isoformat()
    token = make_api_token(adviser)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)

    @schema.auth()
    class AdviserToken:
        """The real token on every generated case, but not where the case negates the security
        header on purpose (schemathesis then leaves it out): passing the token as `headers=` to
        the call would put it back, and a negative case would go out valid."""

        def get(self, case: Case, ctx: Any) -> str:
            return token

        def set(self, case: Case, data: str, ctx: Any) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    operations = [result.ok() for result in schema.get_all_operations()]
    # The first journey's 8, the payoff, the servicing and reconciliation ones, the schemes and
    # the webhooks' log: every operation of the schema is fuzzed.
    assert len(operations) >= 18
    assert {op.definition.raw["operationId"] for op in operations} >= BODY_NUMBER_OPERATIONS

    for operation in operations:
        strategies = []
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategies.append(operation.as_strategy(mode))
            if "{number}" in operation.path:
                strategies += [
                    operation.as_strategy(mode, path_parameters={"number": n}) for n in numbers
                ]
        examples = 2 * EXAMPLES_PER_MODE
        if operation.definition.raw["operationId"] in BODY_NUMBER_OPERATIONS:
            real = with_real_numbers(operation.as_strategy(GenerationMode.POSITIVE), numbers, today)
            strategies += [real, real]  # as often as the two modes together
            examples += 2 * EXAMPLES_PER_MODE

        @given(case=st.one_of(strategies))
        @hypothesis_settings(
            max_examples=examples,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def check(case) -> None:  # type: ignore[no-untyped-def]
            case.call_and_validate(
                excluded_checks=[positive_data_acceptance],
                additional_checks=[error_in_the_catalogue],
            )

        for case in explicit_cases(operation, disbursed, today, token):
            check = example(case=case)(check)
        check()

    # The write paths of the repayments and incidents did run on the real loan.
    assert Repayment.objects.filter(reference="ST-VIR-1", via="api").count() == 1
    assert Incident.objects.filter(reference="ST-INC-1", via="api").count() == 1
