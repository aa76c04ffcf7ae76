"""The schedule starts on the cheque's day, not on the decision's; the usury threshold is the one
of the amount's band in the table in force."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from microcredit.accounts.models import User
from microcredit.banking import services
from microcredit.banking.models import BankDecision
from microcredit.dossiers.models import Dossier
from microcredit.loans.models import ScheduleLine
from microcredit.programmes.models import ProgrammeVersion
from tests.banking.helpers import disburse
from tests.factories import make_granted_dossier, make_transmitted_dossier, membership_of

pytestmark = pytest.mark.django_db


PARIS = ZoneInfo("Europe/Paris")


def test_the_schedule_is_anchored_on_the_cheque_date_not_on_the_decision(
    referent: User, adviser: User
) -> None:
    accepted = date(2028, 1, 12)
    cheque = date(2028, 1, 31)  # 19 days after the decision and the signed offer
    with time_machine.travel(datetime(2028, 1, 12, 10, 0, tzinfo=PARIS), tick=False):
        dossier = make_granted_dossier(created_by=referent, adviser=adviser)
    decision = BankDecision.objects.get(dossier=dossier)
    assert timezone.localdate(decision.decided_at) == decision.offer_signed_on == accepted
    with time_machine.travel(datetime(2028, 1, 31, 15, 0, tzinfo=PARIS), tick=False):
        loan = disburse(adviser, dossier, date=cheque, today=cheque)
    assert loan.disbursement_date == cheque
    lines = list(ScheduleLine.objects.filter(version__loan=loan).order_by("number"))
    # 31 Jan → 29 Feb (2028 is a leap year) → 31 Mar → 30 Apr → 31 May, from the anchor each
    # time; the 24th installment on 31/01/2030.
    assert [line.due_date for line in lines[:5]] == [
        date(2028, 2, 29),
        date(2028, 3, 31),
        date(2028, 4, 30),
        date(2028, 5, 31),
        date(2028, 6, 30),
    ]
    assert len(lines) == 24 and lines[-1].due_date == date(2030, 1, 31)
    # The first period's interest: 1 200 × 1.75 % / 12 = 1.75.
    assert lines[0].interest == Decimal("1.75")


def usury_bands_version(dossier: Dossier) -> ProgrammeVersion:
    """A version in force today with several amount bands (listed out of order), an older
    table and a future one that must not apply."""
    version = ProgrammeVersion.objects.filter(programme=dossier.programme).latest("valid_from")
    version.pk = None
    version.number += 1
    version.valid_from = timezone.localdate()
    version.usury_thresholds = [
        {"valid_from": "2020-01-01", "amount_up_to": "1000.00", "rate_percent": "30.00"},
        {"valid_from": "2026-01-01", "amount_up_to": "6000.00", "rate_percent": "1.00"},
        {"valid_from": "2026-01-01", "amount_up_to": "1000.00", "rate_percent": "1.50"},
        {"valid_from": "2026-01-01", "amount_up_to": "", "rate_percent": "1.00"},
        {"valid_from": "2026-01-01", "amount_up_to": "3000.00", "rate_percent": "2.00"},
        {"valid_from": "2099-01-01", "amount_up_to": "3000.00", "rate_percent": "1.00"},
    ]
    version.save()
    return version


@pytest.mark.parametrize(
    ("amount", "threshold", "granted"),
    [
        # The APR of 1.75 % without fees is about 1.76 % (LOAN_CONVENTIONS, APR): above 1.50 %,
        # under 2.00 %. Up to 1 000 € included: the 1.50 % band.
        ("900.00", "1.50", False),
        ("1000.00", "1.50", False),
        # Above 1 000 € and up to 3 000 €: the 2.00 % band, not the 6 000 € or unbounded ones.
        ("1000.01", "2.00", True),
        ("3000.00", "2.00", True),
    ],
)
def test_the_usury_threshold_is_the_one_of_the_amount_band(
    referent: User, adviser: User, amount: str, threshold: str, granted: bool
) -> None:
    dossier = make_transmitted_dossier(created_by=referent)
    usury_bands_version(dossier)

    def accept() -> BankDecision:
        return services.bank_accept(
            actor=adviser,
            membership=membership_of(adviser),
            dossier_id=dossier.pk,
            amount=Decimal(amount),
            months=24,
            deferral_months=0,
            deferral_kind="none",
            today=timezone.localdate(),
        )

    if granted:
        decision = accept()
        assert decision.usury_threshold_percent == Decimal(threshold)
        assert decision.apr_percent is not None and decision.apr_percent <= Decimal(threshold)
    else:
        with pytest.raises(ValidationError) as caught:
            accept()
        [error] = caught.value.error_dict["amount"]
        assert error.code == "usury_exceeded"
        assert f"{threshold.replace('.', ',')}\u00a0%" in error.message
        assert not BankDecision.objects.exists()
