from django.urls import path

from microcredit.shell import views

app_name = "shell"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("theme/<slug:slug>.css", views.theme_css, name="theme_css"),
    path("organisations/<slug:slug>/logo", views.organisation_logo, name="organisation_logo"),
]
