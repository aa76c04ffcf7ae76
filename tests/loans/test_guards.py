"""Money guards: a repayment above what is due at its date — the payoff then plus the
programme's repayment tolerance (10 € in the Saint-Étienne scheme) — is refused with a French
message naming the maximum (code amount_exceeds_due), in the service (the API and the statement
import use it) and in the loan page's form; nothing is recorded.

The loan: 1 200 € over 24 months at 1.75 %, disbursed on 10/03/2027 (test_payoff.py): the
payoff on 15/03 is 1 200 + 1 200 × 1.75 % / 12 × 5 / 31 (0.2822… → 0.28) = 1 200.28, so at
most 1 210.28 may be paid that day.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from microcredit.accounts.models import User
from microcredit.core.formatting import format_eur
from microcredit.core.models import AuditEvent
from microcredit.loans import services
from microcredit.loans.models import Loan, Repayment, ScheduleVersion
from microcredit.loans.services import RepaymentLine
from microcredit.programmes.models import ProgrammeVersion
from tests.factories import make_loan, membership_of

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
D = Decimal
DISBURSED = date(2027, 3, 10)
EARLY = date(2027, 3, 15)
FIRST_DUE = date(2027, 4, 10)
TODAY = date(2027, 6, 1)


@contextmanager
def on(day: date) -> Iterator[None]:
    with time_machine.travel(datetime.combine(day, time(10, 0), tzinfo=PARIS), tick=False):
        yield


@pytest.fixture
def loan(referent: User, adviser: User) -> Loan:
    with on(DISBURSED):
        return make_loan(created_by=referent, adviser=adviser)  # type: ignore[no-any-return]


def record(adviser: User, loan: Loan, *lines: tuple[str, date, str]) -> services.BatchResult:
    return services.repayments_record_batch(
        actor=adviser,
        membership=membership_of(adviser),
        lines=[
            RepaymentLine(ref, loan.dossier.number, day, D(amount)) for ref, day, amount in lines
        ],
        today=TODAY,
        via="api",
    )


def refusal(adviser: User, loan: Loan, *lines: tuple[str, date, str]) -> list[ValidationError]:
    before = (Repayment.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError) as caught:
        record(adviser, loan, *lines)
    assert (Repayment.objects.count(), AuditEvent.objects.count()) == before
    return list(caught.value.error_list)


def test_the_payoff_plus_the_tolerance_is_the_most_a_repayment_may_be(
    loan: Loan, adviser: User
) -> None:
    [error] = refusal(adviser, loan, ("TROP", EARLY, "1210.29"))
    assert (error.code, error.params) == ("amount_exceeds_due", {"line": 1, "reference": "TROP"})
    assert error.message == (
        "Ligne 1 (référence « TROP ») : le montant dépasse ce qui est dû au 15/03/2027 : "
        f"au plus {format_eur(D('1210.28'))} (solde de {format_eur(D('1200.28'))}, plus la "
        f"tolérance de {format_eur(D('10.00'))})."
    )
    assert [r.amount for r in record(adviser, loan, ("JUSTE", EARLY, "1210.28")).recorded] == [
        D("1210.28")
    ]


def test_the_lines_of_a_loan_in_a_batch_are_summed(loan: Loan, adviser: User) -> None:
    # 700 then 600 on 15/03: 1 300 > 1 210.28; the second line may be at most 510.28.
    [error] = refusal(adviser, loan, ("A", EARLY, "700.00"), ("B", EARLY, "600.00"))
    assert (error.code, error.params) == ("amount_exceeds_due", {"line": 2, "reference": "B"})
    assert f"au plus {format_eur(D('510.28'))}" in error.message
    assert f"moins les lignes précédentes du lot pour ce prêt ({format_eur(D('700.00'))})" in (
        error.message
    )


def test_what_was_already_paid_lowers_the_maximum(loan: Loan, adviser: User) -> None:
    # 50.92 paid on 10/04 (the first installment: 1.75 interest, 49.17 principal): the payoff
    # that day is the balance 1 200 − 49.17 = 1 150.83; at most 1 160.83 more.
    record(adviser, loan, ("VIR-1", FIRST_DUE, "50.92"))
    [error] = refusal(adviser, loan, ("TROP", FIRST_DUE, "1160.84"))
    assert f"au plus {format_eur(D('1160.83'))}" in error.message
    record(adviser, loan, ("VIR-2", FIRST_DUE, "1160.83"))


def test_the_tolerance_is_the_programme_version_in_force_at_the_repayment_date(
    loan: Loan, adviser: User
) -> None:
    first = ProgrammeVersion.objects.get(programme=loan.dossier.programme)
    second = ProgrammeVersion.objects.get(pk=first.pk)
    second.pk = None
    second.number, second.valid_from, second.repayment_tolerance = 2, EARLY, D("0.00")
    second.save()
    # From 15/03 no tolerance: 1 200.28 at most that day.
    [error] = refusal(adviser, loan, ("TROP", EARLY, "1200.29"))
    assert f"au plus {format_eur(D('1200.28'))}" in error.message
    assert f"tolérance de {format_eur(D('0.00'))}" in error.message
    # On 14/03 the first version's 10 € hold: 1 200 + 1.75 × 4 / 31 (0.2258… → 0.23) + 10.
    [error] = refusal(adviser, loan, ("TROP", date(2027, 3, 14), "1210.24"))
    assert f"au plus {format_eur(D('1210.23'))}" in error.message


def test_an_early_repayment_above_the_maximum_makes_no_version(loan: Loan, adviser: User) -> None:
    with pytest.raises(ValidationError) as caught:
        services.repayments_record_batch(
            actor=adviser,
            membership=membership_of(adviser),
            lines=[RepaymentLine("ANT", loan.dossier.number, EARLY, D("5000000.00"), True)],
            today=TODAY,
            via="api",
        )
    assert [e.code for e in caught.value.error_list] == ["amount_exceeds_due"]
    assert not Repayment.objects.exists()
    assert ScheduleVersion.objects.filter(loan=loan).count() == 1


def test_the_loan_page_form_refuses_it_on_the_amount(client, loan: Loan, adviser: User) -> None:  # type: ignore[no-untyped-def]
    with on(EARLY):
        client.force_login(adviser)
        response = client.post(
            f"/prets/{loan.pk}/remboursements/",
            {"rep-reference": "GUICHET-1", "rep-date": "15/03/2027", "rep-amount": "5 000 000,00"},
        )
    assert response.status_code == 200
    form = response.context["repayment_form"]
    assert form.errors == {
        "amount": [
            f"Le montant dépasse ce qui est dû au 15/03/2027 : au plus {format_eur(D('1210.28'))}"
            f" (solde de {format_eur(D('1200.28'))}, plus la tolérance de "
            f"{format_eur(D('10.00'))})."
        ]
    }
    assert "Le montant dépasse ce qui est dû au 15/03/2027" in response.content.decode()
    assert not Repayment.objects.exists()


def test_the_loan_page_form_puts_other_refusals_on_their_field(
    client, loan: Loan, adviser: User
) -> None:  # type: ignore[no-untyped-def]
    with on(EARLY):
        client.force_login(adviser)
        response = client.post(
            f"/prets/{loan.pk}/remboursements/",
            {"rep-reference": "GUICHET-1", "rep-date": "09/03/2027", "rep-amount": "10,00"},
        )
    assert response.context["repayment_form"].errors == {
        "date": ["La date précède le décaissement du prêt (10/03/2027)."]
    }
    assert not Repayment.objects.exists()
