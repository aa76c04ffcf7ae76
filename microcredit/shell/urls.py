from django.urls import path

from microcredit.shell import views, views_pages

app_name = "shell"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("theme/<slug:slug>.css", views.theme_css, name="theme_css"),
    path("organisations/<slug:slug>/logo", views.organisation_logo, name="organisation_logo"),
    path("accessibilite/", views_pages.accessibility_statement, name="accessibility"),
    path("plan-du-site/", views_pages.site_map, name="site_map"),
    path("favicon.ico", views_pages.favicon, name="favicon"),
]

# The dossier page composes every app that hangs off a dossier: it is served here, under the
# `dossiers` namespace (config/urls.py adds it to the dossiers app's own pages).
dossier_urlpatterns = [
    path("<id:dossier_id>/", views.dossier_detail, name="detail"),
]
