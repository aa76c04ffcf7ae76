"""Follow-up pages, under /accompagnement/: each topic's views module lists its urlpatterns."""

from django.urls import URLPattern

from microcredit.followup.views import notes, requests

app_name = "followup"

urlpatterns: list[URLPattern] = [*notes.urlpatterns, *requests.urlpatterns]
