"""The director's bilan: statistics and charts, exports, the annual report, the regulator's
figures, the import of a scheme's history and the what-if of new parameters."""

from django.urls import path

from microcredit.reporting.views import dashboard, exports, imports, regulator, report, whatif

app_name = "reporting"

urlpatterns = [
    path("", dashboard.statistics, name="statistics"),
    path("exports/", exports.export_list, name="exports"),
    path("exports/<str:dataset>.<str:fmt>", exports.export_download, name="export"),
    path("rapport-annuel.pdf", report.annual_report, name="annual_report"),
    path("statistiques.<str:fmt>", report.statistics_export, name="statistics_export"),
    path("banque-de-france/", regulator.regulator_figures, name="regulator"),
    path("banque-de-france.csv", regulator.regulator_csv, name="regulator_csv"),
    path("import/", imports.import_history, name="import"),
    path("import/modele.<str:fmt>", imports.import_template, name="import_template"),
    path("simulation/", whatif.whatif, name="whatif"),
]
