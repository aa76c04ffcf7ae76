"""schemathesis against the in-process WSGI application, authenticated with a real token.

Every operation is fuzzed with a bounded number of positive and negative examples, on random
dossier numbers and on the real ones of the bank (transmitted, granted, disbursed): no 5xx,
every answer conforms to the schema (status, content type, body, headers), invalid data and a
missing token are refused. `positive_data_acceptance` is left out: schema-valid data are still
refused by business rules the schema cannot express (amount bounds of the programme, a dossier
in another state, usury), with a documented 404/409/422.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.factories import (
    make_api_token,
    make_granted_dossier,
    make_loan,
    make_transmitted_dossier,
)

EXAMPLES_PER_MODE = 12


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


@pytest.mark.django_db
def test_the_api_conforms_to_its_schema(wsgi_app, referent, adviser) -> None:  # type: ignore[no-untyped-def]
    numbers = [
        make_transmitted_dossier(created_by=referent).number,
        make_granted_dossier(created_by=referent, adviser=adviser).number,
        make_loan(created_by=referent, adviser=adviser).dossier.number,
    ]
    headers = {"Authorization": f"Bearer {make_api_token(adviser)}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 8

    for operation in operations:
        strategies = []
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategies.append(operation.as_strategy(mode))
            if "{number}" in operation.path:
                strategies += [
                    operation.as_strategy(mode, path_parameters={"number": n}) for n in numbers
                ]

        @given(case=st.one_of(strategies))
        @settings(
            max_examples=2 * EXAMPLES_PER_MODE,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def check(case) -> None:  # type: ignore[no-untyped-def]
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        check()
