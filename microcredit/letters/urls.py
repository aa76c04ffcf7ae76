from django.urls import path

from microcredit.letters import views

app_name = "letters"

urlpatterns = [
    path("modeles/", views.letter_templates, name="templates"),
    path("modeles/apercu/", views.letter_template_preview, name="template_preview"),
    path("<id:letter_id>/", views.letter_download, name="download"),
]
