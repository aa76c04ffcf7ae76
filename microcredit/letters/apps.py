from django.apps import AppConfig


class LettersConfig(AppConfig):
    name = "microcredit.letters"
    label = "letters"
    verbose_name = "Courriers"

    def ready(self) -> None:
        from microcredit.dossiers import hooks
        from microcredit.letters import handlers
        from microcredit.servicing import hooks as servicing_hooks

        hooks.transitioned.connect(handlers.letter_after_decision)
        servicing_hooks.letter_due.connect(handlers.letter_after_servicing)
