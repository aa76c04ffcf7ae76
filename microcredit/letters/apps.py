from django.apps import AppConfig


class LettersConfig(AppConfig):
    name = "microcredit.letters"
    label = "letters"
    verbose_name = "Courriers"

    def ready(self) -> None:
        from microcredit.dossiers import hooks
        from microcredit.letters import handlers

        hooks.transitioned.connect(handlers.letter_after_decision)
