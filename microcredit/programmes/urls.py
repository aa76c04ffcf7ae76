from django.urls import path

from microcredit.programmes import views

app_name = "programmes"

urlpatterns = [
    path("", views.programme_list, name="programme_list"),
    path("<id:programme_id>/versions/<id:number>/", views.version_detail, name="version_detail"),
    path("<id:programme_id>/nouvelle-version/", views.version_create, name="version_create"),
]
