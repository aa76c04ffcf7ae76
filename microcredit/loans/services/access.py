"""Who records the bank's repayments and incidents."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership
from microcredit.core.errors import TransitionRefused
from microcredit.loans.models import Loan
from microcredit.organisations.models import Organisation

# CCAS staff who record the repayments of their organisation's loans (a bank statement import).
CCAS_RECORDING_ROLES = frozenset({Role.AGENT, Role.DIRECTOR})


def bank_for_update(membership: Membership | None) -> Organisation:
    """The adviser's bank, its row locked: one batch at a time per bank (no duplicate)."""
    if membership is None or membership.role != Role.BANK_ADVISER or not membership.active:
        raise TransitionRefused("Seul le partenaire bancaire enregistre les remboursements.")
    return Organisation.objects.select_for_update().get(pk=membership.organisation_id)


@dataclass(frozen=True)
class Recorder:
    """Who records repayments: a bank adviser for their bank's loans (`bank_id`), or an agent
    or the director of a CCAS for their organisation's loans (the repayment's bank is then the
    loan's)."""

    bank_id: int | None
    organisation_id: int

    @property
    def is_bank(self) -> bool:
        return self.bank_id is not None

    def records(self, loan: Loan) -> bool:
        """Whether this recorder records the repayments of `loan`."""
        if self.bank_id is not None:
            return loan.bank_id == self.bank_id
        return loan.organisation_id == self.organisation_id


def repayment_recorder(membership: Membership | None) -> Recorder:
    """The recorder of `membership`; a bank adviser's bank row is locked (one batch at a time
    per bank). CCAS staff lock the banks of their lines with `banks_for_update`.

    Raises:
        TransitionRefused: neither a bank adviser nor a CCAS agent or director.
    """
    if membership is not None and membership.active and membership.role == Role.BANK_ADVISER:
        bank = bank_for_update(membership)
        return Recorder(bank_id=bank.pk, organisation_id=bank.pk)
    if membership is not None and membership.active and membership.role in CCAS_RECORDING_ROLES:
        return Recorder(bank_id=None, organisation_id=membership.organisation_id)
    raise TransitionRefused(
        "Seuls le partenaire bancaire, l'agent et la direction du CCAS enregistrent les "
        "remboursements."
    )


def banks_for_update(bank_ids: Iterable[int]) -> None:
    """Lock the rows of these banks, in a fixed order (no deadlock between two batches)."""
    ids = sorted(set(bank_ids))
    if ids:
        list(Organisation.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
