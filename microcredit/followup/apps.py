from django.apps import AppConfig


class FollowupConfig(AppConfig):
    name = "microcredit.followup"
    label = "followup"
    verbose_name = "Accompagnement et demandes"
