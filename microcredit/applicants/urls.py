from django.urls import path

from microcredit.applicants import views

app_name = "applicants"

urlpatterns = [
    path("nouveau/", views.applicant_create, name="create"),
    path("<id:applicant_id>/", views.applicant_detail, name="detail"),
    path("<id:applicant_id>/modifier/", views.applicant_edit, name="edit"),
    path("<id:applicant_id>/menage/ajouter/", views.member_add, name="member_add"),
    path(
        "<id:applicant_id>/menage/<id:member_id>/retirer/",
        views.member_remove,
        name="member_remove",
    ),
]
