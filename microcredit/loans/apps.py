from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate


class LoansConfig(AppConfig):
    name = "microcredit.loans"
    label = "loans"
    verbose_name = "Prêts"

    def ready(self) -> None:
        from microcredit.dossiers import hooks
        from microcredit.loans import handlers, triggers

        hooks.loan_fully_repaid.provide(handlers.loan_fully_repaid)
        hooks.transitioned.connect(handlers.loan_follows_dossier_end)
        # SQLite: the organisation triggers are the migrate command's (ADR 0018).
        pre_migrate.connect(
            triggers.drop_before_migrate, sender=self, dispatch_uid="loans.triggers.drop"
        )
        post_migrate.connect(
            triggers.create_after_migrate, sender=self, dispatch_uid="loans.triggers.create"
        )
