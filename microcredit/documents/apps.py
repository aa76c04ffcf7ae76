from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "microcredit.documents"
    label = "documents"
    verbose_name = "pièces justificatives"
