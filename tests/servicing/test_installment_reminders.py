"""The installment reminder (`microcredit installment_reminders`): five days before each
installment of the schedule in force, an e-mail to the borrower who agreed to it, with the date
and the amount to the cent, once per loan and due date, in batches of a fixed query count; run
by the scheduler at 08:00."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from microcredit.accounts.enums import Role
from microcredit.accounts.models import User
from microcredit.applicants.models import Applicant
from microcredit.loans.enums import LoanState
from microcredit.loans.models import Loan, ScheduleLine, ScheduleVersion
from microcredit.servicing import schedule
from microcredit.servicing.models import InstallmentReminder
from microcredit.servicing.schedule import SCHEDULE, jobs_due
from microcredit.servicing.services.reminders import installment_reminders_run
from tests.servicing.arrears_helpers import APR, INSTALLMENT, PARIS, on, quick_loan, reference_loan

pytestmark = pytest.mark.django_db

APRIL_10 = date(2026, 4, 10)  # five days before the installment of 15/04/2026


@pytest.fixture
def referent(make_user: Callable[..., User]) -> User:
    return make_user(Role.REFERENT)


@pytest.fixture
def adviser(make_user: Callable[..., User]) -> User:
    return make_user(Role.BANK_ADVISER, username="cb")


def agrees(loan: Loan, email: str = "", consent: bool = True) -> str:
    """The borrower's address and consent (None: no consent); their address."""
    email = email or f"emprunteur{loan.pk}@example.org"
    Applicant.objects.filter(dossiers__loan=loan).update(
        email=email, notifications_consent_at=timezone.now() if consent else None
    )
    return email


def run(day: date, *args: str) -> str:
    out = io.StringIO()
    with on(day, hour=8):
        call_command("installment_reminders", "--on", day.isoformat(), *args, stdout=out)
    return out.getvalue()


def to(address: str) -> list[mail.EmailMessage]:
    return [m for m in mail.outbox if m.to == [address]]


@pytest.fixture
def loan(referent: User, adviser: User) -> Loan:
    """1 200,00 € over 24 months, 50,92 € on the 15th of each month from 15/02/2026."""
    return reference_loan(referent=referent, adviser=adviser)


def test_five_days_before_the_borrower_gets_the_date_and_the_amount(loan: Loan) -> None:
    address = agrees(loan)
    out = run(APRIL_10)
    assert out.strip() == (
        "Rappels des échéances du 15/04/2026 : 1 envoyé, 0 déjà envoyé, 0 en échec."
    )
    [message] = to(address)
    assert message.subject == "Rappel : échéance du 15/04/2026"
    assert message.body == (
        "Bonjour,\n\nVotre prochaine échéance de remboursement tombe le 15/04/2026 : "
        "50,92\u00a0€.\n\nCCAS de Saint-Étienne\n"
    )
    # Nothing else: no name, no dossier, no balance.
    applicant = loan.dossier.applicant
    for said in (applicant.last_name, applicant.first_name, loan.dossier.number, "1 200"):
        assert said not in message.subject + message.body
    reminder = InstallmentReminder.objects.get()
    assert (reminder.loan_id, reminder.due_date, reminder.amount) == (loan.pk, APR, INSTALLMENT)
    assert reminder.emailed_at is not None


@pytest.mark.parametrize("day", [APRIL_10 - timedelta(days=1), APRIL_10 + timedelta(days=1)])
def test_only_five_days_before(loan: Loan, day: date) -> None:
    agrees(loan)
    assert "0 envoyé" in run(day)
    assert mail.outbox == []
    assert not InstallmentReminder.objects.exists()


def test_once_only_a_second_run_sends_nothing(loan: Loan) -> None:
    address = agrees(loan)
    run(APRIL_10)
    out = run(APRIL_10)
    assert "0 envoyé, 1 déjà envoyé" in out
    assert len(to(address)) == 1
    assert InstallmentReminder.objects.count() == 1


def test_the_consent_is_respected(referent: User, adviser: User) -> None:
    agreed, refused, no_address = (quick_loan(referent=referent, adviser=adviser) for _ in range(3))
    address = agrees(agreed)
    other = agrees(refused, consent=False)
    Applicant.objects.filter(dossiers__loan=no_address).update(
        email="", notifications_consent_at=timezone.now()
    )
    assert "1 envoyé" in run(APRIL_10)
    assert len(to(address)) == 1 and to(other) == []
    assert len(mail.outbox) == 1
    assert list(InstallmentReminder.objects.values_list("loan_id", flat=True)) == [agreed.pk]


def test_a_loan_no_longer_in_repayment_is_not_reminded(loan: Loan) -> None:
    agrees(loan)
    Loan.objects.filter(pk=loan.pk).update(state=LoanState.REPAID)
    assert "0 envoyé" in run(APRIL_10)
    assert mail.outbox == []


def test_the_schedule_in_force_gives_the_date_and_the_amount(loan: Loan, adviser: User) -> None:
    """A newer version (as after a repayment plan) moves the installments to the 16th, at
    31,07 €: the 15th of the old version is no longer reminded."""
    address = agrees(loan)
    first = ScheduleVersion.objects.get(loan=loan)
    second = ScheduleVersion.objects.create(
        loan=loan, number=2, reason="plan", installment=Decimal("31.07"), created_by=adviser
    )
    ScheduleLine.objects.bulk_create(
        [
            ScheduleLine(
                version=second,
                number=line.number,
                due_date=line.due_date + timedelta(days=1),
                kind=line.kind,
                payment=Decimal("31.07"),
                interest=line.interest,
                principal=Decimal("31.07") - line.interest,
                balance=line.balance,
            )
            for line in first.lines.all()
        ]
    )
    assert "0 envoyé" in run(APRIL_10)
    run(APRIL_10 + timedelta(days=1))
    [message] = to(address)
    assert "tombe le 16/04/2026 : 31,07\u00a0€." in message.body
    assert InstallmentReminder.objects.get().amount == Decimal("31.07")


def test_an_e_mail_that_could_not_leave_is_sent_by_the_next_run(
    loan: Loan, monkeypatch: pytest.MonkeyPatch
) -> None:
    address = agrees(loan)
    sending = EmailBackend.send_messages

    def down(self, messages):  # type: ignore[no-untyped-def]
        raise OSError("serveur de messagerie injoignable")

    monkeypatch.setattr(EmailBackend, "send_messages", down)
    with pytest.raises(CommandError, match="1 rappel n'a pas pu partir"):
        run(APRIL_10)
    assert InstallmentReminder.objects.get().emailed_at is None
    monkeypatch.setattr(EmailBackend, "send_messages", sending)
    assert "1 envoyé" in run(APRIL_10)
    assert len(to(address)) == 1


def test_the_query_count_per_batch_does_not_grow_with_the_loans(
    referent: User, adviser: User, count_queries: Callable[[Callable[[], object]], int]
) -> None:
    loans = [quick_loan(referent=referent, adviser=adviser) for _ in range(8)]
    for loan in loans:
        agrees(loan)

    def reminders(size: int) -> None:
        with on(APRIL_10, hour=8):
            installment_reminders_run(on=APRIL_10, batch_size=size)

    InstallmentReminder.objects.all().delete()
    mail.outbox.clear()
    one_batch_of_8 = count_queries(lambda: reminders(9))
    assert len(mail.outbox) == 8
    InstallmentReminder.objects.all().delete()
    mail.outbox.clear()
    four_batches_of_2 = count_queries(lambda: reminders(2))
    assert len(mail.outbox) == 8
    # Four full batches and the empty read that ends the walk, each batch as one batch of 8.
    assert four_batches_of_2 == 4 * one_batch_of_8 + 1
    # A batch of 2 loans costs what a batch of 8 does.
    InstallmentReminder.objects.filter(loan__in=loans[:6]).delete()
    mail.outbox.clear()
    assert count_queries(lambda: reminders(9)) == one_batch_of_8
    assert len(mail.outbox) == 6


def test_bad_dates_are_refused_in_french(loan: Loan) -> None:
    with pytest.raises(CommandError, match="Date invalide : « 10/04/2026 »"):
        call_command("installment_reminders", "--on", "10/04/2026", stdout=io.StringIO())
    with (
        on(APRIL_10, hour=8),
        pytest.raises(CommandError, match="échéances du 09/04/2026 sont déjà passées"),
    ):
        call_command("installment_reminders", "--on", "2026-04-04", stdout=io.StringIO())


def test_the_scheduler_sends_the_reminders_at_eight(loan: Loan) -> None:
    jobs = {job.name: job for job in SCHEDULE}
    reminders, appointments = jobs["installment_reminders"], jobs["appointment_reminders"]
    assert (reminders.at, reminders.command) == (time(8, 0), "installment_reminders")
    assert reminders.arguments(APRIL_10) == ["--on", "2026-04-10"]
    assert (appointments.at, appointments.command) == (time(8, 0), "appointment_reminders")
    assert appointments.arguments(APRIL_10) == ["--on", "2026-04-10"]
    assert appointments.description == "Rappels des rendez-vous du lendemain"
    due = jobs_due(
        datetime(2026, 4, 10, 7, 59, 30, tzinfo=PARIS), datetime(2026, 4, 10, 8, 0, tzinfo=PARIS)
    )
    assert {job.name for job, _day in due} == {"installment_reminders", "appointment_reminders"}

    address = agrees(loan)
    with on(APRIL_10, hour=8):
        ran = schedule.job_run(reminders, APRIL_10)
    assert ran is True
    assert len(to(address)) == 1
