from django.apps import AppConfig


class ShellConfig(AppConfig):
    """The pages that compose several apps: home per role, navigation, the dossier page."""

    name = "microcredit.shell"
    label = "shell"
    verbose_name = "coquille de l'application"
