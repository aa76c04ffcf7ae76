"""The servicing pages: each topic's view module declares its own routes."""

from __future__ import annotations

from microcredit.servicing.views import alerts, claims, closing, loan, plans, portfolio, statements

app_name = "servicing"

urlpatterns = [
    *loan.urlpatterns,
    *portfolio.urlpatterns,
    *alerts.urlpatterns,
    *plans.urlpatterns,
    *claims.urlpatterns,
    *closing.urlpatterns,
    *statements.urlpatterns,
]
