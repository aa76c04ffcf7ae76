"""What the apps above `dossiers` contribute to a dossier's moves (see core/hooks.py).

`documents`, `loans` and `letters` hold a foreign key to the dossier (`servicing` one to its
loan), so they sit above it and `dossiers` never imports them. A move's preconditions still need
their facts, and some moves have consequences there; each of those apps plugs its part in from
its `AppConfig.ready()`.
"""

from __future__ import annotations

from microcredit.core.hooks import Listeners, Provider
from microcredit.dossiers.models import Dossier, DossierEvent
from microcredit.programmes.models import ProgrammeVersion

# The labels of the pieces the dossier's purpose requires and that are not filed (documents).
missing_document_labels: Provider[[Dossier, ProgrammeVersion | None], list[str]] = Provider(
    "dossiers.missing_document_labels"
)
# Whether the signed consent to transmit the dossier is filed (documents).
consent_document_exists: Provider[[Dossier], bool] = Provider("dossiers.consent_document_exists")
# Whether every row of the dossier's loan schedule is paid (loans); False without a loan.
loan_fully_repaid: Provider[[Dossier], bool] = Provider("dossiers.loan_fully_repaid")
# What still prevents closing the dossier, in French sentences (servicing): for a repaid loan, the
# project proof and the bonification, each recorded or waived with a reason; read only by « close ».
closing_blockers: Provider[[Dossier], list[str]] = Provider("dossiers.closing_blockers")
# A move was written (inside its transaction): the loan follows the dossier's end, a decision
# gets its letter after the commit.
transitioned: Listeners[[DossierEvent]] = Listeners("dossiers.transitioned")
