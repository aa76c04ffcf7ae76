from django.urls import path

from microcredit.commissions import views

app_name = "commissions"

urlpatterns = [
    path("", views.session_list, name="session_list"),
    path("nouvelle/", views.session_create, name="session_create"),
    path("<id:session_id>/", views.session_detail, name="session_detail"),
    path("<id:session_id>/modifier/", views.session_update, name="session_update"),
    path("<id:session_id>/ordre-du-jour/", views.agenda_build, name="agenda_build"),
    path("<id:session_id>/ajouter/", views.agenda_item_add, name="agenda_item_add"),
    path("<id:session_id>/cloturer/", views.session_close, name="session_close"),
    path("<id:session_id>/proces-verbal.pdf", views.minutes_download, name="minutes_download"),
    path("point/<id:item_id>/", views.summary_detail, name="summary_detail"),
    path("point/<id:item_id>/fiche.pdf", views.summary_pdf, name="summary_pdf"),
    path("point/<id:item_id>/decision/", views.agenda_item_decide, name="agenda_item_decide"),
    path("point/<id:item_id>/retirer/", views.agenda_item_remove, name="agenda_item_remove"),
]
