from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "microcredit.organisations"
    label = "organisations"
    verbose_name = "organisations"
