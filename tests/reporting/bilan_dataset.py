"""Hand-built data for the bilan's tests: dossiers with chosen stages and dates, loans with
chosen amounts, claims, plans, snapshots, budgets, rights, contacts (test_statistics.py derives
every figure from what is written here).

Rows are written directly (`objects.create`), then their automatic dates (`at`, `proposed_at`,
`recorded_at`, `created_at`) are set with a queryset update: the bilan reads dates, so the data
say them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from itertools import count
from typing import Any

from django.utils import timezone

from microcredit.accounts.models import User
from microcredit.applicants.models import HouseholdMember
from microcredit.budgets.models import Budget, BudgetLine
from microcredit.dossiers.models import Dossier, DossierEvent
from microcredit.loans.models import Loan, Repayment, ScheduleLine, ScheduleVersion
from microcredit.organisations.models import Organisation
from microcredit.rights.models import RightOutcomeRecord, RightsAssessmentRecord
from microcredit.servicing.models import (
    ArrearsSnapshot,
    Bonification,
    GuaranteeClaim,
    RepaymentPlan,
)
from microcredit.simulator.models import ContactRequest
from tests.factories import make_applicant, make_dossier

_references = count(1)


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """A moment of `day` in the site's time zone."""
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@dataclass
class Builder:
    """Writes the rows of one organisation's data set."""

    organisation: Organisation
    bank: Organisation
    actor: User
    dossiers: dict[str, Dossier] = field(default_factory=dict)
    loans: dict[str, Loan] = field(default_factory=dict)

    def dossier(
        self,
        name: str,
        *,
        applied: date,
        state: str,
        path: list[tuple[str, date]],
        referent: User | None = None,
        purpose: str = "mobilite",
        applicant: dict[str, Any] | None = None,
        same_person_as: str | None = None,
        members: tuple[str, ...] = (),
        **overrides: Any,
    ) -> Dossier:
        """A dossier received on `applied`, now in `state`, with one event per (state, day) of
        `path` (dated that day at 10:00)."""
        if same_person_as is not None:
            person = self.dossiers[same_person_as].applicant
        else:
            person = make_applicant(
                organisation=self.organisation, created_by=self.actor, **(applicant or {})
            )
            for relationship in members:
                HouseholdMember.objects.create(
                    applicant=person,
                    first_name="Membre",
                    birth_date=date(2012, 1, 1),
                    relationship=relationship,
                )
        dossier = make_dossier(
            created_by=self.actor,
            organisation=self.organisation,
            state=state,
            applicant=person,
            referent=referent,
            application_date=applied,
            purpose_category=purpose,
            bank_transmitted_at=None,
            **overrides,
        )
        previous = ""
        for to_state, day in path:
            event = DossierEvent.objects.create(
                dossier=dossier,
                actor=self.actor,
                transition=f"to_{to_state}",
                from_state=previous,
                to_state=to_state,
            )
            DossierEvent.objects.filter(pk=event.pk).update(at=at(day))
            previous = to_state
        self.dossiers[name] = dossier
        return dossier

    def loan(
        self,
        name: str,
        *,
        principal: str,
        months: int,
        disbursed: date,
        state: str = "active",
    ) -> Loan:
        amount = Decimal(principal)
        loan = Loan.objects.create(
            dossier=self.dossiers[name],
            organisation=self.organisation,
            bank=self.bank,
            principal=amount,
            nominal_rate_percent=Decimal("1.750"),
            months=months,
            disbursement_date=disbursed,
            installment=(amount / months).quantize(Decimal("0.01")),
            total_interest=Decimal("10.00"),
            total_due=amount + Decimal("10.00"),
            apr_percent=Decimal("1.76"),
            state=state,
        )
        self.loans[name] = loan
        return loan

    def schedule(self, name: str, due_dates: list[date]) -> None:
        """Version 1 of the loan's schedule, one row per due date."""
        loan = self.loans[name]
        version = ScheduleVersion.objects.create(
            loan=loan, number=1, reason="Échéancier initial", installment=loan.installment,
            created_by=self.actor,
        )  # fmt: skip
        for number, due in enumerate(due_dates, start=1):
            ScheduleLine.objects.create(
                version=version, number=number, due_date=due, kind="installment",
                payment=loan.installment, interest=Decimal("0.50"),
                principal=loan.installment - Decimal("0.50"), balance=Decimal("0.00"),
            )  # fmt: skip

    def repayment(self, name: str, day: date, amount: str, *, early: bool = False) -> None:
        Repayment.objects.create(
            loan=self.loans[name], bank=self.bank, reference=f"R{next(_references):06d}",
            date=day, amount=Decimal(amount), early_repayment=early,
            early_repayment_keep="installment" if early else "", recorded_by=self.actor,
            via="portal",
        )  # fmt: skip

    def claim(self, name: str, *, accelerated: date, outstanding: str) -> None:
        principal = Decimal(outstanding)
        GuaranteeClaim.objects.create(
            loan=self.loans[name], acceleration_date=accelerated, first_unpaid_date=accelerated,
            guarantor_name="Fonds de cohésion sociale", rate_percent=Decimal("50.00"),
            includes_interest=False, outstanding_principal=principal,
            accrued_interest=Decimal("0.00"), amount=(principal / 2).quantize(Decimal("0.01")),
            recorded_by=self.actor,
        )  # fmt: skip

    def snapshot(self, name: str, as_of: date, *, outstanding: str, days_late: int) -> None:
        ArrearsSnapshot.objects.create(
            loan=self.loans[name], as_of=as_of, days_past_due=days_late,
            bucket="current" if days_late == 0 else "late", overdue_amount=Decimal("0.00"),
            outstanding_principal=Decimal(outstanding), installment=Decimal("50.00"),
        )  # fmt: skip

    def plan(self, name: str, *, proposed: date, state: str, overdue: str) -> None:
        plan = RepaymentPlan.objects.create(
            loan=self.loans[name], state=state, as_of=proposed, months=6, mode="on_top",
            overdue_amount=Decimal(overdue), proposed_by=self.actor,
        )  # fmt: skip
        RepaymentPlan.objects.filter(pk=plan.pk).update(proposed_at=at(proposed))

    def bonification(self, name: str, *, paid: date | None, amount: str) -> None:
        Bonification.objects.create(
            loan=self.loans[name], amount=Decimal(amount), paid_on=paid,
            mode="transfer" if paid else "", waived_reason="" if paid else "Prêt en défaut",
            recorded_by=self.actor,
        )  # fmt: skip

    def budget(self, name: str, version: int, lines: list[tuple[str, str, str]]) -> Budget:
        """A budget version of the dossier, its lines (kind, type, amount)."""
        budget = Budget.objects.create(
            dossier=self.dossiers[name], version=version, month=date(2026, 1, 1),
            housing_status="tenant_social", created_by=self.actor,
        )  # fmt: skip
        for kind, line_type, amount in lines:
            BudgetLine.objects.create(
                budget=budget, kind=kind, type=line_type, amount=Decimal(amount)
            )
        return budget

    def rights(self, name: str, recorded: date, outcomes: dict[str, str]) -> None:
        """One assessment of the dossier and the référent's outcome per right, recorded then."""
        dossier = self.dossiers[name]
        budget = Budget.objects.filter(dossier=dossier).order_by("-version").first() or (
            self.budget(name, 1, [])
        )
        assessment = RightsAssessmentRecord.objects.create(
            dossier=dossier, budget=budget, status="done", month=date(2026, 1, 1),
            openfisca_france_version="test", created_by=self.actor,
        )  # fmt: skip
        for right, outcome in outcomes.items():
            record = RightOutcomeRecord.objects.create(
                assessment=assessment, right=right, outcome=outcome, recorded_by=self.actor
            )
            RightOutcomeRecord.objects.filter(pk=record.pk).update(recorded_at=at(recorded))

    def contact(self, when: datetime) -> None:
        request = ContactRequest.objects.create(
            organisation=self.organisation, first_name="Camille", last_name="Durand",
            phone="0477000000", consent=True, client_fingerprint="f" * 64,
        )  # fmt: skip
        ContactRequest.objects.filter(pk=request.pk).update(created_at=when)
