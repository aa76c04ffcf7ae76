"""Early repayment: payoff quote and partial repayment (new schedule version)."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from ._versions import Accrual, amortise, c, finish, m
from ._wording import eur
from .dates import check_date
from .errors import InvalidDateError, InvalidParameterError, InvalidPaymentError
from .money import ZERO, to_money
from .payments import Payment, allocate_payments
from .schedule import KIND_DEFERRAL, KIND_EARLY_REPAYMENT, KIND_INSTALLMENT, Schedule, ScheduleRow

__all__ = ["Keep", "PayoffQuote", "partial_repayment", "payoff_quote"]


class Keep(enum.Enum):
    """What a partial early repayment keeps."""

    INSTALLMENT = "installment"  # same installment, fewer installments, the last one adjusted
    END_DATE = "end-date"  # same end date, lower installment recomputed with the formula


@dataclass(frozen=True, slots=True)
class PayoffQuote:
    """Amount to repay the whole loan on ``on_date``.

    Attributes:
        principal: outstanding principal (including the principal of unpaid due rows).
        accrued_interest: interest accrued since the last due date, pro rata in days over the
            period's actual days, rounded half-up once.
        total: ``principal + overdue_interest + accrued_interest − credit`` (never negative).
        overdue_interest: interest of due rows not yet paid, plus overdue interest rescheduled
            by a repayment plan and not yet paid (0 for a loan up to date).
        on_date: the payoff date.
        overdue_principal: the part of ``principal`` that is due and unpaid (rows due on or
            before ``on_date``); 0 when the quote is given ``paid_through``.
        credit: what the payments already settled on rows due after ``on_date`` (an advance
            on the next installments), deducted from the total; 0 without ``payments``.
    """

    principal: Decimal
    accrued_interest: Decimal
    total: Decimal
    overdue_interest: Decimal = ZERO
    on_date: dt.date | None = None
    overdue_principal: Decimal = ZERO
    credit: Decimal = ZERO

    @property
    def principal_not_due(self) -> Decimal:
        """Outstanding principal of the rows not yet due (``principal − overdue_principal``)."""
        return self.principal - self.overdue_principal

    @property
    def overdue(self) -> Decimal:
        """Everything due and unpaid: ``overdue_principal + overdue_interest``."""
        return self.overdue_principal + self.overdue_interest


def _check_on_date(schedule: Schedule, on_date: dt.date, what: str) -> None:
    check_date(on_date, what)
    if on_date < schedule.terms.disbursement_date:
        raise InvalidDateError(
            "date_before_disbursement", f"La {what} est antérieure au décaissement."
        )
    lumps = [r.due_date for r in schedule.rows if r.kind == KIND_EARLY_REPAYMENT]
    if lumps and on_date < max(lumps):
        raise InvalidDateError(
            "date_before_last_version",
            f"La {what} est antérieure au dernier remboursement anticipé de l'échéancier.",
        )


def _settled(
    schedule: Schedule, payments: Sequence[Payment], on_date: dt.date, k0: int
) -> tuple[int, int, int]:
    """(unpaid principal, unpaid interest) of the rows due on or before ``on_date`` and the
    credit (paid on the rows due after it), in cents, from the payments dated up to then."""
    pos = allocate_payments(schedule, [p for p in payments if p.date <= on_date], on_date)
    due, later = pos.installments[:k0], pos.installments[k0:]
    unpaid_p = sum(c(st.principal_due) - c(st.principal_paid) for st in due)
    unpaid_i = sum(c(st.interest_due) - c(st.interest_paid) for st in due)
    credit = sum(c(st.interest_paid) + c(st.principal_paid) for st in later)
    return unpaid_p, unpaid_i, credit


def payoff_quote(
    schedule: Schedule,
    on_date: dt.date,
    paid_through: int | None = None,
    *,
    payments: Sequence[Payment] | None = None,
) -> PayoffQuote:
    """Total early repayment on ``on_date``.

    Give either ``paid_through`` (rows ``1..paid_through`` paid in full, the others due on or
    before ``on_date`` not at all; it must not exceed the number of rows due by then) or
    ``payments`` (the payments received, allocated with :func:`allocate_payments`: a row may
    be partly paid, and what was paid on rows due after ``on_date`` is a credit). The quote is:
    outstanding principal + unpaid interest of due rows (and overdue interest rescheduled by a
    plan) + interest accrued since the last due date (``balance × rate / 12 × elapsed days /
    period days``, rounded once) − the credit. :func:`partial_repayment` of that amount on
    that date with the same ``payments`` closes the schedule.
    """
    _check_on_date(schedule, on_date, "date de remboursement anticipé")
    acc = Accrual(schedule, on_date)
    rows = schedule.rows
    arrears = sum(c(r.arrears_interest) for r in rows[acc.k0 :])
    if payments is not None:
        if paid_through is not None:
            raise InvalidParameterError(
                "paid_through_out_of_range",
                "Donnez soit les échéances payées, soit les paiements, pas les deux.",
            )
        unpaid_p, unpaid_i, credit = _settled(schedule, payments, on_date, acc.k0)
        principal = acc.balance + unpaid_p
        overdue_i = unpaid_i + arrears
        total = max(0, principal + overdue_i + acc.interest - credit)
        return PayoffQuote(
            m(principal), m(acc.interest), m(total), m(overdue_i), on_date, m(unpaid_p), m(credit)
        )
    if isinstance(paid_through, bool) or not isinstance(paid_through, int):
        raise InvalidParameterError("paid_through_out_of_range", "Nombre d'échéances invalide.")
    if not 0 <= paid_through <= acc.k0:
        raise InvalidParameterError(
            "paid_through_out_of_range",
            f"Le nombre d'échéances payées doit être compris entre 0 et {acc.k0} à cette date.",
        )
    principal = acc.balance
    overdue_i = arrears
    for r in rows[paid_through : acc.k0]:
        principal += c(r.principal)
        overdue_i += c(r.interest) - c(r.capitalised)
    total = principal + overdue_i + acc.interest
    return PayoffQuote(m(principal), m(acc.interest), m(total), m(overdue_i), on_date)


def partial_repayment(
    schedule: Schedule,
    on_date: dt.date,
    amount: Decimal,
    keep: Keep,
    payments: Sequence[Payment] | None = None,
) -> Schedule:
    """New schedule version after an early repayment of ``amount`` on ``on_date``.

    The amount first settles, in this order: what is due and unpaid on ``on_date`` (rows due
    on or before that date, computed from ``payments`` when given; without ``payments`` all
    due rows are taken as paid), overdue interest rescheduled by a plan, and the interest
    accrued since the last due date; the rest reduces the principal. A credit (what
    ``payments`` already settled on rows due after ``on_date``, an advance on the next
    installments) joins the amount: those rows are replaced, so the advance goes to the lump
    sum, where the allocation of the same payments to the new version puts it.

    The rows due on or before ``on_date`` are kept unchanged; an ``"early-repayment"`` row
    dated ``on_date`` records the lump sum (interest = accrued interest, principal =
    reduction). The following row's interest covers only the days from ``on_date`` to its
    due date (pro rata over the period's days). Then:

    * ``Keep.INSTALLMENT``: same installment, fewer installments, the last one adjusted;
    * ``Keep.END_DATE``: same due dates, installment recomputed with the formula on the
      reduced balance over the remaining installments.

    An amount equal to the payoff quote closes the loan (total early repayment). The version
    number is incremented; the previous version is left untouched.

    Raises:
        InvalidPaymentError: ``negative_payment``, ``zero_payment``, ``amount_too_small``
            (does not exceed what must be settled first), ``amount_exceeds_payoff``,
            ``loan_repaid``.
        InvalidDateError: ``date_before_disbursement``, ``date_before_last_version``.
    """
    amt = c(_positive(amount))
    _check_on_date(schedule, on_date, "date de remboursement anticipé")
    if not isinstance(keep, Keep):
        raise InvalidParameterError(
            "invalid_keep", "Choix invalide : garder la mensualité ou la durée."
        )
    acc = Accrual(schedule, on_date)
    rows = schedule.rows
    k0 = acc.k0
    if acc.balance == 0:
        raise InvalidPaymentError(
            "loan_repaid", "Le prêt est déjà entièrement remboursé à cette date."
        )
    overdue = credit = 0
    if payments is not None:
        unpaid_p, unpaid_i, credit = _settled(schedule, payments, on_date, k0)
        overdue = unpaid_p + unpaid_i
    arrears = sum(c(r.arrears_interest) for r in rows[k0:])
    settle = overdue + arrears + acc.interest
    reduce = amt + credit - settle
    if reduce <= 0:
        raise InvalidPaymentError(
            "amount_too_small",
            f"Le montant doit dépasser les impayés et les intérêts courus "
            f"({eur(m(settle - credit))}).",
        )
    if reduce > acc.balance:
        raise InvalidPaymentError(
            "amount_exceeds_payoff",
            f"Le montant dépasse le solde à rembourser "
            f"({eur(m(max(0, settle + acc.balance - credit)))}).",
        )
    bal = acc.balance - reduce
    lump = ScheduleRow(
        k0 + 1,
        on_date,
        m(arrears + acc.interest + reduce),
        m(arrears + acc.interest),
        m(reduce),
        m(bal),
        KIND_EARLY_REPAYMENT,
        ZERO,
        m(arrears),
    )
    new_rows = [*rows[:k0], lump]
    if bal == 0:
        return finish(schedule, new_rows, schedule.installment)
    future = rows[k0:]
    dates = [r.due_date for r in future]
    deferral = sum(1 for r in future if r.kind == KIND_DEFERRAL)
    next_due = acc.next_due if acc.next_due is not None else on_date
    fraction = ((next_due - on_date).days, acc.period_days)
    tail, a = amortise(
        schedule,
        bal,
        dates,
        k0 + 2,
        deferral_rows=deferral,
        installment=c(schedule.installment) if keep is Keep.INSTALLMENT else None,
        first_fraction=fraction,
        kind=KIND_INSTALLMENT,
    )
    return finish(schedule, new_rows + tail, m(a))


def _positive(amount: object) -> Decimal:
    value = to_money(amount)
    if value < 0:
        raise InvalidPaymentError("negative_payment", "Un paiement ne peut pas être négatif.")
    if value == 0:
        raise InvalidPaymentError("zero_payment", "Un paiement doit être strictement positif.")
    return value
