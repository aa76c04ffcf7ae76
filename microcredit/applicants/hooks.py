"""What the apps above `applicants` do when an applicant changes (see core/hooks.py)."""

from __future__ import annotations

from microcredit.accounts.models import User
from microcredit.applicants.models import Applicant
from microcredit.core.hooks import Listeners

# An applicant's fields changed (inside the update's transaction): the actor, the applicant and
# the names of the fields that changed. The dossiers app resets the eligibility that read them.
applicant_changed: Listeners[[User, Applicant, frozenset[str]]] = Listeners(
    "applicants.applicant_changed"
)
