from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "microcredit.core"
    label = "core"
    verbose_name = "socle"

    def ready(self) -> None:
        from microcredit.core import converters

        converters.register()
