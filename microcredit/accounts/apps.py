from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "microcredit.accounts"
    label = "accounts"
    verbose_name = "comptes"
