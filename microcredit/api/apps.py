from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "microcredit.api"
    label = "api"
    verbose_name = "API du partenaire bancaire"
