"""What servicing answers when a lower app asks (plugged into dossiers.hooks in apps.py)."""

from __future__ import annotations

from microcredit.dossiers.models import Dossier
from microcredit.servicing.selectors.closing import closing_blockers_for


def closing_blockers(dossier: Dossier) -> list[str]:
    """Why « Clôturer le dossier » must wait, in French: for a repaid loan, the project proof
    and the bonification, each recorded or waived with a reason (none after a guarantee
    claim)."""
    return closing_blockers_for(dossier)
