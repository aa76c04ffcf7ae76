from django.urls import path

from microcredit.applicants import views

app_name = "applicants"

urlpatterns = [
    path("nouveau/", views.applicant_create, name="create"),
    path("<int:applicant_id>/", views.applicant_detail, name="detail"),
    path("<int:applicant_id>/modifier/", views.applicant_edit, name="edit"),
    path("<int:applicant_id>/menage/ajouter/", views.member_add, name="member_add"),
    path(
        "<int:applicant_id>/menage/<int:member_id>/retirer/",
        views.member_remove,
        name="member_remove",
    ),
]
