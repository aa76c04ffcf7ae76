from django.apps import AppConfig


class CommissionsConfig(AppConfig):
    name = "microcredit.commissions"
    label = "commissions"
    verbose_name = "Commission Permanente"
