from django.urls import path

from microcredit.documents import views

app_name = "documents"

urlpatterns = [
    path("dossiers/<id:dossier_id>/deposer/", views.document_upload, name="upload"),
    path("<id:document_id>/", views.document_download, name="download"),
]
