from django.urls import path

from microcredit.dossiers import views

app_name = "dossiers"

urlpatterns = [
    path("", views.dossier_list, name="list"),
    path("nouveau/", views.dossier_create, name="create"),
    path("<int:dossier_id>/modifier/", views.dossier_edit, name="edit"),
    path("<int:dossier_id>/action/", views.dossier_transition, name="transition"),
    path("<int:dossier_id>/eligibilite/", views.dossier_check_eligibility, name="eligibility"),
    path("<int:dossier_id>/partage/", views.dossier_share, name="share"),
    path(
        "<int:dossier_id>/partage/<int:worker_id>/retirer/",
        views.dossier_unshare,
        name="unshare",
    ),
    path("<int:dossier_id>/consentement/", views.dossier_consent, name="consent"),
]
