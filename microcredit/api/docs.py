"""What the API's documentation page shows, read from the code (pure: no request, no database).

The operations come from the OpenAPI schema (method, path, summary, scope, the schema's examples
and a curl line), the error table from `catalogue.CATALOGUE`, the states and their diagram from
the dossier's transition table (the part a bank sees, from its transmission on), the changelog
from the list below. The prose is in the page's templates, one per language.
"""

from __future__ import annotations

import html
import json
from collections import deque
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from microcredit.accounts.enums import Role
from microcredit.api.catalogue import CATALOGUE
from microcredit.api.scopes import required_scope
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.workflow import FINAL_STATES, TRANSITIONS

LANGUAGES = ("fr", "en")
# An example longer than this is cut on the page (the schema holds it whole): the page stays
# under 60 KB with an example of this size on every operation (tests/api/test_docs_page.py).
EXAMPLE_MAX_CHARS = 550
# The body of a curl line: its start shows the call's shape (the full example is in the schema).
CURL_BODY_MAX_CHARS = 300

# ------------------------------------------------------------------------------ operations
# The operations' summaries in English (the schema's are French); an operation missing here is
# shown with its French summary, marked as French.
SUMMARIES_EN = {
    "dossier_list": "List the dossiers transmitted to the bank",
    "dossier_detail": "Read a dossier",
    "dossier_schedule": "Read the loan's schedule",
    "dossier_repayments": "List the repayments recorded",
    "dossier_position": "Read the loan's position at a date",
    "dossier_payoff": "Read the payoff amount at a date",
    "scheme_list": "Read the partner schemes' rules",
    "dossier_decision": "Record the bank's decision",
    "dossier_offer": "Upload the signed offer",
    "dossier_disbursement": "Record the disbursement",
    "repayments_post": "Send a batch of repayments",
    "incident_post": "Report an incident",
    "dossier_plans": "List the repayment plans",
    "dossier_plan_decision": "Agree to or refuse a repayment plan",
    "guarantee_claim_get": "Read the guarantee claim",
    "guarantee_claim_post": "Call the guarantee",
    "guarantee_claim_payment_post": "Record the guarantor's payment",
    "webhook_delivery_list": "List the webhook deliveries",
}


# The words of the tables the two language templates share (api/_docs_*.html): the prose is in
# the templates, one per language; the tables are written once.
WORDS: dict[str, dict[str, str]] = {
    "fr": {
        "errors_caption": "Catalogue des codes d'erreur",
        "retry": "Réessayer",
        "meaning": "Signification",
        "states": "États",
        "state": "État",
        "final": "Final",
        "yes": "oui",
        "from": "De",
        "to": "Vers",
        "by": "Par",
        "how": "Comment",
        "bank": "banque",
        "bank_portal": "portail de la banque",
        "operations_caption": "Liste des opérations",
        "operation": "Opération",
        "summary": "Résumé",
        "scope": "Droit",
        "scope_word": "droit",
        "example_response": "Exemple de réponse (200)",
    },
    "en": {
        "errors_caption": "Error code catalogue",
        "retry": "Retry",
        "meaning": "Meaning",
        "states": "States",
        "state": "State",
        "final": "Final",
        "yes": "yes",
        "from": "From",
        "to": "To",
        "by": "By",
        "how": "How",
        "bank": "bank",
        "bank_portal": "bank portal",
        "operations_caption": "List of operations",
        "operation": "Operation",
        "summary": "Summary",
        "scope": "Scope",
        "scope_word": "scope",
        "example_response": "Example response (200)",
    },
}


def operation_scope(operation_id: str, method: str) -> str:
    """The scope the operation needs, as the token is checked for it (api.scopes); a write that
    no scope allows yet shows "—"."""
    needed = required_scope(method, operation_id)
    return needed.value if needed is not None else "—"


def _example_of(content: dict[str, Any]) -> Any:
    """The first example of a media type: `example`, then `examples` (named or a list), then the
    schema's own `example`/`examples`. None when there is none."""
    if "example" in content:
        return content["example"]
    examples = content.get("examples")
    if isinstance(examples, dict) and examples:
        first = next(iter(examples.values()))
        return first.get("value") if isinstance(first, dict) and "value" in first else first
    if isinstance(examples, list) and examples:
        return examples[0]
    schema = content.get("schema")
    if isinstance(schema, dict):
        if "example" in schema:
            return schema["example"]
        if isinstance(schema.get("examples"), list) and schema["examples"]:
            return schema["examples"][0]
    return None


def _cut(text: str, separator: str, limit: int = EXAMPLE_MAX_CHARS) -> str:
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(separator, 1)[0] + separator + "…"


def example_html(value: Any) -> str:
    """An example as indented JSON, cut when long, escaped for an element's text (<, >, &: the
    quotes need no escaping there, and JSON is full of them). The template shows it as it is."""
    return html.escape(_cut(json.dumps(value, indent=1, ensure_ascii=False), "\n"), quote=False)


def _curl(base: str, method: str, url: str, body: Any, multipart: list[str] | None) -> str:
    url = url.replace("{number}", "MC-2026-00042").replace("{plan_id}", "1")
    lines = [f"curl -X {method.upper()} '{base}{url}'", "  -H 'Authorization: Bearer mc_…'"]
    if method.lower() != "get":
        lines.append("  -H 'Idempotency-Key: 9f1c2e7a-…'")
    if multipart is not None:
        lines += [f"  -F '{name}=…'" for name in multipart]
    elif body is not None:
        lines.append("  -H 'Content-Type: application/json'")
        lines.append(
            f"  -d '{_cut(json.dumps(body, ensure_ascii=False), ' ', CURL_BODY_MAX_CHARS)}'"
        )
    return html.escape(" \\\n".join(lines), quote=False)


@dataclass(frozen=True)
class OperationDoc:
    id: str
    method: str
    path: str
    summary: str  # in the page's language when known
    summary_lang: str  # the language the summary is written in
    tag: str
    scope: str
    response_example_html: str  # escaped JSON (example_html), "" when the schema gives none
    curl_html: str  # escaped as example_html


def operations(schema: dict[str, Any], base: str, lang: str) -> list[OperationDoc]:
    """Every operation of the schema, in its order, with its examples when the schema has some."""
    docs = []
    for url, methods in schema.get("paths", {}).items():
        for method, op in methods.items():
            if not isinstance(op, dict) or "operationId" not in op:
                continue
            operation_id = op["operationId"]
            content = op.get("requestBody", {}).get("content", {})
            request = None
            multipart = None
            if "application/json" in content:
                request = _example_of(content["application/json"])
            elif "multipart/form-data" in content:
                media = content["multipart/form-data"]
                request = _example_of(media)
                properties = media.get("schema", {}).get("properties", {})
                multipart = list(request) if isinstance(request, dict) else list(properties)
            # The schema as built holds int status codes; as read from JSON, strings.
            answers = op.get("responses", {})
            answer = (answers.get(200) or answers.get("200") or {}).get("content", {})
            response = (
                _example_of(answer["application/json"]) if "application/json" in answer else None
            )
            summary = op.get("summary", "")
            summary_lang = "fr"
            if lang == "en" and operation_id in SUMMARIES_EN:
                summary, summary_lang = SUMMARIES_EN[operation_id], "en"
            docs.append(
                OperationDoc(
                    id=operation_id,
                    method=method.upper(),
                    path=url,
                    summary=summary,
                    summary_lang=summary_lang,
                    tag=(op.get("tags") or [""])[0],
                    scope=operation_scope(operation_id, method),
                    response_example_html=example_html(response) if response is not None else "",
                    curl_html=_curl(base, method, url, request, multipart),
                )
            )
    return docs


def unresolved_refs(node: Any) -> list[str]:
    """The `$ref` strings left in what the page shows (none should be)."""
    if isinstance(node, dict):
        return [r for v in node.values() for r in unresolved_refs(v)] + (
            [node["$ref"]] if "$ref" in node else []
        )
    if isinstance(node, list):
        return [r for v in node for r in unresolved_refs(v)]
    return []


# ---------------------------------------------------------------------------- error codes
@dataclass(frozen=True)
class ErrorRow:
    code: str
    status: int
    retry: str
    meaning: str


def error_rows(lang: str) -> list[ErrorRow]:
    """The catalogue, by HTTP status then code, the meaning in the page's language."""
    return [
        ErrorRow(code, spec.status, str(spec.retry), spec.en if lang == "en" else spec.fr)
        for code, spec in sorted(CATALOGUE.items(), key=lambda item: (item[1].status, item[0]))
    ]


# --------------------------------------------------------------------------------- states
# English names of the states a bank sees (the codes are the API's values).
STATE_EN = {
    DossierState.TRANSMITTED_TO_BANK: "transmitted to the bank",
    DossierState.REFUSED_BY_BANK: "refused by the bank",
    DossierState.GRANTED: "granted",
    DossierState.DISBURSED: "disbursed (being repaid)",
    DossierState.REPAID: "repaid",
    DossierState.GUARANTEE_CALLED: "guarantee called",
    DossierState.CLOSED: "closed",
    DossierState.WITHDRAWN: "withdrawn by the applicant",
}
# How the bank makes each of its moves.
MOVE_BY_API = {
    "bank_accept": "POST /api/v1/dossiers/{number}/decision",
    "bank_refuse": "POST /api/v1/dossiers/{number}/decision",
    "disburse": "POST /api/v1/dossiers/{number}/disbursement",
    "call_guarantee": "POST /api/v1/dossiers/{number}/guarantee-claim",
}


@dataclass(frozen=True)
class StateRow:
    code: str
    label: str  # in the page's language
    final: bool


@dataclass(frozen=True)
class MoveRow:
    name: str
    source: str
    target: str
    by_bank: bool
    how: str  # the API call, "" when made elsewhere


def bank_states() -> list[DossierState]:
    """The states a dossier may take from its transmission to the bank on (the table's order)."""
    seen = {DossierState.TRANSMITTED_TO_BANK}
    todo = deque(seen)
    while todo:
        state = todo.popleft()
        for t in TRANSITIONS:
            if state in t.sources and t.target not in seen:
                seen.add(t.target)
                todo.append(t.target)
    return [s for s in DossierState if s in seen]


def state_rows(lang: str) -> list[StateRow]:
    return [
        StateRow(s.value, STATE_EN.get(s, s.value) if lang == "en" else s.label, s in FINAL_STATES)
        for s in bank_states()
    ]


def move_rows() -> list[MoveRow]:
    states = set(bank_states())
    return [
        MoveRow(t.name, source.value, t.target.value, Role.BANK_ADVISER in t.roles,
                MOVE_BY_API.get(t.name, ""))
        for t in TRANSITIONS
        for source in sorted(t.sources & states, key=list(DossierState).index)
    ]  # fmt: skip


@dataclass(frozen=True)
class Box:
    code: str
    label: str
    x: int
    y: int


@dataclass(frozen=True)
class Arrow:
    x1: int
    y1: int
    x2: int
    y2: int
    by_bank: bool


BOX_W, BOX_H, COL_GAP, ROW_GAP, MARGIN = 185, 44, 40, 26, 10


def diagram(lang: str) -> dict[str, Any]:
    """A static layout of the bank's states for an inline SVG: one column per distance from the
    transmission, arrows from box to box (the table beside it says the same in words)."""
    states = bank_states()
    depth = {DossierState.TRANSMITTED_TO_BANK: 0}
    todo = deque([DossierState.TRANSMITTED_TO_BANK])
    while todo:
        state = todo.popleft()
        for t in TRANSITIONS:
            if state in t.sources and t.target in states and t.target not in depth:
                depth[t.target] = depth[state] + 1
                todo.append(t.target)
    rows: dict[int, int] = {}
    boxes: dict[str, Box] = {}
    labels = {row.code: row.label for row in state_rows(lang)}
    for state in states:
        column = depth[state]
        row = rows.get(column, 0)
        rows[column] = row + 1
        boxes[state.value] = Box(
            state.value,
            labels[state.value],
            MARGIN + column * (BOX_W + COL_GAP),
            MARGIN + row * (BOX_H + ROW_GAP),
        )
    arrows = []
    for move in move_rows():
        a, b = boxes[move.source], boxes[move.target]
        if a.x == b.x:  # same column: from the bottom of one to the top of the other
            down = a.y < b.y
            arrows.append(
                Arrow(
                    a.x + BOX_W // 2,
                    a.y + (BOX_H if down else 0),
                    b.x + BOX_W // 2,
                    b.y + (0 if down else BOX_H),
                    move.by_bank,
                )
            )
        else:
            arrows.append(
                Arrow(a.x + BOX_W, a.y + BOX_H // 2, b.x - 4, b.y + BOX_H // 2, move.by_bank)
            )
    columns = max(depth.values()) + 1
    height = max(rows.values())
    return {
        "width": 2 * MARGIN + columns * BOX_W + (columns - 1) * COL_GAP,
        "height": 2 * MARGIN + height * BOX_H + (height - 1) * ROW_GAP,
        "box_w": BOX_W,
        "box_h": BOX_H,
        "boxes": list(boxes.values()),
        "arrows": arrows,
    }


# ------------------------------------------------------------------------------- webhooks
def delay_text(delay: timedelta) -> str:
    """A retry delay as the page says it: "1 min", "2 h", "1 d", "30 s"."""
    seconds = int(delay.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


# ------------------------------------------------------------------------------ changelog
@dataclass(frozen=True)
class Change:
    date: str
    fr: str
    en: str


CHANGELOG = (
    Change(
        "2026-12-07",
        "Schéma pour les générateurs (titre et tags ASCII, type Money, énumérations nommées et "
        "ouvertes, exemples, réponses 405/413/429/500 déclarées) ; en-tête Idempotency-Key sur "
        "chaque écriture ; catalogue des codes d'erreur ; GET /schemes ; GET "
        "/dossiers/{number}/repayments et /position ; identifiant stable des lignes "
        "d'échéancier ; updated_since ; notifications signées (webhooks) et leur journal ; "
        "comptes de service et droits des jetons (read, decide, pay) ; cette documentation en "
        "français et en anglais.",
        "Generator-friendly schema (ASCII title and tags, Money type, named open enums, "
        "examples, 405/413/429/500 answers declared); Idempotency-Key header on every write; "
        "error code catalogue; GET /schemes; GET /dossiers/{number}/repayments and /position; "
        "stable schedule line ids; updated_since; signed webhooks and their delivery log; "
        "service accounts and token scopes (read, decide, pay); this documentation in French and "
        "English.",
    ),
    Change(
        "2026-12-06",
        "Les jetons expirent (401 token_expired) ; limite d'appels par jeton (429, Retry-After) ; "
        "GET /dossiers/{number}/payoff ; plans de reprise et appel en garantie ; un texte libre "
        "contenant un NIR est refusé (422).",
        "Tokens expire (401 token_expired); rate limit per token (429, Retry-After); GET "
        "/dossiers/{number}/payoff; repayment plans and guarantee claims; a free text holding a "
        "social-security number is refused (422).",
    ),
    Change(
        "2026-12-01",
        "Première version : liste et lecture des dossiers, échéancier, décision, offre signée, "
        "décaissement, lots de remboursements, incidents ; chaque lecture est journalisée.",
        "First version: list and read the dossiers, schedule, decision, signed offer, "
        "disbursement, repayment batches, incidents; every read is logged.",
    ),
)


def changelog(lang: str) -> list[dict[str, str]]:
    return [{"date": c.date, "text": c.en if lang == "en" else c.fr} for c in CHANGELOG]
