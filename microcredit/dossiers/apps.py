from django.apps import AppConfig


class DossiersConfig(AppConfig):
    name = "microcredit.dossiers"
    label = "dossiers"
    verbose_name = "dossiers"

    def ready(self) -> None:
        from microcredit.applicants import hooks
        from microcredit.dossiers import services

        hooks.applicant_changed.connect(services.dossier_eligibility_reset_for_applicant)
