"""Reads of the bank's side: the dossiers transmitted to the adviser's bank, the offer's figures."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet
from django.http import Http404

from loan_engine import LoanEngineError, Schedule, UsuryCheck, annual_percentage_rate, loan_terms
from loan_engine import build_schedule as engine_build_schedule
from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership, User
from microcredit.banking import rules
from microcredit.banking.models import BankDecision
from microcredit.documents.models import Document
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier, DossierEvent
from microcredit.dossiers.selectors import PAGE_SIZE as DOSSIER_PAGE_SIZE
from microcredit.dossiers.selectors import (
    access_dossiers_for_user,
    counts_by_state,
    dossier_among_or_404,
)
from microcredit.loans.models import Loan
from microcredit.programmes.models import ProgrammeVersion

# The list's three groups (and the states after a disbursement).
TO_DECIDE = "to_decide"
AWAITING_DISBURSEMENT = "granted"
DISBURSED = "disbursed"
CLOSED_BY_BANK = "other"
GROUP_STATES: dict[str, tuple[str, ...]] = {
    TO_DECIDE: (DossierState.TRANSMITTED_TO_BANK,),
    AWAITING_DISBURSEMENT: (DossierState.GRANTED,),
    DISBURSED: (
        DossierState.DISBURSED,
        DossierState.REPAID,
        DossierState.GUARANTEE_CALLED,
        DossierState.CLOSED,
    ),
}


def bank_dossiers(user: User, membership: Membership | None) -> QuerySet[Dossier]:
    """The dossiers transmitted to the adviser's bank (none for any other role)."""
    if membership is None or membership.role != Role.BANK_ADVISER:
        return Dossier.objects.none()
    return access_dossiers_for_user(user, membership).filter(bank_transmitted_at__isnull=False)


def bank_dossier_for_user_or_404(
    user: User, membership: Membership | None, dossier_id: int, *, for_update: bool = False
) -> Dossier:
    """A dossier transmitted to the adviser's bank; 404 otherwise."""
    return dossier_among_or_404(bank_dossiers(user, membership), dossier_id, for_update=for_update)


@dataclass(frozen=True)
class BankRow:
    dossier: Dossier
    decision: BankDecision | None


# The list's groups, in the order of the page's tabs (CLOSED_BY_BANK: every other state).
GROUPS = (TO_DECIDE, AWAITING_DISBURSEMENT, DISBURSED, CLOSED_BY_BANK)
PAGE_SIZE = DOSSIER_PAGE_SIZE  # the dossier list's


def group_of(state: str) -> str:
    return next((g for g, states in GROUP_STATES.items() if state in states), CLOSED_BY_BANK)


def bank_dossier_list(
    user: User, membership: Membership | None, *, group: str = ""
) -> QuerySet[Dossier]:
    """The list page's dossiers, the latest state change first, all of them or one group's
    (the partial indexes dossier_bank_list and dossier_bank_state_list give that order); each
    row with its decision and CCAS (no N+1). The page shows them a page at a time."""
    rows = bank_dossiers(user, membership).select_related(
        "applicant", "bank_decision", "organisation"
    )
    if group in GROUP_STATES:
        rows = rows.filter(state__in=GROUP_STATES[group])
    elif group == CLOSED_BY_BANK:
        rows = rows.exclude(state__in=[s for states in GROUP_STATES.values() for s in states])
    return rows.order_by("-state_changed_at", "-id")


def bank_rows(dossiers: Iterable[Dossier]) -> list[BankRow]:
    """A page's dossiers with their decision (read with them by bank_dossier_list)."""
    return [BankRow(dossier, getattr(dossier, "bank_decision", None)) for dossier in dossiers]


def bank_group_counts(user: User, membership: Membership | None) -> dict[str, int]:
    """How many of the bank's dossiers each group holds (counted from the index on the bank and
    the state, once per change: dossiers.selectors.counts_by_state)."""
    counts = dict.fromkeys(GROUPS, 0)
    if membership is None:
        return counts
    by_state = counts_by_state(
        bank_dossiers(user, membership), f"bank-{membership.organisation_id}"
    )
    for state, n in by_state.items():
        counts[group_of(state)] += n
    return counts


def scheme_bounds(version: ProgrammeVersion) -> rules.SchemeBounds:
    return rules.SchemeBounds(
        min_amount=version.min_amount,
        max_amount=version.max_amount,
        min_months=version.min_months,
        max_months=version.max_months,
        max_deferral_months=version.max_deferral_months,
        allow_interest_only_deferral=version.allow_interest_only_deferral,
        allow_capitalised_deferral=version.allow_capitalised_deferral,
    )


@dataclass(frozen=True)
class OfferQuote:
    """The figures of the terms the bank considers, and what keeps them from being granted."""

    version: ProgrammeVersion | None
    problems: list[rules.Problem] = field(default_factory=list)
    schedule: Schedule | None = None
    apr_percent: Decimal | None = None
    usury: UsuryCheck | None = None

    @property
    def installment(self) -> Decimal | None:
        return self.schedule.installment if self.schedule is not None else None

    @property
    def ok(self) -> bool:
        return not self.problems and self.schedule is not None


def offer_quote(
    version: ProgrammeVersion | None,
    *,
    amount: Decimal,
    months: int,
    deferral_months: int,
    deferral_kind: str,
    on_date: date,
) -> OfferQuote:
    """Check the terms against `version` and price them (provisional disbursement on_date)."""
    if version is None:
        return OfferQuote(
            None,
            [
                rules.Problem(
                    "__all__",
                    "no_parameters",
                    "Aucune version des paramètres du dispositif n'est en vigueur.",
                )
            ],
        )
    problems = rules.check_terms(
        amount=amount,
        months=months,
        deferral_months=deferral_months,
        deferral_kind=deferral_kind,
        bounds=scheme_bounds(version),
    )
    if problems:
        return OfferQuote(version, problems)
    try:
        schedule = engine_build_schedule(
            loan_terms(
                principal=amount,
                rate_percent=version.nominal_rate_percent,
                months=months,
                deferral_months=deferral_months,
                deferral_kind=deferral_kind,
                disbursement_date=on_date,
            )
        )
        apr = annual_percentage_rate(schedule)
    except LoanEngineError as error:
        return OfferQuote(version, [rules.Problem("__all__", error.code, error.message)])
    usury, problem = rules.check_usury_for(apr, amount, on_date, version.usury_rows())
    return OfferQuote(
        version, [problem] if problem else [], schedule=schedule, apr_percent=apr, usury=usury
    )


@dataclass(frozen=True)
class BankDossierPage:
    dossier: Dossier
    decision: BankDecision | None
    committee_decided_at: object  # datetime | None
    documents: list[Document]
    loan: Loan | None


def bank_dossier_page(
    user: User, membership: Membership | None, dossier_id: int
) -> BankDossierPage:
    """What the bank page shows, in a fixed number of queries."""
    dossier = (
        bank_dossiers(user, membership)
        .select_related(
            "applicant",
            "programme",
            "organisation",
            "bank_decision",
            "bank_decision__offer_document",
            "disbursement",
            "loan",
        )
        .filter(pk=dossier_id)
        .first()
    )
    if dossier is None:
        raise Http404("Dossier introuvable.")
    event = (
        DossierEvent.objects.filter(dossier=dossier, transition="transmit_to_bank")
        .order_by("-at")
        .first()
    )
    documents = list(
        Document.objects.filter(
            dossier=dossier, kind__in=[rules.SIGNED_OFFER_KIND, rules.PAYEE_CHANGE_KIND]
        ).order_by("-id")
    )
    return BankDossierPage(
        dossier=dossier,
        decision=getattr(dossier, "bank_decision", None),
        committee_decided_at=event.at if event else dossier.bank_transmitted_at,
        documents=documents,
        loan=getattr(dossier, "loan", None),
    )
