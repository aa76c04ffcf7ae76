from django.apps import AppConfig


class SimulatorConfig(AppConfig):
    name = "microcredit.simulator"
    label = "simulator"
    verbose_name = "simulateur public"
