"""Writing the letters: what a letter says (its context), its PDF, and the Letter row.

Used by the tasks that write a letter after a decision or a fact of the loan's follow-up
(letters.tasks) and by the director's preview (sample data, nothing saved). Reads only: no
permission here, the callers decide. The fixed part of the letters after the cheque comes from
`letters.after_cheque`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from loan_engine import (
    Payment,
    ScheduleRow,
    annual_percentage_rate,
    bonification_amount,
    build_schedule,
    loan_terms,
)
from microcredit.accounts.models import User
from microcredit.applicants.models import Applicant
from microcredit.banking.enums import BankOutcome, BankRefusalReason
from microcredit.banking.models import BankDecision
from microcredit.core.pdf import logo_data_uri, render_pdf
from microcredit.dossiers.models import Dossier, DossierEvent
from microcredit.letters import after_cheque, rules
from microcredit.letters.after_cheque import SAMPLE_AMOUNT, SAMPLE_MONTHS, SAMPLE_RATE_PERCENT
from microcredit.letters.enums import LETTER_FOR_TRANSITION, SERVICING_LETTERS, LetterKind
from microcredit.letters.models import Letter, LetterTemplate
from microcredit.letters.pending import pending_letter_drop, pending_servicing_drop
from microcredit.loans.models import Loan
from microcredit.organisations.models import Organisation
from microcredit.programmes.models import Programme, ProgrammeVersion
from microcredit.programmes.selectors import version_in_force

TEMPLATE = "letters/pdf/letter.html"

__all__ = [
    "SAMPLE_AMOUNT",
    "SAMPLE_MONTHS",
    "SAMPLE_RATE_PERCENT",
    "LetterDataMissing",
    "LetterNotWritable",
    "letter_write",
    "sample_letter_render",
    "servicing_letter_write",
    "texts_for",
]


class LetterNotWritable(Exception):
    """The event or the fact calls for no letter: a move outside LETTER_FOR_TRANSITION, a kind
    servicing does not ask for, a missed installment paid meanwhile.

    Not a failure: nothing is owed to the applicant, the task ends without writing anything."""


class LetterDataMissing(RuntimeError):
    """The event calls for a letter, but what the letter reports is missing or inconsistent
    (a bank move without its decision, an acceptance without its terms, a disbursement without
    its loan, a plan without its schedule).

    A failure: raised up to the task, which the tasks backend marks FAILED; the dossier page
    shows the letter as pending until `microcredit letters_backfill` writes it. The message is
    in French: the backfill command prints it."""


def _report(produce: Callable[[], after_cheque.Report]) -> after_cheque.Report:
    """The fixed part of a letter after the cheque, its exceptions made this module's."""
    try:
        return produce()
    except after_cheque.NothingToReport as error:
        raise LetterNotWritable(str(error)) from error
    except after_cheque.ReportDataMissing as error:
        raise LetterDataMissing(str(error)) from error


def texts_for(organisation_id: int, kind: str) -> rules.LetterTexts:
    """The organisation's own texts for `kind`, or the default ones."""
    row = LetterTemplate.objects.filter(organisation_id=organisation_id, kind=kind).first()
    if row is None:
        return rules.DEFAULT_TEXTS[kind]
    return rules.LetterTexts(row.subject, row.introduction, row.conclusion, row.signatory)


@dataclass(frozen=True)
class Terms:
    """The terms the bank accepted, as stored on its decision."""

    amount: Decimal
    months: int
    deferral_months: int
    deferral_kind: str  # the dossier's values: none / interest_only / capitalised
    nominal_rate_percent: Decimal
    installment: Decimal
    apr_percent: Decimal


@dataclass(frozen=True)
class Acceptance:
    """Every figure of the acceptance letter; the schedule comes from the loan engine."""

    terms: Terms
    deferral: str
    total_interest: Decimal
    total_due: Decimal
    rows: tuple[ScheduleRow, ...]
    bonification: str


def acceptance(
    terms: Terms, disbursement_date: date, version: ProgrammeVersion | None
) -> Acceptance:
    """The provisional schedule of `terms`, paid out on `disbursement_date` (the decision's
    date: the dates become final when the cheque is handed over)."""
    schedule = build_schedule(
        loan_terms(
            principal=terms.amount,
            rate_percent=terms.nominal_rate_percent,
            months=terms.months,
            disbursement_date=disbursement_date,
            deferral_months=terms.deferral_months,
            deferral_kind=terms.deferral_kind,
        )
    )
    enabled = bool(version and version.bonification_enabled)
    bonus = None
    if enabled:
        payments = [Payment(r.due_date, r.payment) for r in schedule.rows if r.payment > 0]
        bonus = bonification_amount(
            schedule,
            payments,
            fully_repaid=True,
            project_proven=True,
            guarantee_called=False,
            cap=version.bonification_cap if version else None,
        )
    return Acceptance(
        terms=terms,
        deferral=rules.deferral_sentence(terms.deferral_months, terms.deferral_kind),
        total_interest=schedule.total_interest,
        total_due=schedule.total_due,
        rows=tuple(schedule.rows),
        bonification=rules.bonification_sentence(
            enabled, bonus, version.bonification_cap if version else None
        ),
    )


def _contact(referent: User | None) -> dict[str, str]:
    if referent is None:
        return {"name": "", "email": ""}
    return {"name": referent.get_full_name() or referent.username, "email": referent.email}


def letter_context(
    *,
    kind: str,
    organisation: Organisation,
    texts: rules.LetterTexts,
    applicant: Applicant,
    dossier_number: str,
    referent: User | None,
    decided_on: date,
    reason: str = "",
    scheme: str = "",
    accepted: Acceptance | None = None,
    refusal_label: str = "",
    report: after_cheque.Report | None = None,
) -> dict[str, Any]:
    """Everything the letter template shows. Texts are plain: the template escapes them."""
    return {
        "kind": kind,
        "kind_label": LetterKind(kind).label,
        "organisation": organisation,
        "logo": logo_data_uri(organisation.logo),
        "colour": organisation.theme_colour,
        "texts": texts,
        "applicant": applicant,
        "dossier_number": dossier_number,
        "contact": _contact(referent),
        "decided_on": report.dated if report else decided_on,
        "decision": report.decision if report else rules.DECISIONS[kind],
        "reason_heading": rules.REASON_HEADINGS[kind],
        "reason": reason.strip() or (rules.NO_REASON if rules.REASON_HEADINGS[kind] else ""),
        "scheme": scheme,
        "refusal_label": refusal_label,
        "accepted": accepted,
        "next_steps": rules.NEXT_STEPS[kind],
        "report": report,
    }


def render(context: dict[str, Any]) -> bytes:
    with translation.override("fr"):
        return render_pdf(TEMPLATE, context)


def _terms(decision: BankDecision) -> Terms:
    if (
        decision.amount is None
        or decision.months is None
        or decision.nominal_rate_percent is None
        or decision.installment is None
        or decision.apr_percent is None
    ):
        raise LetterDataMissing(
            "la décision de la banque n'a pas toutes ses conditions "
            "(montant, durée, taux, mensualité, TAEG)"
        )
    return Terms(
        amount=decision.amount,
        months=decision.months,
        deferral_months=decision.deferral_months,
        deferral_kind=decision.deferral_kind,
        nominal_rate_percent=decision.nominal_rate_percent,
        installment=decision.installment,
        apr_percent=decision.apr_percent,
    )


def event_context(event: DossierEvent) -> dict[str, Any]:
    """The context of the letter reporting `event` (a decision of LETTER_FOR_TRANSITION).

    Raises:
        LetterNotWritable: not a decision with a letter (not a failure).
        LetterDataMissing: a bank move without its decision, or a decision that does not match
            the move (a failure).
    """
    kind = LETTER_FOR_TRANSITION.get(event.transition)
    if kind is None:
        raise LetterNotWritable(f"no letter for the transition {event.transition!r}")
    dossier: Dossier = event.dossier
    decided_on = timezone.localdate(event.at)
    values: dict[str, Any] = {"reason": event.reason}
    if kind == LetterKind.COMMITTEE_REORIENTATION:
        values["scheme"] = dossier.reorientation_label
        values["reason"] = rules.reorientation_reason(event.reason, dossier.reorientation_label)
    elif kind in after_cheque.EVENT_REPORTS:
        report = _report(partial(after_cheque.EVENT_REPORTS[kind], event))
        values = {"reason": "", "report": report}
    elif kind in (LetterKind.BANK_ACCEPTANCE, LetterKind.BANK_REFUSAL):
        decision = BankDecision.objects.filter(dossier=dossier, event=event).first()
        if decision is None:
            raise LetterDataMissing("la décision de la banque de cette étape est introuvable")
        decided_on = timezone.localdate(decision.decided_at)
        if kind == LetterKind.BANK_ACCEPTANCE:
            if decision.outcome != BankOutcome.ACCEPTED:
                raise LetterDataMissing(
                    "la décision de la banque de cette étape n'est pas un accord"
                )
            version = version_in_force(dossier.programme, decided_on)
            values = {"accepted": acceptance(_terms(decision), decided_on, version)}
        else:
            values = {
                "reason": decision.refusal_text,
                "refusal_label": BankRefusalReason(decision.refusal_reason).label
                if decision.refusal_reason in BankRefusalReason.values
                else "",
            }
    return letter_context(
        kind=kind,
        organisation=dossier.organisation,
        texts=texts_for(dossier.organisation_id, kind),
        applicant=dossier.applicant,
        dossier_number=dossier.number,
        referent=dossier.referent,
        decided_on=decided_on,
        **values,
    )


def _event(event_id: int) -> DossierEvent | None:
    return (
        DossierEvent.objects.select_related(
            "dossier",
            "dossier__organisation",
            "dossier__applicant",
            "dossier__referent",
            "dossier__programme",
        )
        .filter(pk=event_id)
        .first()
    )


def letter_render(event: DossierEvent) -> bytes:
    """The PDF of the letter reporting `event`, with the organisation's texts."""
    return render(event_context(event))


def _save(
    *,
    dossier_id: int,
    kind: str,
    content: bytes,
    event: DossierEvent | None,
    key: str,
    loan_id: int | None = None,
) -> Letter | None:
    """Store the letter, and drop it from the pending ones in the same transaction (a
    decision's, or with `loan_id` the follow-up's); None when another worker wrote it meanwhile
    (its unique constraint)."""
    letter = Letter(
        dossier_id=dossier_id,
        event=event,
        key=key,
        kind=kind,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )
    letter.file.save("courrier.pdf", ContentFile(content), save=False)
    try:
        with transaction.atomic():
            letter.save()
            if event is not None:
                pending_letter_drop(event.pk)
            elif loan_id is not None:
                pending_servicing_drop(loan_id, kind, key)
    except IntegrityError:
        # Written meanwhile by another worker: keep theirs, drop our file.
        letter.file.delete(save=False)
        return None
    except Exception:
        letter.file.delete(save=False)
        raise
    return letter


def letter_write(event_id: int) -> Letter | None:
    """Write the letter of the event once: None when it exists already or the event calls for
    no letter (unknown event, a move without a letter). The decision leaves the pending ones
    when its letter is written, exists already or is not owed (PendingDecisionLetter); it stays
    pending when the writing fails.

    Raises:
        LetterDataMissing: the event calls for a letter but its data are missing.
        Exception: rendering or storing failed (e.g. OSError): nothing is written, no file left.
    """
    if Letter.objects.filter(event_id=event_id).exists():
        pending_letter_drop(event_id)
        return None
    event = _event(event_id)
    if event is None:
        return None  # no event, no row (deleted with it)
    if event.transition not in LETTER_FOR_TRANSITION:
        pending_letter_drop(event_id)
        return None
    try:
        content = letter_render(event)
    except LetterNotWritable:
        pending_letter_drop(event_id)
        return None
    return _save(
        dossier_id=event.dossier_id,
        kind=LETTER_FOR_TRANSITION[event.transition],
        content=content,
        event=event,
        key="",
    )


def servicing_context(loan: Loan, kind: str, key: str, today: date) -> dict[str, Any]:
    """The context of the letter servicing asked for (servicing.hooks.letter_due).

    Raises:
        LetterNotWritable: not a kind of SERVICING_LETTERS, or nothing to report (not a failure).
        LetterDataMissing: what the letter reports is missing (a failure).
    """
    if kind not in SERVICING_LETTERS:
        raise LetterNotWritable(f"no letter of kind {kind!r} after a fact of the follow-up")
    report = _report(partial(after_cheque.KEY_REPORTS[kind], loan, key, today))
    dossier = loan.dossier
    return letter_context(
        kind=kind,
        organisation=dossier.organisation,
        texts=texts_for(dossier.organisation_id, kind),
        applicant=dossier.applicant,
        dossier_number=dossier.number,
        referent=dossier.referent,
        decided_on=today,
        report=report,
    )


def servicing_letter_write(loan_id: int, kind: str, key: str) -> Letter | None:
    """Write the letter of `kind` about the loan once per `key`: None when it exists already,
    the loan is unknown or nothing is owed (LetterNotWritable). The letter leaves the pending
    ones when it is written, exists already or is not owed (PendingServicingLetter); it stays
    pending when the writing fails.

    Raises:
        LetterDataMissing: the letter is owed but what it reports is missing.
        Exception: rendering or storing failed: nothing is written, no file left.
    """
    loan = (
        Loan.objects.select_related(
            "dossier", "dossier__organisation", "dossier__applicant", "dossier__referent"
        )
        .filter(pk=loan_id)
        .first()
    )
    if loan is None or not key:
        return None
    if Letter.objects.filter(dossier_id=loan.dossier_id, kind=kind, key=key).exists():
        pending_servicing_drop(loan_id, kind, key)
        return None
    try:
        content = render(servicing_context(loan, kind, key, timezone.localdate()))
    except LetterNotWritable:
        pending_servicing_drop(loan_id, kind, key)
        return None
    return _save(
        dossier_id=loan.dossier_id,
        kind=kind,
        content=content,
        event=None,
        key=key,
        loan_id=loan_id,
    )


# --- The director's preview ----------------------------------------------------------------


def sample_context(
    organisation: Organisation, kind: str, texts: rules.LetterTexts, today: date
) -> dict[str, Any]:
    """A letter of `kind` to a fictitious applicant, to preview the organisation's texts."""
    programme = Programme.objects.filter(organisation=organisation).order_by("id").first()
    version = version_in_force(programme, today) if programme else None
    applicant = Applicant(
        first_name="Camille",
        last_name="Exemple",
        address="12 rue des Tilleuls",
        postcode="42000",
        commune_name="Saint-Étienne",
    )
    values: dict[str, Any] = {}
    if kind in after_cheque.EVENT_REPORTS or kind in after_cheque.KEY_REPORTS:
        values["report"] = after_cheque.sample_report(kind, version, today)
    elif kind == LetterKind.COMMITTEE_ADJOURNMENT:
        values["reason"] = "Le devis de l'auto-école à jour et votre dernier avis d'imposition."
    elif kind == LetterKind.COMMITTEE_REFUSAL:
        values["reason"] = "Les mensualités dépasseraient ce que votre budget permet aujourd'hui."
    elif kind == LetterKind.COMMITTEE_REORIENTATION:
        values["scheme"] = "Fonds de solidarité logement (FSL)"
        values["reason"] = "Une aide non remboursable couvre ce besoin."
    elif kind == LetterKind.BANK_REFUSAL:
        values["refusal_label"] = BankRefusalReason.REPAYMENT_CAPACITY.label
        values["reason"] = "Les charges du foyer ont augmenté depuis le dépôt de la demande."
    else:
        rate = version.nominal_rate_percent if version else SAMPLE_RATE_PERCENT
        schedule = after_cheque.sample_schedule(rate, today)
        terms = Terms(
            amount=SAMPLE_AMOUNT,
            months=SAMPLE_MONTHS,
            deferral_months=0,
            deferral_kind="none",
            nominal_rate_percent=rate,
            installment=schedule.installment,
            apr_percent=annual_percentage_rate(schedule),
        )
        values["accepted"] = acceptance(terms, today, version)
    return letter_context(
        kind=kind,
        organisation=organisation,
        texts=texts,
        applicant=applicant,
        dossier_number=f"MC-{today.year}-00042",
        referent=User(first_name="Dominique", last_name="Exemple", email=""),
        decided_on=today,
        **values,
    )


def sample_letter_render(
    organisation: Organisation, kind: str, texts: rules.LetterTexts, today: date
) -> bytes:
    return render(sample_context(organisation, kind, texts, today))
