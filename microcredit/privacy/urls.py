"""Personal data over its whole life: a person's rights (export, erasure) and the read log."""

from django.urls import path

from microcredit.privacy.views import access_log, people

app_name = "privacy"

urlpatterns = [
    path("", people.people, name="people"),
    path("personnes/<id:applicant_id>/", people.person, name="person"),
    path("personnes/<id:applicant_id>/export.zip", people.person_export, name="person_export"),
    path("personnes/<id:applicant_id>/effacement/", people.person_erase, name="person_erase"),
    path("journal/", access_log.access_log, name="access_log"),
]
