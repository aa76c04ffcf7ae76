"""Dossiers brought to each decision that gives a letter, through dossier_transition."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from loan_engine import DeferralKind, LoanTerms, annual_percentage_rate, build_schedule
from microcredit.accounts.enums import Role
from microcredit.accounts.models import User
from microcredit.banking.enums import BankOutcome
from microcredit.banking.models import BankDecision
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier, DossierEvent
from microcredit.dossiers.services import dossier_transition
from microcredit.loans.models import Loan
from tests.factories import make_dossier, make_loan


def normalised(text: str) -> str:
    """Whitespace folded (pypdf renders the narrow no-break spaces of amounts in its own way)."""
    return " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())


def provisional_schedule(
    amount: Decimal, months: int, deferral_months: int, deferral_kind: str, on: date
) -> Any:
    kind = DeferralKind(deferral_kind) if deferral_months else DeferralKind.NONE
    return build_schedule(
        LoanTerms(
            principal=amount,
            annual_rate=Decimal("0.0175"),
            months=months,
            disbursement_date=on,
            deferral_months=deferral_months if kind != DeferralKind.NONE else 0,
            deferral_kind=kind,
        )
    )


@pytest.fixture
def director(make_user) -> User:  # type: ignore[no-untyped-def]
    return make_user(Role.DIRECTOR)


@pytest.fixture
def referent(make_user) -> User:  # type: ignore[no-untyped-def]
    user = make_user(Role.REFERENT)
    user.first_name, user.last_name = "Claire", "Vidal"
    user.save()
    return user


@pytest.fixture
def adviser(make_user) -> User:  # type: ignore[no-untyped-def]
    return make_user(Role.BANK_ADVISER)


@pytest.fixture
def committee_decision(
    director: User, referent: User, django_capture_on_commit_callbacks
) -> Callable[..., DossierEvent]:  # type: ignore[no-untyped-def]
    """A dossier ready for the commission, then `transition` (flow commission), committed."""

    def decide(transition: str, **kwargs: Any) -> DossierEvent:
        dossier = make_dossier(
            created_by=referent, referent=referent, state=DossierState.READY_FOR_COMMITTEE
        )
        with django_capture_on_commit_callbacks(execute=True):
            return dossier_transition(
                actor=director,
                membership=director.memberships.get(),
                dossier_id=dossier.pk,
                transition=transition,
                flow="commission",
                **kwargs,
            )

    return decide


@pytest.fixture
def bank_decision(
    adviser: User, referent: User, django_capture_on_commit_callbacks
) -> Callable[..., DossierEvent]:  # type: ignore[no-untyped-def]
    """A dossier transmitted to the bank, then the bank's decision with its BankDecision row
    written in the same transaction (as the banking services do), committed."""

    def decide(
        outcome: str,
        *,
        amount: Decimal = Decimal("1200.00"),
        months: int = 24,
        deferral_months: int = 0,
        deferral_kind: str = "none",
        refusal_reason: str = "",
        refusal_text: str = "",
        dossier: Dossier | None = None,
    ) -> DossierEvent:
        if dossier is None:
            dossier = make_dossier(
                created_by=referent,
                referent=referent,
                state=DossierState.TRANSMITTED_TO_BANK,
                with_consent=True,
            )
        accepted = outcome == BankOutcome.ACCEPTED
        values: dict[str, Any] = {}
        if accepted:
            schedule = provisional_schedule(
                amount, months, deferral_months, deferral_kind, timezone.localdate()
            )
            values = {
                "amount": amount,
                "months": months,
                "deferral_months": deferral_months,
                "deferral_kind": deferral_kind,
                "nominal_rate_percent": Decimal("1.750"),
                "installment": schedule.installment,
                "apr_percent": annual_percentage_rate(schedule),
                "usury_threshold_percent": Decimal("23.00"),
            }
        else:
            values = {"refusal_reason": refusal_reason, "refusal_text": refusal_text}
        with django_capture_on_commit_callbacks(execute=True):
            event = dossier_transition(
                actor=adviser,
                membership=adviser.memberships.get(),
                dossier_id=dossier.pk,
                transition="bank_accept" if accepted else "bank_refuse",
                reason="" if accepted else refusal_text or "refus",
                flow="bank",
            )
            BankDecision.objects.create(
                dossier=dossier,
                bank=adviser.memberships.get().organisation,
                outcome=outcome,
                decided_by=adviser,
                event=event,
                **values,
            )
        return event

    return decide


@pytest.fixture
def broken_renderer(monkeypatch) -> Callable[[], None]:  # type: ignore[no-untyped-def]
    """WeasyPrint failing (as when the disk is full) until the returned callable repairs it."""

    def fail(template_name: str, context: dict[str, Any]) -> bytes:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("microcredit.letters.writing.render_pdf", fail)
    return monkeypatch.undo


# --- After the cheque (issue #12) -----------------------------------------------------------

PARIS = ZoneInfo("Europe/Paris")


def at(day: date) -> datetime:
    """10 a.m. in Saint-Étienne on `day` (time_machine.travel's target)."""
    return datetime.combine(day, time(10, 0), tzinfo=PARIS)


@pytest.fixture
def disbursed_loan(adviser, referent, django_capture_on_commit_callbacks) -> Loan:  # type: ignore[no-untyped-def]
    """1 200,00 € over 12 months at 1,75 %, the cheque recorded on 15/10/2025 through the bank
    services, committed (its disbursement letter written after the commit)."""
    with (
        time_machine.travel(at(date(2025, 10, 15)), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        loan: Loan = make_loan(
            created_by=referent,
            adviser=adviser,
            referent=referent,
            amount=Decimal("1200.00"),
            months=12,
        )
    return loan
