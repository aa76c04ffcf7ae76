from django.apps import AppConfig


class ApplicantsConfig(AppConfig):
    name = "microcredit.applicants"
    label = "applicants"
    verbose_name = "demandeurs et ménages"
