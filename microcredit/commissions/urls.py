from django.urls import path

from microcredit.commissions import views

app_name = "commissions"

urlpatterns = [
    path("", views.session_list, name="session_list"),
    path("nouvelle/", views.session_create, name="session_create"),
    path("<int:session_id>/", views.session_detail, name="session_detail"),
    path("<int:session_id>/modifier/", views.session_update, name="session_update"),
    path("<int:session_id>/ordre-du-jour/", views.agenda_build, name="agenda_build"),
    path("<int:session_id>/ajouter/", views.agenda_item_add, name="agenda_item_add"),
    path("<int:session_id>/cloturer/", views.session_close, name="session_close"),
    path("<int:session_id>/proces-verbal.pdf", views.minutes_download, name="minutes_download"),
    path("point/<int:item_id>/", views.summary_detail, name="summary_detail"),
    path("point/<int:item_id>/fiche.pdf", views.summary_pdf, name="summary_pdf"),
    path("point/<int:item_id>/decision/", views.agenda_item_decide, name="agenda_item_decide"),
    path("point/<int:item_id>/retirer/", views.agenda_item_remove, name="agenda_item_remove"),
]
