from django.apps import AppConfig


class LoansConfig(AppConfig):
    name = "microcredit.loans"
    label = "loans"
    verbose_name = "Prêts"

    def ready(self) -> None:
        from microcredit.dossiers import hooks
        from microcredit.loans import handlers

        hooks.loan_fully_repaid.provide(handlers.loan_fully_repaid)
        hooks.transitioned.connect(handlers.loan_follows_dossier_end)
