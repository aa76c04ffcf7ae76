"""The API's documentation page, read from the OpenAPI schema: each operation with its
parameters, request and answer schemas ($ref inlined) and a curl example (pure Python)."""

from __future__ import annotations

import json
from typing import Any


def _resolve(schema: dict[str, Any], node: Any, depth: int = 0) -> Any:
    """The schema with its $ref inlined (for reading), anyOf-with-null shown as nullable."""
    if depth > 12:
        return node
    if isinstance(node, dict):
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            return _resolve(schema, schema["components"]["schemas"][name], depth + 1)
        return {
            k: _resolve(schema, v, depth + 1)
            for k, v in node.items()
            if k not in {"title"} or not isinstance(v, str)
        }
    if isinstance(node, list):
        return [_resolve(schema, v, depth + 1) for v in node]
    return node


def _example(node: Any, depth: int = 0) -> Any:
    """A plausible example value for a resolved schema (for the curl lines)."""
    if depth > 8 or not isinstance(node, dict):
        return None
    if "default" in node and node["default"] is not None:
        return node["default"]
    if "enum" in node:
        return node["enum"][0]
    if "anyOf" in node:
        options = [o for o in node["anyOf"] if o.get("type") != "null"]
        return _example(options[0], depth + 1) if options else None
    kind = node.get("type")
    if kind == "object":
        return {
            name: _example(prop, depth + 1)
            for name, prop in node.get("properties", {}).items()
            if name in node.get("required", []) or depth == 0
        }
    if kind == "array":
        return [_example(node.get("items", {}), depth + 1)]
    if kind == "integer":
        return max(1, node.get("minimum", 1))
    if kind == "number":
        return "1200.00"
    if kind == "boolean":
        return False
    if node.get("format") == "date":
        return "2026-03-02"
    if node.get("format") == "binary":
        return "@offre-signee.pdf"
    return "MC-2026-00042" if "pattern" in node else "texte"


REQUEST_EXAMPLES: dict[str, Any] = {
    "dossier_decision": {
        "outcome": "accepted",
        "amount": "1200.00",
        "months": 24,
        "deferral_months": 0,
        "deferral_kind": "none",
    },
    "dossier_disbursement": {
        "cheque_number": "0004512",
        "date": "2026-03-02",
        "amount": "1200.00",
    },
    "repayments_post": {
        "repayments": [
            {
                "reference": "VIR-2026-04-0001",
                "dossier_number": "MC-2026-00042",
                "date": "2026-04-05",
                "amount": "52.40",
                "early_repayment": False,
            }
        ]
    },
    "incident_post": {
        "reference": "INC-2026-0007",
        "dossier_number": "MC-2026-00042",
        "kind": "missed_installment",
        "date": "2026-05-05",
        "amount": "52.40",
        "note": "Prélèvement rejeté.",
    },
}


def _curl(base: str, method: str, url: str, body: Any, multipart: dict[str, Any] | None) -> str:
    url = url.replace("{number}", "MC-2026-00042")
    lines = [f"curl -X {method.upper()} '{base}{url}'", "  -H 'Authorization: Bearer mc_…'"]
    if multipart:
        for name, value in multipart.items():
            lines.append(f"  -F '{name}={value}'")
    elif body is not None:
        lines.append("  -H 'Content-Type: application/json'")
        lines.append(f"  -d '{json.dumps(body, ensure_ascii=False)}'")
    return " \\\n".join(lines)


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def docs_operations(schema: dict[str, Any], base: str) -> list[dict[str, Any]]:
    operations = []
    for url, methods in schema["paths"].items():
        for method, op in methods.items():
            body = op.get("requestBody", {}).get("content", {})
            request_schema = None
            multipart = None
            example = None
            if "application/json" in body:
                request_schema = _resolve(schema, body["application/json"]["schema"])
                example = REQUEST_EXAMPLES.get(
                    op["operationId"].rsplit("_v1_", 1)[-1], _example(request_schema)
                )
            elif "multipart/form-data" in body:
                request_schema = _resolve(schema, body["multipart/form-data"]["schema"])
                multipart = {
                    name: _example(prop) for name, prop in request_schema["properties"].items()
                }
            responses = []
            for code, answer in op.get("responses", {}).items():
                status = str(code)
                content = answer.get("content", {}).get("application/json")
                responses.append(
                    {
                        "status": status,
                        "description": answer.get("description", ""),
                        "schema": _pretty(_resolve(schema, content["schema"]))
                        if content and status.startswith("2")
                        else "",
                    }
                )
            operations.append(
                {
                    "id": op["operationId"],
                    "method": method.upper(),
                    "path": url,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "tags": op.get("tags", []),
                    "parameters": [
                        {
                            "name": p["name"],
                            "in": p["in"],
                            "required": p.get("required", False),
                            "description": p.get("description", p["schema"].get("description", "")),
                            "schema": _pretty(_resolve(schema, p["schema"])),
                        }
                        for p in op.get("parameters", [])
                    ],
                    "request_schema": _pretty(request_schema) if request_schema else "",
                    "request_kind": "multipart/form-data" if multipart else "application/json",
                    "responses": responses,
                    "curl": _curl(base, method, url, example, multipart),
                }
            )
    return operations


def error_schema(schema: dict[str, Any]) -> str:
    """The schema of every error answer, $ref inlined, for reading."""
    return _pretty(_resolve(schema, schema["components"]["schemas"]["Error"]))
