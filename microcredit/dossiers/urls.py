from django.urls import path

from microcredit.dossiers import views

app_name = "dossiers"

urlpatterns = [
    path("", views.dossier_list, name="list"),
    path("nouveau/", views.dossier_create, name="create"),
    path("<id:dossier_id>/modifier/", views.dossier_edit, name="edit"),
    path("<id:dossier_id>/action/", views.dossier_transition, name="transition"),
    path("<id:dossier_id>/eligibilite/", views.dossier_check_eligibility, name="eligibility"),
    path("<id:dossier_id>/partage/", views.dossier_share, name="share"),
    path(
        "<id:dossier_id>/partage/<id:worker_id>/retirer/",
        views.dossier_unshare,
        name="unshare",
    ),
    path("<id:dossier_id>/consentement/", views.dossier_consent, name="consent"),
]
