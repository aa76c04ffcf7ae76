"""Pure rules of loans: the engine's terms from the stored ones, a schedule from stored lines.

No Django here: the loan engine and plain values only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from loan_engine import DeferralKind, Keep, LoanTerms, Schedule, ScheduleRow

# The dossier's deferral kinds (Django choices) → the engine's.
ENGINE_DEFERRAL_KINDS = {
    "none": DeferralKind.NONE,
    "interest_only": DeferralKind.INTEREST_ONLY,
    "capitalised": DeferralKind.CAPITALISED,
}

INITIAL_SCHEDULE_REASON = "Échéancier initial"
MAX_REFERENCE_LENGTH = 64

# The borrower's choice on a partial early repayment (Repayment.early_repayment_keep) → the
# engine's.
KEEP_INSTALLMENT = "installment"
KEEP_END_DATE = "end_date"
ENGINE_KEEP = {KEEP_INSTALLMENT: Keep.INSTALLMENT, KEEP_END_DATE: Keep.END_DATE}

# The engine's arrears buckets (loan_engine.bucket_label: "current", "late", then "<n>+" for
# each further bound, (1, 30, 60, 90) by default) in French.
ARREARS_BUCKET_LABELS = {"current": "à jour", "late": "en retard"}


def engine_deferral_kind(kind: str) -> DeferralKind:
    """ "interest_only" → DeferralKind.INTEREST_ONLY; KeyError for an unknown kind."""
    return ENGINE_DEFERRAL_KINDS[kind]


def loan_terms(
    *,
    principal: Decimal,
    rate_percent: Decimal,
    months: int,
    deferral_months: int,
    deferral_kind: str,
    disbursement_date: date,
) -> LoanTerms:
    """The engine's terms for a rate in percent (1.750 → 0.0175) and a dossier deferral kind."""
    return LoanTerms(
        principal=principal,
        annual_rate=rate_percent / Decimal(100),
        months=months,
        disbursement_date=disbursement_date,
        deferral_months=deferral_months if deferral_kind != "none" else 0,
        deferral_kind=engine_deferral_kind(deferral_kind if deferral_months else "none"),
    )


@dataclass(frozen=True)
class StoredLine:
    """One schedule line as stored (the fields the engine's row has, minus arrears interest)."""

    number: int
    due_date: date
    kind: str
    payment: Decimal
    interest: Decimal
    principal: Decimal
    capitalised: Decimal
    balance: Decimal


def schedule_from_lines(
    terms: LoanTerms, lines: Iterable[StoredLine], *, installment: Decimal, version: int = 1
) -> Schedule:
    """The engine's Schedule rebuilt from stored lines (for allocating payments to it)."""
    rows = tuple(
        ScheduleRow(
            number=line.number,
            due_date=line.due_date,
            payment=line.payment,
            interest=line.interest,
            principal=line.principal,
            balance=line.balance,
            kind=line.kind,
            capitalised=line.capitalised,
        )
        for line in sorted(lines, key=lambda line: line.number)
    )
    total_interest = sum((r.interest for r in rows), Decimal("0.00"))
    total_due = sum((r.payment for r in rows), Decimal("0.00"))
    return Schedule(
        terms=terms,
        rows=rows,
        installment=installment,
        total_interest=total_interest,
        total_due=total_due,
        version=version,
    )


def engine_keep(keep: str) -> Keep:
    """ "end_date" → Keep.END_DATE; KeyError for an unknown choice."""
    return ENGINE_KEEP[keep]


def early_repayment_reason(*, on_date: date, keep: str, total: bool) -> str:
    """The reason of the schedule version an early repayment creates (≤ 200 characters)."""
    day = f"{on_date:%d/%m/%Y}"
    if total:
        return f"Remboursement anticipé total du {day}"
    effect = "durée réduite" if keep == KEEP_INSTALLMENT else "mensualité réduite"
    return f"Remboursement anticipé partiel du {day} ({effect})"


def arrears_bucket_label(bucket: str) -> str:
    """The French label of an engine bucket: "late" → "en retard", "30+" → "30 jours et plus"."""
    if bucket in ARREARS_BUCKET_LABELS:
        return ARREARS_BUCKET_LABELS[bucket]
    days = bucket.removesuffix("+")
    if days.isdigit() and bucket.endswith("+"):
        return f"{days} jours et plus"
    return bucket


def check_reference(reference: str) -> str | None:
    """A French sentence when the bank's reference is unusable, else None."""
    if not reference.strip():
        return "La référence de la banque est vide."
    if len(reference) > MAX_REFERENCE_LENGTH:
        return f"La référence de la banque dépasse {MAX_REFERENCE_LENGTH} caractères."
    return None
