"""The installment reminder: five days before an installment falls due, an e-mail to the
borrower who agreed to be notified by e-mail (Applicant.notifications_consent_at), saying the
due date and the amount, nothing else.

`installment_reminders_run(on=day)` reminds the installments due on `day + 5 days` of the
schedule in force (the latest version) of every loan in repayment. It walks those installments
by loan in keyset batches: each batch costs a fixed number of queries, whatever the number of
loans. A reminder is sent once per loan and due date (InstallmentReminder, unique on both):
written, then claimed (emailed_at set) before its e-mail leaves, so a second run of the day, or
a second process, sends nothing more; an e-mail that could not leave gives its claim back, and
running the day again sends it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Exists, OuterRef, Sum
from django.utils import timezone

from microcredit.core.formatting import format_date, format_eur
from microcredit.loans.enums import LoanState, ScheduleLineKind
from microcredit.loans.models import ScheduleLine, ScheduleVersion
from microcredit.servicing.models import InstallmentReminder

logger = logging.getLogger(__name__)

# The reminder leaves this many days before the installment falls due.
DAYS_BEFORE = 5
BATCH_SIZE = 500
CENT = Decimal("0.01")

# The schedule rows that are an amount the borrower has to pay on their date (an early
# repayment row is a payment already made).
DUE_ROWS = (ScheduleLineKind.INSTALLMENT, ScheduleLineKind.DEFERRAL, ScheduleLineKind.PLAN)


@dataclass(frozen=True, slots=True)
class Due:
    """An installment to remind: its loan, the amount due that day, where the e-mail goes and
    who writes it."""

    loan_id: int
    amount: Decimal
    email: str
    organisation: str
    organisation_email: str


@dataclass(frozen=True)
class RemindersRun:
    """What a run did, for the command's output."""

    on: date
    due_date: date
    sent: int
    already: int  # reminded by an earlier run (or by another process meanwhile)
    failed: int  # could not leave: a later run of the day sends them


def installments_due_batch(*, due_date: date, after_loan_id: int, size: int) -> list[Due]:
    """The next `size` loans in repayment, by id after `after_loan_id`, with an amount due on
    `due_date` in their schedule in force, whose borrower agreed to e-mails and has an address
    (one query: the rows due that day, through their index, kept if their version is the
    latest of the loan)."""
    newer_version = ScheduleVersion.objects.filter(
        loan_id=OuterRef("version__loan_id"), number__gt=OuterRef("version__number")
    )
    rows = (
        ScheduleLine.objects.filter(
            due_date=due_date,
            kind__in=DUE_ROWS,
            payment__gt=0,
            version__loan__state=LoanState.ACTIVE,
            version__loan_id__gt=after_loan_id,
            version__loan__dossier__applicant__notifications_consent_at__isnull=False,
        )
        .exclude(version__loan__dossier__applicant__email="")
        .exclude(Exists(newer_version))
        .values(
            "version__loan_id",
            "version__loan__dossier__applicant__email",
            "version__loan__organisation__name",
            "version__loan__organisation__email",
        )
        .annotate(amount=Sum("payment"))
        .order_by("version__loan_id")[:size]
    )
    return [
        Due(
            loan_id=row["version__loan_id"],
            amount=row["amount"].quantize(CENT),
            email=row["version__loan__dossier__applicant__email"],
            organisation=row["version__loan__organisation__name"],
            organisation_email=row["version__loan__organisation__email"],
        )
        for row in rows
    ]


def reminder_email(due: Due, due_date: date) -> EmailMessage:
    """The reminder: the due date and the amount, to the cent; who writes; nothing else."""
    when, amount = format_date(due_date), format_eur(due.amount)
    return EmailMessage(
        subject=f"Rappel : échéance du {when}",
        body=(
            "Bonjour,\n\n"
            f"Votre prochaine échéance de remboursement tombe le {when} : {amount}.\n\n"
            f"{due.organisation}\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[due.email],
        reply_to=[due.organisation_email] if due.organisation_email else None,
    )


def _claim(dues: list[Due], due_date: date) -> tuple[list[int], int]:
    """Write the batch's reminders (those of an earlier run kept) and claim the ones not sent
    yet: (their loan ids, the number already sent or being sent by another process)."""
    with transaction.atomic():
        InstallmentReminder.objects.bulk_create(
            [
                InstallmentReminder(loan_id=d.loan_id, due_date=due_date, amount=d.amount)
                for d in dues
            ],
            ignore_conflicts=True,
        )
        claimed = list(
            InstallmentReminder.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                loan_id__in=[d.loan_id for d in dues], due_date=due_date, emailed_at__isnull=True
            )
            .order_by()  # the rows alone: no join on the loans (nor lock of them)
            .values_list("loan_id", flat=True)
        )
        if claimed:
            InstallmentReminder.objects.filter(
                loan_id__in=claimed, due_date=due_date, emailed_at__isnull=True
            ).update(emailed_at=timezone.now())
    return claimed, len(dues) - len(claimed)


def _send(dues: list[Due], due_date: date) -> list[int]:
    """E-mail each reminder through one connection; the loan ids whose e-mail did not leave."""
    failed = []
    with get_connection(fail_silently=False) as connection:
        for due in dues:
            try:
                connection.send_messages([reminder_email(due, due_date)])
            except Exception as error:
                logger.error("Installment reminder of loan %s not sent: %r", due.loan_id, error)
                failed.append(due.loan_id)
    return failed


def installment_reminders_run(*, on: date, batch_size: int = BATCH_SIZE) -> RemindersRun:
    """E-mail the reminder of every installment due `DAYS_BEFORE` days after `on` to the
    borrowers who agreed to it, once per loan and due date."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    due_date = on + timedelta(days=DAYS_BEFORE)
    sent = already = failed = 0
    after_loan_id = 0
    while True:
        dues = installments_due_batch(
            due_date=due_date, after_loan_id=after_loan_id, size=batch_size
        )
        if not dues:
            break
        claimed, others = _claim(dues, due_date)
        already += others
        mine = set(claimed)
        not_sent = _send([d for d in dues if d.loan_id in mine], due_date)
        if not_sent:  # give the claim back: a later run of the day sends them
            InstallmentReminder.objects.filter(loan_id__in=not_sent, due_date=due_date).update(
                emailed_at=None
            )
        sent += len(claimed) - len(not_sent)
        failed += len(not_sent)
        after_loan_id = dues[-1].loan_id
        if len(dues) < batch_size:
            break
    return RemindersRun(on=on, due_date=due_date, sent=sent, already=already, failed=failed)
