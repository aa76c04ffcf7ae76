"""What the letters after the cheque report: the disbursement with its schedule, a missed
installment, an agreed repayment plan, the guarantee call and the closing with the bonification.

Reads only, no permission (the callers decide). Nothing is recomputed here: the schedules are the
stored versions the loan engine wrote, the amount overdue is the engine's allocation of the
repayments (`loans.selectors.loan_position`), the claim and the bonification are servicing's
rows. The director's preview gets the same letters from fictitious terms, through the engine,
nothing saved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from loan_engine import (
    Payment,
    Schedule,
    ScheduleRow,
    add_months,
    annual_percentage_rate,
    bonification_amount,
    build_schedule,
    guarantee_claim,
    loan_terms,
    repayment_plan,
)
from microcredit.banking.models import Disbursement
from microcredit.core.formatting import format_date, format_eur, format_percent
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import DossierEvent
from microcredit.letters import rules
from microcredit.letters.enums import LetterKind
from microcredit.loans.models import Loan, ScheduleLine, ScheduleVersion
from microcredit.loans.selectors import loan_position, loan_schedule
from microcredit.programmes.models import ProgrammeVersion
from microcredit.programmes.selectors import version_in_force
from microcredit.servicing.enums import PaymentMode, PlanMode
from microcredit.servicing.models import Bonification, GuaranteeClaim, RepaymentPlan


class ReportDataMissing(RuntimeError):
    """What the letter reports is missing (French message): writing.LetterDataMissing."""


class NothingToReport(Exception):
    """Nothing is owed to the borrower after all: writing.LetterNotWritable."""


# The fictitious loan of the director's previews.
SAMPLE_AMOUNT = Decimal("1200.00")
SAMPLE_MONTHS = 24
SAMPLE_RATE_PERCENT = Decimal("1.75")


@dataclass(frozen=True)
class Figure:
    """One line of a letter's table of figures, written in French."""

    label: str
    value: str


@dataclass(frozen=True)
class Line:
    """One row of a schedule as the letter shows it."""

    number: int
    due_date: date
    payment: Decimal
    interest: Decimal
    principal: Decimal
    balance: Decimal


@dataclass(frozen=True)
class ScheduleTable:
    caption: str
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Report:
    """The fixed part of a letter after the cheque (the organisation's texts go around it)."""

    dated: date  # the date at the top of the letter
    decision: str
    figures_caption: str = ""
    figures: tuple[Figure, ...] = ()
    paragraphs: tuple[str, ...] = ()
    heading: str = ""  # a heading above `text` (the borrower's agreement, a waiver's reason)
    text: str = ""
    schedule: ScheduleTable | None = None


def _lines(rows: list[ScheduleLine] | tuple[ScheduleRow, ...]) -> tuple[Line, ...]:
    return tuple(
        Line(row.number, row.due_date, row.payment, row.interest, row.principal, row.balance)
        for row in rows
    )


def _loan(dossier_id: int) -> Loan:
    loan = Loan.objects.filter(dossier_id=dossier_id).first()
    if loan is None:
        raise ReportDataMissing("le prêt de ce dossier est introuvable")
    return loan


# --- The disbursement --------------------------------------------------------------------


def _bonification_promise(schedule: Schedule, version: ProgrammeVersion | None) -> str:
    """The bonus promised if every installment of `schedule` is paid (the acceptance's words)."""
    enabled = bool(version and version.bonification_enabled)
    cap = version.bonification_cap if version else None
    bonus = None
    if enabled:
        payments = [Payment(r.due_date, r.payment) for r in schedule.rows if r.payment > 0]
        bonus = bonification_amount(
            schedule,
            payments,
            fully_repaid=True,
            project_proven=True,
            guarantee_called=False,
            cap=cap,
        )
    return rules.bonification_sentence(enabled, bonus, cap)


def _disbursement(
    *,
    dated: date,
    on: date,
    payee: str,
    rate_percent: Decimal,
    apr_percent: Decimal,
    deferral_months: int,
    deferral_kind: str,
    schedule: Schedule,
    version: ProgrammeVersion | None,
) -> Report:
    rows = schedule.rows
    terms = schedule.terms
    figures = (
        Figure("Montant prêté", format_eur(terms.principal)),
        Figure("Versé le", format_date(on)),
        Figure("Durée de remboursement", f"{terms.months} mois"),
        Figure("Différé", rules.deferral_sentence(deferral_months, deferral_kind)),
        Figure("Taux d'intérêt annuel (taux nominal)", format_percent(rate_percent)),
        Figure("Mensualité", format_eur(schedule.installment)),
        Figure("Taux annuel effectif global (TAEG)", format_percent(apr_percent)),
        Figure("Total des intérêts", format_eur(schedule.total_interest)),
        Figure("Montant total à rembourser", format_eur(schedule.total_due)),
        Figure("Première échéance", format_date(rows[0].due_date)),
        Figure("Dernière échéance", format_date(rows[-1].due_date)),
    )
    promise = _bonification_promise(schedule, version)
    return Report(
        dated=dated,
        decision=rules.disbursement_decision(terms.principal, on, payee),
        figures_caption="Votre prêt",
        figures=figures,
        paragraphs=(promise,) if promise else (),
        schedule=ScheduleTable("Votre échéancier", _lines(rows)),
    )


def disbursement_report(event: DossierEvent) -> Report:
    """The letter after « disburse »: the loan's terms and its schedule (version 1)."""
    loan = _loan(event.dossier_id)
    first = ScheduleVersion.objects.filter(loan=loan, number=1).first()
    if first is None:
        raise ReportDataMissing("l'échéancier du prêt est introuvable")
    schedule = loan_schedule(loan, list(first.lines.order_by("number")), first)
    if not schedule.rows:
        raise ReportDataMissing("l'échéancier du prêt n'a aucune échéance")
    cheque = Disbursement.objects.filter(dossier_id=event.dossier_id).first()
    return _disbursement(
        dated=timezone.localdate(event.at),
        on=loan.disbursement_date,
        payee=cheque.payee_name if cheque else "",
        rate_percent=loan.nominal_rate_percent,
        apr_percent=loan.apr_percent,
        deferral_months=loan.deferral_months,
        deferral_kind=loan.deferral_kind,
        schedule=schedule,
        version=version_in_force(event.dossier.programme, loan.disbursement_date),
    )


# --- A missed installment ----------------------------------------------------------------


def _missed(
    dated: date, due: ScheduleRow, overdue: Decimal, following: ScheduleRow | None
) -> Report:
    on = due.due_date + timedelta(days=1)  # overdue the day after its due date
    figures = [
        Figure(f"Mensualité du {format_date(due.due_date)}", format_eur(due.payment)),
        Figure(f"Montant à rattraper au {format_date(on)}", format_eur(overdue)),
    ]
    if following is not None:
        figures.append(
            Figure(
                f"Prochaine mensualité, le {format_date(following.due_date)}",
                format_eur(following.payment),
            )
        )
    return Report(
        dated=dated,
        decision=rules.missed_installment_decision(due.due_date),
        figures_caption="Votre mensualité",
        figures=tuple(figures),
        paragraphs=(rules.overdue_sentence(overdue, on),),
    )


def missed_installment_report(loan: Loan, key: str, today: date) -> Report:
    """The letter after a missed installment (`key`: its due date, YYYY-MM-DD): the amount
    overdue the day after it, by the engine's allocation of the repayments made by then.

    Raises:
        NothingToReport: nothing was overdue that day (paid in time, recorded later).
        ReportDataMissing: `key` is not one of the schedule's due dates.
    """
    try:
        due_date = date.fromisoformat(key)
    except ValueError as error:
        raise ReportDataMissing(f"« {key} » n'est pas la date d'une échéance") from error
    status = loan_position(loan, due_date + timedelta(days=1))
    rows = status.position.schedule.rows
    index = next((i for i, row in enumerate(rows) if row.due_date == due_date), None)
    if index is None:
        raise ReportDataMissing(f"aucune échéance du prêt ne tombe le {format_date(due_date)}")
    overdue = status.position.overdue_amount
    if overdue <= 0:
        raise NothingToReport(f"nothing overdue on {due_date} + 1 day")
    following = rows[index + 1] if index + 1 < len(rows) else None
    return _missed(today, rows[index], overdue, following)


# --- An agreed repayment plan --------------------------------------------------------------


def _plan(
    *, dated: date, overdue: Decimal, months: int, mode: str, note: str, lines: tuple[Line, ...]
) -> Report:
    figures = [
        Figure("Retard repris dans le plan", format_eur(overdue)),
        Figure("Durée du plan", f"{months} mois"),
        Figure("Plan accepté par la banque le", format_date(dated)),
    ]
    if lines:
        figures.append(
            Figure(
                f"Prochaine échéance, le {format_date(lines[0].due_date)}",
                format_eur(lines[0].payment),
            )
        )
    return Report(
        dated=dated,
        decision=rules.repayment_plan_decision(overdue, months),
        figures_caption="Votre plan de reprise",
        figures=tuple(figures),
        paragraphs=(rules.plan_mode_sentence(mode),),
        heading=rules.PLAN_AGREEMENT_HEADING if note.strip() else "",
        text=note.strip(),
        schedule=ScheduleTable("Votre nouvel échéancier (les échéances à venir)", lines),
    )


def repayment_plan_report(loan: Loan, key: str, today: date) -> Report:
    """The letter after the bank agreed a plan (`key`: its id): the coming rows of the
    schedule version the plan created, what the borrower agreed.

    Raises:
        ReportDataMissing: no such plan, or a plan without its schedule (not agreed).
    """
    plan = (
        RepaymentPlan.objects.select_related("schedule_version")
        .filter(loan=loan, pk=int(key))
        .first()
        if key.isdigit()
        else None
    )
    if plan is None:
        raise ReportDataMissing(f"le plan de reprise n° {key} de ce prêt est introuvable")
    if plan.schedule_version is None:
        raise ReportDataMissing(
            "le plan de reprise n'a pas d'échéancier : la banque ne l'a pas accepté"
        )
    rows = plan.schedule_version.lines.filter(due_date__gt=plan.as_of).order_by("number")
    return _plan(
        dated=timezone.localdate(plan.decided_at) if plan.decided_at else today,
        overdue=plan.overdue_amount,
        months=plan.months,
        mode=plan.mode,
        note=plan.note,
        lines=_lines(list(rows)),
    )


# --- The guarantee call and the closing ----------------------------------------------------


def _claim_figures(claim: GuaranteeClaim) -> tuple[Figure, ...]:
    figures = [
        Figure("Fin du prêt (déchéance du terme) le", format_date(claim.acceleration_date)),
        Figure("Première mensualité impayée", format_date(claim.first_unpaid_date)),
        Figure("Capital restant dû", format_eur(claim.outstanding_principal)),
        Figure("Intérêts en retard", format_eur(claim.accrued_interest)),
        Figure("Garant", claim.guarantor_name),
        Figure("Part garantie", format_percent(claim.rate_percent)),
        Figure("Montant demandé au garant", format_eur(claim.amount)),
    ]
    if claim.paid_amount is not None and claim.paid_on is not None:
        figures.append(
            Figure(
                f"Payé par le garant le {format_date(claim.paid_on)}", format_eur(claim.paid_amount)
            )
        )
    return tuple(figures)


def guarantee_call_report(event: DossierEvent) -> Report:
    """The letter after « call_guarantee »: the claim's figures when it is recorded."""
    claim = GuaranteeClaim.objects.filter(loan__dossier_id=event.dossier_id).first()
    return Report(
        dated=timezone.localdate(event.at),
        decision=rules.GUARANTEE_CALL_DECISION,
        figures_caption="L'appel en garantie" if claim else "",
        figures=_claim_figures(claim) if claim else (),
        paragraphs=(rules.GUARANTEE_EXPLAINED,),
    )


def _closing(
    dated: date, claim: GuaranteeClaim | None, after_claim: bool, bonus: Bonification | None
) -> Report:
    if after_claim:
        return Report(
            dated=dated,
            decision=rules.CLOSING_AFTER_CLAIM_DECISION,
            figures_caption="L'appel en garantie" if claim else "",
            figures=_claim_figures(claim) if claim else (),
            paragraphs=(rules.NO_BONIFICATION_AFTER_CLAIM,),
        )
    if bonus is not None and bonus.paid_on is not None and bonus.amount > 0:
        mode = PaymentMode(bonus.mode).label if bonus.mode in PaymentMode.values else ""
        figures = [
            Figure("Coup de pouce versé par le CCAS", format_eur(bonus.amount)),
            Figure("Versé le", format_date(bonus.paid_on)),
        ]
        if mode:
            figures.append(Figure("Par", mode))
        return Report(
            dated=dated,
            decision=rules.CLOSING_REPAID_DECISION,
            figures_caption="Votre coup de pouce de fin de prêt",
            figures=tuple(figures),
            paragraphs=(rules.bonification_paid_sentence(bonus.amount, bonus.paid_on, mode),),
        )
    if bonus is not None and bonus.waived_reason.strip():
        return Report(
            dated=dated,
            decision=rules.CLOSING_REPAID_DECISION,
            heading=rules.BONIFICATION_WAIVED_HEADING,
            text=rules.bonification_waived_sentence(bonus.waived_reason),
        )
    return Report(dated=dated, decision=rules.CLOSING_REPAID_DECISION)


def closing_report(event: DossierEvent) -> Report:
    """The letter after « close »: the bonification paid (or why not), or the claim's case."""
    claim = GuaranteeClaim.objects.filter(loan__dossier_id=event.dossier_id).first()
    bonus = Bonification.objects.filter(loan__dossier_id=event.dossier_id).first()
    after_claim = claim is not None or event.from_state == DossierState.GUARANTEE_CALLED
    return _closing(timezone.localdate(event.at), claim, after_claim, bonus)


EVENT_REPORTS: dict[str, Callable[[DossierEvent], Report]] = {
    LetterKind.DISBURSEMENT: disbursement_report,
    LetterKind.GUARANTEE_CALL: guarantee_call_report,
    LetterKind.CLOSING: closing_report,
}
KEY_REPORTS: dict[str, Callable[[Loan, str, date], Report]] = {
    LetterKind.MISSED_INSTALLMENT: missed_installment_report,
    LetterKind.REPAYMENT_PLAN: repayment_plan_report,
}


# --- The director's preview ----------------------------------------------------------------


def sample_schedule(rate: Decimal, disbursed_on: date) -> Schedule:
    return build_schedule(
        loan_terms(
            principal=SAMPLE_AMOUNT,
            rate_percent=rate,
            months=SAMPLE_MONTHS,
            disbursement_date=disbursed_on,
        )
    )


def sample_report(kind: str, version: ProgrammeVersion | None, today: date) -> Report:
    """The fixed part of a letter of `kind` about a fictitious loan, lent three months ago."""
    rate = version.nominal_rate_percent if version else SAMPLE_RATE_PERCENT
    if kind == LetterKind.DISBURSEMENT:
        schedule = sample_schedule(rate, today)
        return _disbursement(
            dated=today,
            on=today,
            payee="Auto-école des Tilleuls",
            rate_percent=rate,
            apr_percent=annual_percentage_rate(schedule),
            deferral_months=0,
            deferral_kind="none",
            schedule=schedule,
            version=version,
        )
    schedule = sample_schedule(rate, add_months(today, -3))
    rows = schedule.rows
    paid = [Payment(rows[0].due_date, rows[0].payment)]  # the first paid, the next two missed
    if kind == LetterKind.MISSED_INSTALLMENT:
        return _missed(today, rows[1], rows[1].payment, rows[2])
    if kind == LetterKind.REPAYMENT_PLAN:
        plan = repayment_plan(schedule, paid, rows[2].due_date, 6, "on_top")
        coming = tuple(r for r in plan.rows if r.due_date > rows[2].due_date)
        return _plan(
            dated=today,
            overdue=rows[1].payment + rows[2].payment,
            months=6,
            mode=PlanMode.ON_TOP,
            note="Vous payez 60 € de plus chaque mois pendant six mois, le 5 du mois.",
            lines=_lines(coming),
        )
    claim = _sample_claim(rows, version, today)
    if kind == LetterKind.GUARANTEE_CALL:
        return Report(
            dated=today,
            decision=rules.GUARANTEE_CALL_DECISION,
            figures_caption="L'appel en garantie",
            figures=_claim_figures(claim),
            paragraphs=(rules.GUARANTEE_EXPLAINED,),
        )
    if kind == LetterKind.CLOSING:
        bonus = Bonification(amount=schedule.installment, paid_on=today, mode=PaymentMode.TRANSFER)
        if version and version.bonification_cap is not None:
            bonus.amount = min(bonus.amount, version.bonification_cap)
        return _closing(today, None, False, bonus)
    raise NothingToReport(f"no letter after the cheque of kind {kind!r}")


def _sample_claim(
    rows: tuple[ScheduleRow, ...], version: ProgrammeVersion | None, today: date
) -> GuaranteeClaim:
    rate = version.guarantee_rate_percent if version else Decimal("50.00")
    outstanding = rows[0].balance
    return GuaranteeClaim(
        acceleration_date=today,
        first_unpaid_date=rows[1].due_date,
        guarantor_name=version.guarantor_name if version else "Fonds de cohésion sociale",
        rate_percent=rate,
        includes_interest=False,
        outstanding_principal=outstanding,
        accrued_interest=rows[1].interest + rows[2].interest,
        amount=guarantee_claim(outstanding, rate=rate / 100),
    )
