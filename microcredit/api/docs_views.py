"""The API's schema and its documentation page (server-rendered, public)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from microcredit.accounts.access import public
from microcredit.api.docs import docs_operations, error_schema
from microcredit.api.errors import unknown_path_response
from microcredit.api.v1 import openapi_schema


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


@public
def docs(request: HttpRequest) -> HttpResponse:
    """The API's documentation, rendered here from the schema (no script, nothing external)."""
    schema = openapi_schema(_api_prefix())
    base = request.build_absolute_uri("/").rstrip("/")
    return render(
        request,
        "api/docs.html",
        {
            "info": schema["info"],
            "operations": docs_operations(schema, base),
            "error_schema": error_schema(schema),
            "schema_url": reverse("api:v1:openapi_json"),
        },
    )
