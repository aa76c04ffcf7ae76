from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "microcredit.documents"
    label = "documents"
    verbose_name = "pièces justificatives"

    def ready(self) -> None:
        from microcredit.documents import selectors
        from microcredit.dossiers import hooks

        hooks.missing_document_labels.provide(selectors.missing_document_labels)
        hooks.consent_document_exists.provide(selectors.consent_document_exists)
