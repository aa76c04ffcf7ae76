from django.apps import AppConfig


class ServicingConfig(AppConfig):
    name = "microcredit.servicing"
    label = "servicing"
    verbose_name = "Suivi des prêts"
