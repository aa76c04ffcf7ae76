from django.apps import AppConfig


class RightsConfig(AppConfig):
    name = "microcredit.rights"
    label = "rights"
    verbose_name = "droits à vérifier (non-recours)"
