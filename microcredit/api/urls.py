from django.urls import include, path

from microcredit.api import views
from microcredit.api.v1 import operation_patterns

app_name = "api"

v1_patterns = [
    path("openapi.json", views.openapi_json, name="openapi_json"),
    path("docs", views.docs, name="docs"),
    *operation_patterns(),
]

urlpatterns = [
    path("jetons/", views.token_list, name="tokens"),
    path("jetons/<int:token_id>/revoquer/", views.token_revoke, name="token_revoke"),
    path("v1/", include((v1_patterns, "v1"))),
]
