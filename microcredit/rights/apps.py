from django.apps import AppConfig


class RightsConfig(AppConfig):
    name = "microcredit.rights"
    label = "rights"
    verbose_name = "droits à vérifier (non-recours)"

    def ready(self) -> None:
        from microcredit.budgets import hooks
        from microcredit.rights import selectors

        hooks.rsa_base_amount_for.provide(selectors.rsa_base_amount_for)
