from django.apps import AppConfig


class BudgetsConfig(AppConfig):
    name = "microcredit.budgets"
    label = "budgets"
    verbose_name = "budgets des ménages"
