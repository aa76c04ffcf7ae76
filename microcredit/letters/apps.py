from django.apps import AppConfig


class LettersConfig(AppConfig):
    name = "microcredit.letters"
    label = "letters"
    verbose_name = "Courriers"
