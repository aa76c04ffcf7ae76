from django.urls import URLPattern

app_name = "banking"

urlpatterns: list[URLPattern] = []
