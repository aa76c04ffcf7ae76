from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    name = "microcredit.programmes"
    label = "programmes"
    verbose_name = "paramètres du dispositif"
