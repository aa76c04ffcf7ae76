from typing import Any

from django.urls import URLPattern, include, path
from django.urls.resolvers import RoutePattern

from microcredit.api import docs_views, service_account_views, views, webhook_views
from microcredit.api.v1 import operation_patterns

app_name = "api"


class RemainingPath(RoutePattern):
    """Whatever path is left, however long: the routes above it did not take it.

    A plain route (no converter argument to fill in), so that it reverses to its prefix and the
    URL walk of tests/test_url_access.py checks its access rule like any other.
    """

    def match(self, path: str) -> tuple[str, tuple[()], dict[str, Any]]:
        return "", (), {}


v1_patterns = [
    path("openapi.json", docs_views.openapi_json, name="openapi_json"),
    path("docs", docs_views.docs, name="docs"),
    *operation_patterns(),
    # Last: any other address under /api/v1/ is a JSON 404, not Django's HTML page.
    URLPattern(
        RemainingPath("", name="unknown_path", is_endpoint=True),
        docs_views.unknown_path,
        name="unknown_path",
    ),
]

urlpatterns = [
    path("jetons/", views.token_list, name="tokens"),
    path("jetons/<id:token_id>/revoquer/", views.token_revoke, name="token_revoke"),
    path(
        "comptes-de-service/",
        service_account_views.service_accounts,
        name="service_accounts",
    ),
    path("notifications/", webhook_views.webhooks, name="webhooks"),
    path("v1/", include((v1_patterns, "v1"))),
]
