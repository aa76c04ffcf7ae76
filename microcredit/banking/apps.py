from django.apps import AppConfig


class BankingConfig(AppConfig):
    name = "microcredit.banking"
    label = "banking"
    verbose_name = "Partenaire bancaire"
