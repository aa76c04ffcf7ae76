"""The bank partner's HTTP API, version 1 (django-ninja): /api/v1/…

Every operation authenticates a bank adviser's token, reads through the dossier permission
funnel (another bank's dossier, one not transmitted and an unknown number all answer the same
404) and writes only through the services (atomic: nothing half-applied).
"""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, path

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


def openapi_schema(path_prefix: str) -> dict[str, Any]:
    return dict(api.get_openapi_schema(path_prefix=path_prefix))
