"""The API's schema and its documentation page (server-rendered, public)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt

from microcredit.accounts.access import public
from microcredit.api import docs as guide
from microcredit.api.base import MAX_PAGE_SIZE, PAGE_SIZE
from microcredit.api.errors import unknown_path_response
from microcredit.api.v1 import openapi_schema
from microcredit.api.webhooks import BACKOFF, TIMEOUT_SECONDS
from microcredit.loans.services import MAX_BATCH


def _api_prefix() -> str:
    return reverse("api:v1:openapi_json").removesuffix("openapi.json")


@public
def openapi_json(request: HttpRequest) -> JsonResponse:
    """The OpenAPI 3 schema (public: it describes the API, it holds no data)."""
    return JsonResponse(openapi_schema(_api_prefix()), json_dumps_params={"ensure_ascii": False})


@public
@csrf_exempt
def unknown_path(request: HttpRequest) -> JsonResponse:
    """Any other address under /api/v1/, whatever the method: JSON 404 (nothing to protect)."""
    return unknown_path_response()


RATE_UNITS = {
    "s": ("seconde", "second"),
    "m": ("minute", "minute"),
    "h": ("heure", "hour"),
    "d": ("jour", "day"),
}


def _rate(lang: str) -> dict[str, Any]:
    """MICROCREDIT_API_THROTTLE_RATE ("600/m") as the page says it."""
    text = str(settings.MICROCREDIT_API_THROTTLE_RATE or "")
    count, _, unit = text.partition("/")
    names = RATE_UNITS.get(unit[:1])
    if not count.isdigit() or names is None:
        return {"text": text, "count": None, "unit": ""}
    return {"text": text, "count": int(count), "unit": names[1 if lang == "en" else 0]}


@public
def docs(request: HttpRequest) -> HttpResponse:
    """The API's documentation, in the page's language (French or English): a guide written in
    its template, the operations and their examples read from the schema, the error table from
    the catalogue, the states from the workflow (no script, nothing external)."""
    lang = "en" if (translation.get_language() or "fr").startswith("en") else "fr"
    schema = openapi_schema(_api_prefix())
    base = request.build_absolute_uri("/").rstrip("/")
    return render(
        request,
        f"api/docs_{lang}.html",
        {
            "lang": lang,
            "words": guide.WORDS[lang],
            "info": schema["info"],
            "base_url": base + _api_prefix().rstrip("/"),
            "schema_url": reverse("api:v1:openapi_json"),
            "schema_absolute_url": base + reverse("api:v1:openapi_json"),
            "tokens_url": reverse("api:tokens"),
            "service_accounts_url": reverse("api:service_accounts"),
            "webhooks_url": reverse("api:webhooks"),
            "operations": guide.operations(schema, base, lang),
            "errors": guide.error_rows(lang),
            "states": guide.state_rows(lang),
            "moves": guide.move_rows(),
            "diagram": guide.diagram(lang),
            "changelog": guide.changelog(lang),
            "rate": _rate(lang),
            "webhook_delays": [guide.delay_text(delay) for delay in BACKOFF],
            "webhook_timeout": TIMEOUT_SECONDS,
            "token_lifetime_days": settings.MICROCREDIT_API_TOKEN_LIFETIME_DAYS,
            "offer_max_mb": settings.DOCUMENT_MAX_BYTES // (1024 * 1024),
            "batch_max": MAX_BATCH,
            "page_size": PAGE_SIZE,
            "max_page_size": MAX_PAGE_SIZE,
        },
    )
