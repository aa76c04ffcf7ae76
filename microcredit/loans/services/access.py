"""Who records the bank's repayments and incidents."""

from __future__ import annotations

from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership
from microcredit.core.errors import TransitionRefused
from microcredit.organisations.models import Organisation


def bank_for_update(membership: Membership | None) -> Organisation:
    """The adviser's bank, its row locked: one batch at a time per bank (no duplicate)."""
    if membership is None or membership.role != Role.BANK_ADVISER or not membership.active:
        raise TransitionRefused("Seul le partenaire bancaire enregistre les remboursements.")
    return Organisation.objects.select_for_update().get(pk=membership.organisation_id)
