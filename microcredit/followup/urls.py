"""Follow-up pages, under /accompagnement/: each topic's views module lists its urlpatterns."""

from django.urls import URLPattern

app_name = "followup"

urlpatterns: list[URLPattern] = []
