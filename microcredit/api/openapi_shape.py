"""The OpenAPI schema as client generators like it (#18), applied to ninja's schema by
`api.base.BankApi.get_openapi_schema`, so that the operation modules need no edit:

- ASCII title and tags, the tags described with their French names, `servers` filled in;
- the named components the fields point to (`Money`, `MoneyIn`, `Percent`, the enums; see
  api.schemas COMPONENT_KEY / OPEN_ENUM_KEY), open enums as anyOf [enum, string];
- `ErrorCode`, the catalogue's codes (api.catalogue), for the `code` of `Error`;
- 405, 413 (with a body), 429 and 500 declared on every operation, `Idempotency-Key` on every
  POST, the date and file-size rules in the descriptions;
- the examples of api.examples, by operationId (an operation without one is left as it is).
"""

from __future__ import annotations

import copy
from typing import Any

from django.conf import settings

from microcredit.api.catalogue import CATALOGUE
from microcredit.api.examples import EXAMPLES
from microcredit.api.schemas import (
    COMPONENT_KEY,
    COMPONENTS,
    DATE_KEY,
    DATE_RULE,
    OPEN_ENUM_KEY,
    OPEN_ENUMS,
)

REF = "#/components/schemas/"
ERROR_REF = {"$ref": f"{REF}Error"}

TAGS = [
    ("dossiers", "Dossiers : les dossiers transmis à la banque (Dossiers sent to the bank)."),
    ("decisions", "Décisions : décision, offre signée, décaissement (Decision, offer, cheque)."),
    ("loans", "Prêts : échéancier, remboursements, incidents, suivi (Loans and servicing)."),
    ("schemes", "Dispositifs : les règles des dispositifs en vigueur (Schemes in force)."),
    ("webhooks", "Notifications : le journal des envois signés (Signed webhooks' log)."),
]

# The answers every operation may give besides its own (api.base READ/WRITE declare them too).
SHARED_ANSWERS = {
    "405": "Méthode non permise pour cette adresse (code method_not_allowed).",
    "429": "Trop d'appels avec ce jeton (code too_many_requests) : réessayez après le délai de "
    "l'en-tête Retry-After (secondes).",
    "500": "Erreur inattendue (code internal_error) : réessayez, avec la même clé "
    "d'idempotence pour une écriture.",
}
BODY_ANSWER = ("413", "Corps de la requête trop volumineux (code payload_too_large).")

IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Nouvelles tentatives sans risque (replay-safe retries) : la même clé avec "
    "le même corps renvoie la première réponse, avec l'en-tête « Idempotent-Replayed: true » ; "
    "la même clé avec un autre corps répond 409 idempotency_key_reused ; pendant que le "
    "premier appel s'exécute, 409 idempotency_key_in_use (réessayez plus tard). Une clé par "
    "opération voulue, par exemple un UUID.",
    "schema": {
        "type": "string",
        "minLength": 1,
        "maxLength": 255,
        "pattern": "^[\\x21-\\x7e]+$",
        "examples": ["3f0c5a8e-7d1b-4c2e-9a63-0b5e2f1d4c77"],
    },
}
REPLAYED_HEADER = {
    "description": "« true » quand la réponse est celle d'un premier appel de la même "
    "Idempotency-Key (replayed answer).",
    "schema": {"type": "string", "pattern": "^true$"},
}
RETRY_AFTER_HEADER = {
    "description": "Secondes à attendre avant de réessayer.",
    "schema": {"type": "integer", "minimum": 1},
}


def _file_rule() -> str:
    size = settings.DOCUMENT_MAX_BYTES
    mb = size / (1024 * 1024)
    shown = f"{mb:g} Mo" if mb >= 1 else f"{size} octets"
    return f"Fichier PDF, JPEG ou PNG, au plus {shown} ({size} octets)."


def _replace_markers(node: Any) -> Any:
    """The fields' markers (api.schemas) replaced by references to named components."""
    if isinstance(node, list):
        return [_replace_markers(v) for v in node]
    if not isinstance(node, dict):
        return node
    node = {k: _replace_markers(v) for k, v in node.items()}
    keep = {k: node[k] for k in ("description", "default") if k in node}
    if COMPONENT_KEY in node:
        return {"$ref": f"{REF}{node[COMPONENT_KEY]}", **keep}
    if OPEN_ENUM_KEY in node:
        name = node[OPEN_ENUM_KEY]
        values = OPEN_ENUMS.get(name) or sorted(CATALOGUE)
        return {
            "anyOf": [{"$ref": f"{REF}{name}"}, {"type": "string"}],
            "x-extensible-enum": values,
            **keep,
        }
    if node.pop(DATE_KEY, None):
        description = node.get("description", "")
        node["description"] = f"{description} {DATE_RULE}".strip()
        node.pop("title", None) if node.get("title") == "Date" else None
    if node.get("type") == "string" and node.get("format") == "binary":
        description = node.get("description", "")
        node["description"] = f"{description} {_file_rule()}".strip()
        node["x-max-bytes"] = settings.DOCUMENT_MAX_BYTES
    return node


def _components(schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name, definition in COMPONENTS.items():
        components[name] = {"title": name, **copy.deepcopy(definition)}
    for name, values in OPEN_ENUMS.items():
        components[name] = {
            "title": name,
            "type": "string",
            "enum": list(values),
            "description": "Valeurs connues à ce jour ; un client accepte aussi une valeur "
            "inconnue (known values; clients must accept unknown ones).",
        }
    components["ErrorCode"] = {
        "title": "ErrorCode",
        "type": "string",
        "enum": sorted(CATALOGUE),
        "description": "Les codes d'erreur du catalogue (statut, sens, nouvel essai : voir la "
        "documentation) ; la liste peut grandir.",
    }


def _enums_by_reference(node: Any, components: dict[str, Any]) -> Any:
    """An enum ninja inlined (a query parameter's) that is a component: its reference instead,
    so that a generator makes one type, not one per use."""
    if isinstance(node, list):
        return [_enums_by_reference(v, components) for v in node]
    if not isinstance(node, dict):
        return node
    title = node.get("title")
    known = components.get(title) if isinstance(title, str) else None
    if "enum" in node and known is not None and known.get("enum") == node["enum"]:
        return {"$ref": f"{REF}{title}"}
    return {k: _enums_by_reference(v, components) for k, v in node.items()}


def _json_error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ERROR_REF}}}


def _operation(method: str, op: dict[str, Any]) -> None:
    answers = op["responses"] = {str(k): v for k, v in op.get("responses", {}).items()}
    for status, description in SHARED_ANSWERS.items():
        answers.setdefault(status, _json_error(description))
    if "requestBody" in op:
        answers.setdefault(BODY_ANSWER[0], _json_error(BODY_ANSWER[1]))
    answers["429"].setdefault("headers", {})["Retry-After"] = RETRY_AFTER_HEADER
    if method == "post":
        parameters = op.setdefault("parameters", [])
        if not any(
            p.get("in") == "header" and p.get("name", "").lower() == "idempotency-key"
            for p in parameters
        ):
            parameters.append(copy.deepcopy(IDEMPOTENCY_KEY))
        if "200" in answers:
            answers["200"].setdefault("headers", {})["Idempotent-Replayed"] = REPLAYED_HEADER
    for media in op.get("requestBody", {}).get("content", {}).values():
        body = media.get("schema", {})
        if body.get("title") == "MultiPartBodyParams":  # ninja's name for every form
            body["title"] = (
                "".join(w.title() for w in op.get("operationId", "").split("_")) + "Form"
            )
    examples = EXAMPLES.get(op.get("operationId", ""), {})
    if "request" in examples:
        for media in op.get("requestBody", {}).get("content", {}).values():
            media["example"] = copy.deepcopy(examples["request"])
    if "response" in examples and "200" in answers:
        for media in answers["200"].get("content", {}).values():
            media["example"] = copy.deepcopy(examples["response"])


def shape(schema: Any, *, path_prefix: str) -> Any:
    """ninja's schema (a dict), shaped in place and returned."""
    for key in ("paths", "components"):
        if key in schema:
            schema[key] = _replace_markers(schema[key])
    _components(schema)
    # The deployment's public address (SITE_URL, what its e-mails link to): a generated client's
    # default base URL. The paths carry the /api/v1 prefix themselves.
    schema["servers"] = [
        {
            "url": settings.SITE_URL.rstrip("/"),
            "description": f"Ce serveur ; les chemins commencent par {path_prefix.rstrip('/')} "
            f"(this server; paths start with {path_prefix.rstrip('/')}).",
        }
    ]
    used = {
        tag
        for methods in schema.get("paths", {}).values()
        for op in methods.values()
        for tag in op.get("tags", [])
    }
    schema["tags"] = [
        {"name": name, "description": description}
        for name, description in TAGS
        if name in used or name in {"schemes", "webhooks"}
    ]
    if "paths" in schema:
        schema["paths"] = _enums_by_reference(schema["paths"], schema["components"]["schemas"])
    for methods in schema.get("paths", {}).values():
        for method, op in methods.items():
            _operation(method, op)
    return schema
