from django.urls import path

from microcredit.rights import views

app_name = "rights"

urlpatterns = [
    path("<id:dossier_id>/droits/", views.rights_section_view, name="section"),
    path("<id:dossier_id>/droits/estimer/", views.rights_request, name="request"),
    path("<id:dossier_id>/droits/suite/", views.right_outcome, name="outcome"),
]
