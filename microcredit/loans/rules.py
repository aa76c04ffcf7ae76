"""Pure rules of loans: a schedule from stored lines, the checks of the bank's repayment and
incident lines, the schedules early repayments create.

No Django here: the loan engine and plain values only. The engine's terms of a loan come from
``loan_engine.loan_terms`` (the one builder).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from loan_engine import (
    KIND_EARLY_REPAYMENT,
    Keep,
    LoanEngineError,
    LoanTerms,
    Payment,
    Schedule,
    ScheduleRow,
    partial_repayment,
    payoff_quote,
)
from microcredit.core.formatting import format_date, format_eur

INITIAL_SCHEDULE_REASON = "Échéancier initial"
MAX_REFERENCE_LENGTH = 64
MAX_BATCH = 500

# The borrower's choice on a partial early repayment (Repayment.early_repayment_keep) → the
# engine's.
KEEP_INSTALLMENT = "installment"
KEEP_END_DATE = "end_date"
ENGINE_KEEP = {KEEP_INSTALLMENT: Keep.INSTALLMENT, KEEP_END_DATE: Keep.END_DATE}

# The engine's arrears buckets (loan_engine.bucket_label: "current", "late", then "<n>+" for
# each further bound, (1, 30, 60, 90) by default) in French.
ARREARS_BUCKET_LABELS = {"current": "à jour", "late": "en retard"}


@dataclass(frozen=True)
class StoredLine:
    """One schedule line as stored (the fields of the engine's row)."""

    number: int
    due_date: date
    kind: str
    payment: Decimal
    interest: Decimal
    principal: Decimal
    capitalised: Decimal
    balance: Decimal
    arrears_interest: Decimal = Decimal("0.00")


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
            arrears_interest=line.arrears_interest,
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
    day = format_date(on_date)
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


# --- The bank's lines ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RepaymentLine:
    """One repayment of the bank. `early_repayment`: the borrower asks for the surplus to repay
    the loan early; `early_repayment_keep` is then their choice, "installment" (keep the
    installment, fewer installments) or "end_date" (keep the end date, lower installment)."""

    reference: str
    dossier_number: str
    date: date
    amount: Decimal
    early_repayment: bool = False
    early_repayment_keep: str = KEEP_INSTALLMENT


@dataclass(frozen=True)
class Problem:
    """What is wrong with a line (or one of its fields): a code and a French sentence."""

    code: str
    message: str


def line_label(index: int, reference: str) -> str:
    return f"Ligne {index} (référence « {reference} »)"


def check_money(amount: Decimal) -> bool:
    """A positive amount, to the cent."""
    return amount > 0 and amount == amount.quantize(Decimal("0.01"))


def stored_keep(line: RepaymentLine) -> str:
    """The stored choice: only an early repayment has one."""
    return line.early_repayment_keep if line.early_repayment else ""


def repayment_content(line: RepaymentLine, loan_id: int) -> tuple[int, date, Decimal, bool, str]:
    """What two repayments with the same reference must share to be the same one."""
    return loan_id, line.date, line.amount, line.early_repayment, stored_keep(line)


def check_line(
    index: int, line: RepaymentLine, *, disbursement_date: date | None, today: date
) -> list[Problem]:
    """What is wrong with a repayment line (its loan disbursed on `disbursement_date`, when
    known), in the order the bank reads it."""
    label = line_label(index, line.reference)
    problems: list[Problem] = []
    problem = check_reference(line.reference)
    if problem:
        problems.append(Problem("invalid_reference", f"Ligne {index} : {problem}"))
    if not check_money(line.amount):
        problems.append(
            Problem("invalid_amount", f"{label} : le montant doit être positif, au centime.")
        )
    if line.early_repayment and line.early_repayment_keep not in ENGINE_KEEP:
        problems.append(
            Problem(
                "invalid_keep",
                f"{label} : choix du remboursement anticipé inconnu (« installment » : garder "
                "la mensualité, « end_date » : garder la date de fin).",
            )
        )
    if line.date > today:
        problems.append(Problem("future_date", f"{label} : la date est dans le futur."))
    elif disbursement_date is not None and line.date < disbursement_date:
        problems.append(
            Problem(
                "before_disbursement",
                f"{label} : la date précède le décaissement du prêt "
                f"({format_date(disbursement_date)}).",
            )
        )
    return problems


def incident_content(
    kind: str, day: date, amount: Decimal | None, note: str
) -> tuple[str, date, Decimal | None, str]:
    """What two incidents with the same reference must share to be the same one."""
    return kind, day, amount, note.strip()


def check_incident(
    *,
    reference: str,
    kind: str,
    kinds: Collection[str],
    day: date,
    amount: Decimal | None,
    disbursement_date: date,
    today: date,
) -> dict[str, Problem]:
    """What is wrong with an incident, by field (`kinds`: the known natures)."""
    problems: dict[str, Problem] = {}
    problem = check_reference(reference)
    if problem:
        problems["reference"] = Problem("invalid_reference", problem)
    if kind not in kinds:
        problems["kind"] = Problem("invalid_kind", "Nature d'incident inconnue.")
    if amount is not None and not check_money(amount):
        problems["amount"] = Problem("invalid_amount", "Le montant doit être positif, au centime.")
    if day > today:
        problems["date"] = Problem("future_date", "La date est dans le futur.")
    elif day < disbursement_date:
        problems["date"] = Problem(
            "before_disbursement",
            f"La date précède le décaissement du prêt ({format_date(disbursement_date)}).",
        )
    return problems


# --- Early repayments ---------------------------------------------------------------------------


@dataclass(frozen=True)
class EarlySchedule:
    """The schedule an early repayment line creates, and the installment in force before it."""

    index: int
    line: RepaymentLine
    schedule: Schedule
    previous_installment: Decimal


def early_repayment_schedules(
    schedule: Schedule,
    paid: Iterable[Payment],
    early: Iterable[tuple[int, RepaymentLine]],
) -> tuple[list[EarlySchedule], tuple[int, RepaymentLine, Problem] | None]:
    """The schedule versions one loan's early repayments create (loan_engine.partial_repayment),
    in date order, each on the version the previous one made, from `schedule` (the version in
    force) and `paid` (the payments recorded and the batch's other ones).

    Returns the schedules, and the first early repayment the engine refuses (its line number,
    the line and the problem), or None: the next ones would rest on it, they are not computed."""
    payments = list(paid)
    results: list[EarlySchedule] = []
    for index, line in sorted(early, key=lambda item: (item[1].date, item[0])):
        previous = schedule.installment
        try:
            schedule = partial_repayment(
                schedule,
                line.date,
                line.amount,
                engine_keep(line.early_repayment_keep),
                payments=payments,
            )
        except LoanEngineError as error:
            message = error.message
            problem = Problem(
                error.code,
                f"{line_label(index, line.reference)} : remboursement anticipé impossible : "
                f"{message[:1].lower()}{message[1:]}",
            )
            return results, (index, line, problem)
        payments.append(Payment(line.date, line.amount, True))
        results.append(EarlySchedule(index, line, schedule, previous))
    return results, None


# --- Payoff and the money guard -----------------------------------------------------------------

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Payoff:
    """What repays the whole loan on `on` (LOAN_CONVENTIONS "Early repayment"): the principal
    not yet due, the interest accrued since the last due date, what is due and unpaid, less
    what was paid in advance on the next installments (`credit`). A total early repayment of
    `total` on `on` closes the schedule."""

    on: date
    principal: Decimal
    accrued_interest: Decimal
    overdue: Decimal
    credit: Decimal
    total: Decimal


def last_early_repayment(schedule: Schedule) -> date | None:
    """The date of the schedule's last early repayment (where the version in force starts)."""
    lumps = [row.due_date for row in schedule.rows if row.kind == KIND_EARLY_REPAYMENT]
    return max(lumps) if lumps else None


def early_repayments_without_version(schedule: Schedule, early_dates: Iterable[date]) -> bool:
    """Whether a repayment flagged early (of these dates) has no early-repayment row of its date
    in `schedule`: its schedule version is missing."""
    lumps = {row.due_date for row in schedule.rows if row.kind == KIND_EARLY_REPAYMENT}
    return any(day not in lumps for day in early_dates)


def check_payoff_date(schedule: Schedule, on: date) -> Problem | None:
    """What is wrong with a payoff date for `schedule` (the version in force), or None."""
    start = schedule.terms.disbursement_date
    if on < start:
        return Problem(
            "date_before_disbursement",
            f"La date doit être celle du décaissement du prêt ({format_date(start)}) ou une "
            "date postérieure.",
        )
    last = last_early_repayment(schedule)
    if last is not None and on < last:
        return Problem(
            "date_before_last_version",
            f"La date doit être celle du dernier remboursement anticipé ({format_date(last)}) "
            "ou une date postérieure : l'échéancier en vigueur part de ce jour-là.",
        )
    return None


def payoff_at(schedule: Schedule, payments: Sequence[Payment], on: date) -> Payoff:
    """The payoff on `on` from the payments received (loan_engine.payoff_quote); the date must
    pass `check_payoff_date` (the engine's error otherwise)."""
    quote = payoff_quote(schedule, on, payments=list(payments))
    return Payoff(
        on=on,
        principal=quote.principal_not_due,
        accrued_interest=quote.accrued_interest,
        overdue=quote.overdue,
        credit=quote.credit,
        total=quote.total,
    )


def tolerance_on(versions: Sequence[tuple[date, Decimal]], day: date) -> Decimal:
    """The repayment tolerance in force on `day` among the programme's versions (valid from,
    tolerance), sorted by date; before the first version, the first one's."""
    in_force = [tolerance for valid_from, tolerance in versions if valid_from <= day]
    if in_force:
        return in_force[-1]
    return versions[0][1] if versions else ZERO


def amounts_exceeding_due(
    schedule: Schedule,
    paid: Sequence[Payment],
    lines: Iterable[tuple[int, RepaymentLine]],
    tolerance: Callable[[date], Decimal],
) -> list[tuple[int, RepaymentLine, Problem]]:
    """The new repayments of one loan above what is due at their date: the payoff then (from
    the repayments recorded, `paid`) plus the tolerance in force, the earlier lines of the same
    loan summed with it. A date before the version in force starts is taken as its start."""
    start = max(schedule.terms.disbursement_date, last_early_repayment(schedule) or date.min)
    before = ZERO
    refused: list[tuple[int, RepaymentLine, Problem]] = []
    for index, line in sorted(lines, key=lambda item: (item[1].date, item[0])):
        due = payoff_at(schedule, paid, max(line.date, start)).total
        allowed = tolerance(line.date)
        maximum = max(ZERO, due + allowed - before)
        if line.amount <= maximum:
            before += line.amount
            continue
        others = (
            f" moins les lignes précédentes du lot pour ce prêt ({format_eur(before)})"
            if before
            else ""
        )
        refused.append(
            (
                index,
                line,
                Problem(
                    "amount_exceeds_due",
                    f"{line_label(index, line.reference)} : le montant dépasse ce qui est dû "
                    f"au {format_date(line.date)} : au plus {format_eur(maximum)} (solde de "
                    f"{format_eur(due)}{others}, plus la tolérance de {format_eur(allowed)}).",
                ),
            )
        )
    return refused
