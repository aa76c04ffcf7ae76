from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "microcredit.privacy"
    label = "privacy"
    verbose_name = "Données personnelles"
