from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demonstration data: the top floor, it may import every app and none imports it."""

    name = "microcredit.demo"
    label = "demo"
    verbose_name = "démonstration"
