from django.urls import path

from microcredit.simulator import views

app_name = "simulator"

urlpatterns = [
    path("", views.simulator, name="simulator"),
    path("<slug:slug>/", views.ccas_simulator, name="ccas"),
]
