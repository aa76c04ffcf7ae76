"""The bank partner's HTTP API, version 1 (django-ninja): /api/v1/…

Every operation authenticates a bank adviser's token, reads through the dossier permission
funnel (another bank's dossier, one not transmitted and an unknown number all answer the same
404) and writes only through the services (atomic: nothing half-applied).
"""

from __future__ import annotations

import copy
from typing import Any

from django.conf import settings
from django.urls import URLPattern, path
from django.utils import translation

from microcredit.api import (
    claims,
    payoff,
    plans,
    reads,
    reconciliation,
    schemes,
    scopes,  # noqa: F401 (imported for its effect: it registers the scope check on the API)
    webhook_ops,
    writes,
)
from microcredit.api.auth import api_token_view
from microcredit.api.base import api
from microcredit.api.idempotency import idempotent

# The scope check (scopes.py) is registered on the API when that module is imported above: before
# the URLs are built below, else ninja refuses to add it.
# The operations are declared by these modules, reads first: their order is the schema's.
OPERATION_MODULES = (reads, reconciliation, schemes, writes, payoff, plans, claims, webhook_ops)


def operation_patterns() -> list[URLPattern]:
    """The operations' URL patterns, each marked with the API's token access rule."""
    urls, _app, _ns = api.urls
    return [
        path(str(p.pattern), idempotent(api_token_view(p.callback)), name=p.name)
        for p in urls
        if isinstance(p, URLPattern) and p.name != "api-root"
    ]


# The schema, built once per prefix and per value of what it reads (building it takes about a
# second: ninja walks every operation's models, then openapi_shape reshapes the result).
_SCHEMAS: dict[tuple[str, ...], dict[str, Any]] = {}


def openapi_schema(path_prefix: str) -> dict[str, Any]:
    """The OpenAPI schema (a copy of the one built for this prefix, server address, file size
    limit and language)."""
    key = (
        path_prefix,
        str(settings.SITE_URL),
        str(settings.DOCUMENT_MAX_BYTES),
        translation.get_language() or "",
    )
    if key not in _SCHEMAS:
        _SCHEMAS[key] = dict(api.get_openapi_schema(path_prefix=path_prefix))
    return copy.deepcopy(_SCHEMAS[key])
