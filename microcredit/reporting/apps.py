from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "microcredit.reporting"
    label = "reporting"
    verbose_name = "Bilan et statistiques"
