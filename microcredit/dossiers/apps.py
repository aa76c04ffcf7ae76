from django.apps import AppConfig


class DossiersConfig(AppConfig):
    name = "microcredit.dossiers"
    label = "dossiers"
    verbose_name = "dossiers"
