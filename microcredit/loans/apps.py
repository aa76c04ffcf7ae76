from django.apps import AppConfig


class LoansConfig(AppConfig):
    name = "microcredit.loans"
    label = "loans"
    verbose_name = "Prêts"
