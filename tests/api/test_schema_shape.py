"""The OpenAPI schema as client generators need it (#18): ASCII names, servers, named amounts,
rates and enums (open where the product adds values), the shared answers and the idempotency
header on every operation, the error codes of the catalogue, and an example for every operation
that validates against its own schema."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from django.conf import settings

from microcredit.api.catalogue import CATALOGUE
from microcredit.api.examples import EXAMPLES
from microcredit.api.v1 import openapi_schema
from microcredit.loans.services import MAX_BATCH

REF = "#/components/schemas/"
OPEN = {
    ("DossierOut", "state"): "DossierState",
    ("LoanSummaryOut", "state"): "LoanState",
    ("ScheduleLineOut", "kind"): "ScheduleLineKind",
    ("ScheduleLineOut", "status"): "ScheduleLineStatus",
    ("PlanOut", "state"): "PlanState",
    ("ClaimOut", "state"): "ClaimState",
    ("Error", "code"): "ErrorCode",
}
# Names of the amounts in euros the answers give: each must be the Money component.
AMOUNT_WORDS = (
    "amount",
    "principal",
    "interest",
    "payment",
    "balance",
    "installment",
    "total",
    "overdue",
    "credit",
    "paid",
    "remaining",
    "exposure",
    "share",
    "cost",
    "capitalised",
    "excess",
    "tolerance",
)
NOT_AMOUNTS = {"early_repayment_keep"}


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    # Through JSON, as a client reads it (integer status keys become strings).
    return json.loads(json.dumps(openapi_schema("/api/v1/"), default=str))


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m, p, op) for p, ms in schema["paths"].items() for m, op in ms.items()]


def walk(node: Any, path: tuple[Any, ...] = ()) -> Any:
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, (*path, index))


def test_names_are_ascii_and_servers_and_tags_are_described(schema) -> None:  # type: ignore[no-untyped-def]
    assert schema["info"]["title"].isascii() and schema["info"]["title"]
    assert schema["info"]["version"]
    assert "accepter une valeur" in schema["info"]["description"]
    assert "clients must accept unknown values" in schema["info"]["description"]
    assert [server["url"] for server in schema["servers"]] == [settings.SITE_URL.rstrip("/")]
    tags = {t["name"]: t["description"] for t in schema["tags"]}
    assert set(tags) >= {"dossiers", "decisions", "loans", "schemes", "webhooks"}
    assert all(name.isascii() and description for name, description in tags.items())
    assert "Prêts" in tags["loans"] and "Décisions" in tags["decisions"]
    for _method, _path, op in operations(schema):
        assert all(tag in tags for tag in op["tags"]), op["operationId"]
        assert op["operationId"].isascii()


def test_no_json_number_and_no_inline_enum(schema) -> None:  # type: ignore[no-untyped-def]
    for path, node in walk(schema):
        if isinstance(node, dict):
            assert node.get("type") != "number", path
            assert not isinstance(node.get("type"), list), path
            if "enum" in node:
                # Only the components are enums: a generator makes one type of each.
                assert len(path) == 3 and path[:2] == ("components", "schemas"), path


def test_amounts_and_rates_are_named_types(schema) -> None:  # type: ignore[no-untyped-def]
    components = schema["components"]["schemas"]
    assert components["Money"]["type"] == "string" and components["Money"]["pattern"]
    assert components["MoneyIn"]["type"] == "string" and components["MoneyIn"]["pattern"]
    assert components["Percent"]["type"] == "string"

    def ref_of(prop: dict[str, Any]) -> set[str]:
        options = prop.get("anyOf", [prop])
        return {o["$ref"].removeprefix(REF) for o in options if "$ref" in o}

    wrong = []
    for name, component in components.items():
        for field, prop in component.get("properties", {}).items():
            expected = None
            if field.endswith("_percent"):
                expected = "MoneyIn" if name.endswith("In") else "Percent"
            elif field not in NOT_AMOUNTS and any(w in field for w in AMOUNT_WORDS):
                options = prop.get("anyOf", [prop])
                if not any(
                    (o.get("type") == "string" and "format" not in o)
                    or o.get("$ref", "").removeprefix(REF) in {"Money", "MoneyIn", "Percent"}
                    for o in options
                ):
                    continue  # a date, a count, a flag, an object
                expected = "MoneyIn" if name.endswith("In") else "Money"
            if expected and expected not in ref_of(prop):
                wrong.append(f"{name}.{field}")
    assert not wrong, wrong


def test_open_enums_accept_any_string(schema) -> None:  # type: ignore[no-untyped-def]
    components = schema["components"]["schemas"]
    for (name, field), enum_name in OPEN.items():
        prop = components[name]["properties"][field]
        assert prop["anyOf"] == [{"$ref": f"{REF}{enum_name}"}, {"type": "string"}], name
        assert prop["x-extensible-enum"] == components[enum_name]["enum"]
    assert components["ErrorCode"]["enum"] == sorted(CATALOGUE)


def test_every_operation_declares_the_shared_answers_and_posts_the_key(schema) -> None:  # type: ignore[no-untyped-def]
    for method, path, op in operations(schema):
        answers = op["responses"]
        expected = {"200", "401", "403", "404", "405", "422", "429", "500"}
        if "requestBody" in op:
            expected.add("413")
        assert expected <= set(answers), (method, path)
        for status, answer in answers.items():
            if not status.startswith("2"):
                assert answer["content"]["application/json"]["schema"] == {"$ref": f"{REF}Error"}
        assert "Retry-After" in answers["429"]["headers"]
        headers = {p["name"]: p for p in op.get("parameters", []) if p["in"] == "header"}
        if method == "post":
            key = headers["Idempotency-Key"]
            assert key["required"] is False
            assert key["schema"]["minLength"] == 1 and key["schema"]["maxLength"] == 255
            assert "idempotency_key_reused" in key["description"]
            assert "idempotency_key_in_use" in key["description"]
            assert "Idempotent-Replayed" in answers["200"]["headers"]
        else:
            assert "Idempotency-Key" not in headers


def test_the_rules_that_do_not_depend_on_a_scheme(schema) -> None:  # type: ignore[no-untyped-def]
    components = schema["components"]["schemas"]
    date = components["RepaymentIn"]["properties"]["date"]
    assert date["format"] == "date" and "2000-01-01" in date["description"]
    assert "2099-12-31" in date["description"] and "futur" in date["description"]
    batch = components["RepaymentBatchIn"]["properties"]["repayments"]
    assert batch["maxItems"] == MAX_BATCH
    offer = schema["paths"]["/api/v1/dossiers/{number}/offer"]["post"]["requestBody"]
    form = offer["content"]["multipart/form-data"]["schema"]
    assert form["properties"]["file"]["x-max-bytes"] == settings.DOCUMENT_MAX_BYTES
    assert str(settings.DOCUMENT_MAX_BYTES) in form["properties"]["file"]["description"]
    assert "2000-01-01" in form["properties"]["signed_on"]["description"]
    decision = components["DecisionIn"]["properties"]
    for field in ("amount", "months", "deferral_months"):
        assert "/api/v1/schemes" in decision[field]["description"], field


def _validator(schema: dict[str, Any], media_schema: dict[str, Any]) -> Any:
    root = {**media_schema, "components": schema["components"]}
    return jsonschema.Draft202012Validator(root, format_checker=jsonschema.FormatChecker())


def test_every_operation_has_examples_that_fit_its_schema(schema) -> None:  # type: ignore[no-untyped-def]
    missing = []
    for _method, _path, op in operations(schema):
        operation_id = op["operationId"]
        for media in op.get("requestBody", {}).get("content", {}).values():
            if "example" not in media:
                missing.append(f"{operation_id} (request)")
                continue
            errors = list(_validator(schema, media["schema"]).iter_errors(media["example"]))
            assert not errors, (operation_id, "request", [e.message for e in errors][:3])
        answer = op["responses"]["200"]["content"]["application/json"]
        if "example" not in answer:
            missing.append(f"{operation_id} (200)")
            continue
        errors = list(_validator(schema, answer["schema"]).iter_errors(answer["example"]))
        assert not errors, (operation_id, "200", [(list(e.path), e.message) for e in errors][:3])
    assert not missing, f"operations without examples (api/examples.py): {missing}"
    # No example left for an operation that does not exist (a renamed operationId).
    ids = {op["operationId"] for _m, _p, op in operations(schema)}
    assert set(EXAMPLES) <= ids, set(EXAMPLES) - ids
