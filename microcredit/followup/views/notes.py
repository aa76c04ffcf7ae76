"""notes: see the package docstring."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
