"""The API's documentation page (/api/v1/docs): French and English (the site's language switch),
the guide's sections, the error table read from the catalogue, the operations with their scope
and the schema's examples, the bank's states and their diagram; accessible (one h1, no skipped
heading level, table headers with a scope, lang attributes), no script, no $ref, small."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser
from itertools import pairwise
from typing import Any

import pytest
from django.test import override_settings
from django.urls import reverse

from microcredit.api import docs as guide
from microcredit.api.catalogue import CATALOGUE
from microcredit.dossiers.enums import DossierState

pytestmark = pytest.mark.django_db

URL = "/api/v1/docs"
MAX_BYTES = 60 * 1024


class Outline(HTMLParser):
    """The page's headings (level, text), its <th> tags' attributes, and the <html> lang."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[tuple[int, str]] = []
        self.th: list[dict[str, str | None]] = []
        self.lang: str | None = None
        self._level: int | None = None
        self._text: list[str] = []
        self.style_attributes = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if any(name == "style" for name, _ in attrs):
            self.style_attributes += 1
        if tag == "html":
            self.lang = dict(attrs).get("lang")
        if re.fullmatch(r"h[1-6]", tag):
            self._level, self._text = int(tag[1]), []
        if tag == "th":
            self.th.append(dict(attrs))

    def handle_endtag(self, tag: str) -> None:
        if self._level is not None and tag == f"h{self._level}":
            self.headings.append((self._level, " ".join("".join(self._text).split())))
            self._level = None

    def handle_data(self, data: str) -> None:
        if self._level is not None:
            self._text.append(data)


def page(client, lang: str) -> tuple[str, Outline]:  # type: ignore[no-untyped-def]
    client.post(reverse("set_language"), {"language": lang, "next": URL})
    response = client.get(URL)
    assert response.status_code == 200
    assert len(response.content) < MAX_BYTES, len(response.content)
    html = response.content.decode()
    outline = Outline()
    outline.feed(html)
    return html, outline


def guide_headings(outline: Outline) -> set[str]:
    """The headings of the guide's prose (the operations' headings are their paths)."""
    return {text for _level, text in outline.headings if "/api/v1/" not in text}


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_page_in_each_language_is_accessible_and_small(client, lang) -> None:  # type: ignore[no-untyped-def]
    html, outline = page(client, lang)
    assert outline.lang == lang
    levels = [level for level, _text in outline.headings]
    assert levels.count(1) == 1 and levels[0] == 1
    for before, after in pairwise(levels):
        assert after <= before + 1, outline.headings
    assert outline.th and all(th.get("scope") in {"col", "row"} for th in outline.th)
    assert outline.style_attributes == 0
    body = html.split("</head>")[1]
    assert "<script" not in body
    assert "$ref" not in html
    assert "cdn" not in html.lower() and "swagger" not in html.lower()
    assert 'href="#contenu"' in html  # the base template's skip link
    assert 'href="/api/v1/openapi.json"' in html
    assert "openapi-python-client generate" in html
    for section in ("Idempotency-Key", "Idempotent-Replayed: true", "X-Microcredit-Signature",
                    "hmac.compare_digest", "Retry-After", "Deprecation", "Sunset",
                    "updated_since", "dossier.transmitted", "dossier.state_changed",
                    "2026-12-07", "/webhooks/deliveries"):  # fmt: skip
        assert section in html, section


def test_the_english_page_has_no_french_heading(client) -> None:  # type: ignore[no-untyped-def]
    _html, french = page(client, "fr")
    _html, english = page(client, "en")
    assert "Démarrer" in guide_headings(french)
    assert "Getting started" in guide_headings(english)
    # "Pagination" is the same word in both languages.
    assert guide_headings(french) & guide_headings(english) <= {"Pagination"}
    assert not any(re.search(r"[àâçéèêëîïôûù]", h) for h in guide_headings(english))


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_error_table_lists_the_whole_catalogue(client, lang) -> None:  # type: ignore[no-untyped-def]
    html, _outline = page(client, lang)
    for code, spec in CATALOGUE.items():
        row = re.search(
            rf'<th scope="row">\s*<code>{re.escape(code)}</code>\s*</th>\s*'
            rf"<td>{spec.status}</td>\s*<td>{spec.retry}</td>\s*<td>(.*?)</td>",
            html,
            re.S,
        )
        assert row, code
        meaning = spec.en if lang == "en" else spec.fr
        assert row.group(1).strip() == meaning.replace("'", "&#x27;").replace('"', "&quot;")


def test_a_code_added_to_the_catalogue_is_on_the_page(client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from microcredit.api.catalogue import ErrorSpec, Retry

    monkeypatch.setitem(
        CATALOGUE, "brand_new_code", ErrorSpec(418, Retry.NO, "Nouveau.", "Brand new.")
    )
    html, _outline = page(client, "en")
    assert "<code>brand_new_code</code>" in html and "Brand new." in html


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_operation_with_its_scope(client, lang) -> None:  # type: ignore[no-untyped-def]
    schema = client.get("/api/v1/openapi.json").json()
    html, _outline = page(client, lang)
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            assert f"<code>{method.upper()} {path}</code>" in html, (method, path)
            scope = guide.operation_scope(operation["operationId"], method)
            assert scope == ("read" if method == "get" else scope) != "—"
            assert re.search(
                rf'id="op-{operation["operationId"]}".*?<code>{scope}</code>', html, re.S
            )
    assert "curl -X POST" in html and "Authorization: Bearer" in html


def test_webhook_retry_delays_are_read_from_the_code(client) -> None:  # type: ignore[no-untyped-def]
    from microcredit.api.webhooks import BACKOFF

    assert [guide.delay_text(d) for d in BACKOFF] == ["1 min", "5 min", "30 min", "2 h", "12 h"]
    assert guide.delay_text(timedelta(seconds=90)) == "90 s"
    html, _outline = page(client, "en")
    assert "after 1 min, 5 min, 30 min, 2 h, 12 h, then marked failed" in html


def test_the_scopes_shown_are_the_ones_the_tokens_are_checked_for() -> None:
    assert guide.operation_scope("dossier_list", "get") == "read"
    assert guide.operation_scope("dossier_decision", "post") == "decide"
    assert guide.operation_scope("dossier_offer", "post") == "decide"
    assert guide.operation_scope("repayments_post", "post") == "pay"
    assert guide.operation_scope("guarantee_claim_post", "post") == "pay"
    assert guide.operation_scope("not_mapped", "post") == "—"


def test_the_schemas_examples_are_shown_and_long_ones_cut() -> None:
    big = {"items": [{"n": n, "text": "x" * 40} for n in range(100)]}
    schema: dict[str, Any] = {
        "paths": {
            "/api/v1/a": {
                "post": {
                    "operationId": "a_post",
                    "summary": "Écrire",
                    "requestBody": {
                        "content": {"application/json": {"example": {"amount": "12.30"}}}
                    },
                    "responses": {
                        "200": {
                            "content": {
                                "application/json": {"examples": {"ok": {"value": {"id": 7}}}}
                            }
                        }
                    },
                },
                "get": {
                    "operationId": "dossier_list",
                    "summary": "Lister",
                    "responses": {
                        "200": {"content": {"application/json": {"schema": {"examples": [big]}}}}
                    },
                },
            }
        }
    }
    post, get = guide.operations(schema, "https://x", "en")
    assert '"id": 7' in post.response_example_html
    assert "Idempotency-Key" in post.curl_html and '-d \'{"amount": "12.30"}\'' in post.curl_html
    assert (post.summary, post.summary_lang) == ("Écrire", "fr")
    assert (get.summary, get.summary_lang) == ("List the dossiers transmitted to the bank", "en")
    assert len(get.response_example_html) <= guide.EXAMPLE_MAX_CHARS + 5
    assert get.response_example_html.endswith("…")
    assert guide.example_html({"a": '<b> & "c"'}) == '{\n "a": "&lt;b&gt; &amp; \\"c\\""\n}'
    assert "Idempotency-Key" not in get.curl_html
    [_post, escaped] = guide.operations(schema, "https://x/<b>", "fr")
    assert "https://x/&lt;b&gt;/api/v1/a" in escaped.curl_html and "<b>" not in escaped.curl_html


@override_settings(MICROCREDIT_API_THROTTLE_RATE="7/h", MICROCREDIT_API_TOKEN_LIFETIME_DAYS=90)
def test_limits_are_read_from_the_settings(client) -> None:  # type: ignore[no-untyped-def]
    french, _outline = page(client, "fr")
    english, _outline = page(client, "en")
    assert "Au plus 7 appels par heure" in french
    assert "At most 7 calls per hour" in english
    assert "90 jours" in french and "90 days" in english


def test_the_banks_states_and_their_diagram(client) -> None:  # type: ignore[no-untyped-def]
    states = {s.value for s in guide.bank_states()}
    assert DossierState.TRANSMITTED_TO_BANK in states and DossierState.DISBURSED in states
    assert DossierState.RECEPTION not in states and DossierState.INSTRUCTION not in states
    html, _outline = page(client, "en")
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert 'role="img"' in svg and "<title" in svg
    for state in states:
        assert f">{state}</text>" in svg
        assert f'<th scope="row">\n                <code>{state}</code>' in html or re.search(
            rf'<th scope="row">\s*<code>{state}</code>', html
        )
    assert "POST /api/v1/dossiers/{number}/decision" in html
    moves = {(m.source, m.target) for m in guide.move_rows()}
    assert ("granted", "disbursed") in moves and ("repaid", "closed") in moves
    assert svg.count("<line") == len(guide.move_rows())


def test_the_page_stays_small_with_long_examples_everywhere(client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Every operation given a long request and answer example (as the schema may): each is cut,
    the page stays under the bound in both languages."""
    from microcredit.api import docs_views

    real = docs_views.openapi_schema
    big = {"items": [{"number": f"MC-2026-{n:05}", "state": "disbursed"} for n in range(200)]}

    answered = []

    def with_examples(prefix: str) -> dict[str, Any]:
        schema = real(prefix)
        answered.clear()
        for methods in schema["paths"].values():
            for operation in methods.values():
                answers = operation["responses"]
                ok = next((key for key in ("200", 200) if key in answers), None)
                if ok is None:
                    continue
                answered.append(operation["operationId"])
                content = answers[ok].setdefault("content", {})
                content.setdefault("application/json", {})["example"] = big
                body = operation.get("requestBody", {}).get("content", {})
                if "application/json" in body:
                    body["application/json"]["example"] = big
        return schema

    monkeypatch.setattr(docs_views, "openapi_schema", with_examples)
    for lang in ("fr", "en"):
        html, _outline = page(client, lang)
        assert len(answered) >= 10
        assert html.count("MC-2026-00000") >= len(answered)
