from django.apps import AppConfig


class ServicingConfig(AppConfig):
    name = "microcredit.servicing"
    label = "servicing"
    verbose_name = "Suivi des prêts"

    def ready(self) -> None:
        from microcredit.dossiers import hooks
        from microcredit.servicing import handlers

        hooks.closing_blockers.provide(handlers.closing_blockers)
