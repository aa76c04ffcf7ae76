from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from microcredit.accounts.access import public
from microcredit.dossiers.urls import urlpatterns as dossier_urlpatterns
from microcredit.shell.urls import dossier_urlpatterns as dossier_page_urlpatterns

admin.site.site_header = "Micro-crédit — administration technique"
admin.site.site_title = "Administration technique"

urlpatterns = [
    path("", include("microcredit.shell.urls")),
    path("compte/", include("microcredit.accounts.urls")),
    path("parametres/", include("microcredit.programmes.urls")),
    path("simulateur/", include("microcredit.simulator.urls")),
    path("demandeurs/", include("microcredit.applicants.urls")),
    path("dossiers/", include((dossier_urlpatterns + dossier_page_urlpatterns, "dossiers"))),
    path("dossiers/", include("microcredit.budgets.urls")),
    path("dossiers/", include("microcredit.rights.urls")),
    path("pieces/", include("microcredit.documents.urls")),
    path("accompagnement/", include("microcredit.followup.urls")),
    path("commission/", include("microcredit.commissions.urls")),
    path("banque/", include("microcredit.banking.urls")),
    path("prets/", include("microcredit.loans.urls")),
    path("suivi/", include("microcredit.servicing.urls")),
    path("courriers/", include("microcredit.letters.urls")),
    path("api/", include("microcredit.api.urls")),
    path("bilan/", include("microcredit.reporting.urls")),
    path("donnees-personnelles/", include("microcredit.privacy.urls")),
    path("langue/", public(set_language), name="set_language"),
    path("admin/", admin.site.urls),
]
