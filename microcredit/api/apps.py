from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "microcredit.api"
    label = "api"
    verbose_name = "API du partenaire bancaire"

    def ready(self) -> None:
        from microcredit.api import webhooks
        from microcredit.dossiers import hooks

        # A move of a dossier transmitted to a bank is notified to the bank's webhooks.
        hooks.transitioned.connect(webhooks.webhooks_after_transition)
