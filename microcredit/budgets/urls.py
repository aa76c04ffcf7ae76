from django.urls import path

from microcredit.budgets import views

app_name = "budgets"

urlpatterns = [
    path("<id:dossier_id>/budget/modifier/", views.budget_edit, name="edit"),
    path("<id:dossier_id>/budget/avis/", views.budget_opinion, name="opinion"),
]
