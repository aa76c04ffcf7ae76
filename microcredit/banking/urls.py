from django.urls import path

from microcredit.banking import views

app_name = "banking"

urlpatterns = [
    path("", views.bank_dossier_list, name="list"),
    path("dossiers/<id:dossier_id>/", views.bank_dossier_detail, name="dossier"),
    path("dossiers/<id:dossier_id>/accorder/", views.bank_accept, name="accept"),
    path("dossiers/<id:dossier_id>/refuser/", views.bank_refuse, name="refuse"),
    path("dossiers/<id:dossier_id>/offre/", views.bank_offer, name="offer"),
    path("dossiers/<id:dossier_id>/decaissement/", views.bank_disburse, name="disburse"),
]
