"""Reads of the privacy app: who is due for anonymisation, a person and what is held about them
(the export), the people a data-protection officer may find. Access is checked here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import (
    Exists,
    Max,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.http import Http404
from django.utils import timezone

from microcredit.accounts.enums import PRIVACY_ROLES
from microcredit.accounts.models import Membership
from microcredit.applicants.models import Applicant, HouseholdMember
from microcredit.banking.models import BankDecision, Disbursement
from microcredit.budgets.models import Budget, BudgetLine, BudgetPerson, ReferentOpinion
from microcredit.commissions.models import AgendaItem
from microcredit.core.models import AccessLog, AuditEvent
from microcredit.documents.models import Document
from microcredit.dossiers.models import Dossier, DossierEvent, EligibilityCheck
from microcredit.dossiers.workflow import FINAL_STATES
from microcredit.followup.models import Appointment, Note, RequestHandling, StepReview
from microcredit.letters.models import Letter
from microcredit.loans.enums import LoanState
from microcredit.loans.models import Incident, Loan, Repayment, ScheduleVersion
from microcredit.privacy import rules
from microcredit.programmes.models import ProgrammeVersion
from microcredit.rights.models import RightOutcomeRecord, RightsAssessmentRecord
from microcredit.servicing.models import (
    Bonification,
    GuaranteeClaim,
    ProjectProof,
    RepaymentPlan,
)
from microcredit.simulator.models import ContactRequest

# The dated activities of a dossier that count as a contact with the person (docs/privacy.md):
# (model, the path to the dossier, the dated field).
CONTACT_SOURCES: tuple[tuple[type[Model], str, str], ...] = (
    (DossierEvent, "dossier", "at"),
    (Note, "dossier", "created_at"),
    (Appointment, "dossier", "starts_at"),
    (StepReview, "dossier", "held_on"),
    (Letter, "dossier", "created_at"),
    (Document, "dossier", "uploaded_at"),
    (Budget, "dossier", "created_at"),
    (Repayment, "loan__dossier", "date"),
    (Incident, "loan__dossier", "date"),
)

PEOPLE_PAGE_SIZE = 25


def _as_date(value: date | datetime | None) -> date | None:
    if isinstance(value, datetime):
        return timezone.localdate(value)
    return value


@dataclass(frozen=True)
class DuePerson:
    applicant_id: int
    organisation_id: int
    organisation_name: str
    last_contact: date
    retention_months: int
    dossier_numbers: tuple[str, ...]


def _without_open_dossier(applicants: QuerySet[Applicant]) -> QuerySet[Applicant]:
    open_dossier = Dossier.objects.filter(applicant=OuterRef("pk")).exclude(
        state__in=list(FINAL_STATES)
    )
    return applicants.filter(
        Exists(Dossier.objects.filter(applicant=OuterRef("pk"))), ~Exists(open_dossier)
    )


def _last_contacts(applicants: QuerySet[Applicant]) -> dict[int, date]:
    """{applicant id: their last contact}, one query (a subquery per source of contact)."""
    annotations: dict[str, Any] = {
        "c_application": Max("dossiers__application_date"),
    }
    for index, (model, path, dated) in enumerate(CONTACT_SOURCES):
        latest = (
            model._default_manager.filter(**{f"{path}__applicant": OuterRef("pk")})
            .order_by()
            .values(f"{path}__applicant")
            .annotate(latest=Max(dated))
            .values("latest")
        )
        annotations[f"c_{index}"] = Subquery(latest)
    found: dict[int, date] = {}
    for row in applicants.order_by().annotate(**annotations).values("pk", *annotations):
        dates = [d for d in (_as_date(row[key]) for key in annotations) if d is not None]
        if dates:
            found[row["pk"]] = max(dates)
    return found


def _retention_months(applicant_ids: Iterable[int], as_of: date) -> dict[int, int]:
    """{applicant id: the longest `retention_months` of the versions in force on `as_of` of
    their dossiers' programmes} (two queries)."""
    programmes: dict[int, set[int]] = {}
    for applicant_id, programme_id in Dossier.objects.filter(
        applicant_id__in=list(applicant_ids)
    ).values_list("applicant_id", "programme_id"):
        programmes.setdefault(applicant_id, set()).add(programme_id)
    wanted = {p for ps in programmes.values() for p in ps}
    months: dict[int, int] = {}
    for programme_id, value in (
        ProgrammeVersion.objects.filter(programme_id__in=wanted, valid_from__lte=as_of)
        .order_by("programme_id", "valid_from")
        .values_list("programme_id", "retention_months")
    ):
        months[programme_id] = value  # the latest version starting on or before `as_of` wins
    default = ProgrammeVersion._meta.get_field("retention_months").default
    return {
        applicant_id: max(months.get(p, default) for p in ps)
        for applicant_id, ps in programmes.items()
    }


def people_due(as_of: date, organisation_slug: str | None = None) -> list[DuePerson]:
    """The people to anonymise on `as_of`: not yet anonymised, every dossier closed, and the
    retention period after their last contact run out. A fixed number of queries."""
    applicants = _without_open_dossier(Applicant.objects.filter(anonymised_at__isnull=True))
    if organisation_slug:
        applicants = applicants.filter(organisation__slug=organisation_slug)
    contacts = _last_contacts(applicants)
    months = _retention_months(contacts, as_of)
    due_ids = [pk for pk, last in contacts.items() if rules.is_due(last, months.get(pk, 24), as_of)]
    numbers: dict[int, list[str]] = {}
    for applicant_id, number in (
        Dossier.objects.filter(applicant_id__in=due_ids)
        .order_by("number")
        .values_list("applicant_id", "number")
    ):
        numbers.setdefault(applicant_id, []).append(number)
    rows = (
        Applicant.objects.filter(pk__in=due_ids)
        .order_by("organisation__name", "pk")
        .values_list("pk", "organisation_id", "organisation__name")
    )
    return [
        DuePerson(
            applicant_id=pk,
            organisation_id=org_id,
            organisation_name=org_name,
            last_contact=contacts[pk],
            retention_months=months.get(pk, 24),
            dossier_numbers=tuple(numbers.get(pk, [])),
        )
        for pk, org_id, org_name in rows
    ]


def last_contact(applicant: Applicant) -> date | None:
    return _last_contacts(Applicant.objects.filter(pk=applicant.pk)).get(applicant.pk)


def retention_months_of(applicant: Applicant, as_of: date) -> int:
    return _retention_months([applicant.pk], as_of).get(applicant.pk, 24)


# --- A person's rights ----------------------------------------------------------------------


def can_manage_privacy(membership: Membership | None) -> bool:
    return membership is not None and membership.role in PRIVACY_ROLES


def person_for_membership_or_404(
    membership: Membership, applicant_id: int, *, for_update: bool = False
) -> Applicant:
    """The applicant of the member's organisation (404 otherwise, without saying whether it
    exists elsewhere)."""
    if not can_manage_privacy(membership):
        raise Http404
    found = Applicant.objects.filter(pk=applicant_id, organisation_id=membership.organisation_id)
    if for_update:
        found = found.select_for_update()
    applicant = found.first()
    if applicant is None:
        raise Http404
    return applicant


def people_search(membership: Membership, query: str) -> QuerySet[Applicant]:
    """The organisation's people whose dossier number or name holds `query`, by name."""
    people = Applicant.objects.filter(organisation_id=membership.organisation_id)
    text = query.strip()
    if not text:
        return people.none()
    folded = rules.fold(text)
    # The number looked up apart from the name (no join, no DISTINCT over the people).
    numbered = Dossier.objects.filter(number__iexact=text).values("applicant_id")
    return people.filter(Q(search_name__contains=folded) | Q(pk__in=numbered)).order_by(
        "search_name", "pk"
    )


@dataclass(frozen=True)
class PersonDossier:
    dossier: Dossier
    loan: Loan | None


@dataclass
class PersonOverview:
    applicant: Applicant
    members: list[HouseholdMember]
    dossiers: list[PersonDossier]
    counts: dict[str, int] = field(default_factory=dict)
    last_contact: date | None = None
    retention_months: int = 24
    retention_ends: date | None = None

    @property
    def open_dossiers(self) -> list[Dossier]:
        return [d.dossier for d in self.dossiers if d.dossier.state not in FINAL_STATES]

    @property
    def active_loans(self) -> list[Loan]:
        return [d.loan for d in self.dossiers if d.loan and d.loan.state == LoanState.ACTIVE]


def person_overview(applicant: Applicant, today: date) -> PersonOverview:
    """What is held about a person, for their page (a fixed number of queries)."""
    dossiers = list(
        Dossier.objects.filter(applicant=applicant).select_related("programme").order_by("number")
    )
    loans = {loan.dossier_id: loan for loan in Loan.objects.filter(dossier__in=dossiers)}
    counts = {
        "documents": Document.objects.filter(dossier__in=dossiers).count(),
        "letters": Letter.objects.filter(dossier__in=dossiers).count(),
        "notes": Note.objects.filter(dossier__in=dossiers).count(),
        "appointments": Appointment.objects.filter(dossier__in=dossiers).count(),
        "consultations": consultations(applicant).count(),
    }
    last = last_contact(applicant)
    months = retention_months_of(applicant, today)
    return PersonOverview(
        applicant=applicant,
        members=list(applicant.members.order_by("birth_date", "pk")),
        dossiers=[PersonDossier(d, loans.get(d.pk)) for d in dossiers],
        counts=counts,
        last_contact=last,
        retention_months=months,
        retention_ends=rules.retention_ends(last, months) if last else None,
    )


# --- Everything held about a person (the export, the anonymisation) ------------------------


@dataclass
class PersonRecords:
    """Every row that is about a person, by model (the export and the anonymisation read it)."""

    applicant: Applicant
    members: list[HouseholdMember]
    dossiers: list[Dossier]
    events: list[DossierEvent]
    eligibility: list[EligibilityCheck]
    budgets: list[Budget]
    budget_persons: list[BudgetPerson]
    budget_lines: list[BudgetLine]
    opinions: list[ReferentOpinion]
    rights_assessments: list[RightsAssessmentRecord]
    right_outcomes: list[RightOutcomeRecord]
    documents: list[Document]
    letters: list[Letter]
    notes: list[Note]
    appointments: list[Appointment]
    step_reviews: list[StepReview]
    agenda_items: list[AgendaItem]
    bank_decisions: list[BankDecision]
    disbursements: list[Disbursement]
    loans: list[Loan]
    schedule_versions: list[ScheduleVersion]
    repayments: list[Repayment]
    incidents: list[Incident]
    plans: list[RepaymentPlan]
    claims: list[GuaranteeClaim]
    proofs: list[ProjectProof]
    bonifications: list[Bonification]
    handlings: list[RequestHandling]
    contact_requests: list[ContactRequest]

    def objects(self) -> list[Model]:
        """Every row above, the applicant first."""
        found: list[Model] = [self.applicant]
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if isinstance(value, list):
                found.extend(value)
        return found

    def object_keys(self) -> dict[str, list[str]]:
        """{model label: [primary keys as text]}: how audit and access-log rows name them."""
        keys: dict[str, list[str]] = {}
        for obj in self.objects():
            keys.setdefault(obj._meta.label_lower, []).append(str(obj.pk))
        return keys


def person_records(applicant: Applicant) -> PersonRecords:
    """Every row about `applicant` (a fixed number of queries)."""
    dossiers = list(Dossier.objects.filter(applicant=applicant).order_by("number"))
    budgets = list(Budget.objects.filter(dossier__in=dossiers).order_by("dossier_id", "version"))
    loans = list(Loan.objects.filter(dossier__in=dossiers).order_by("pk"))
    handlings = list(RequestHandling.objects.filter(dossier__in=dossiers).order_by("pk"))
    return PersonRecords(
        applicant=applicant,
        members=list(HouseholdMember.objects.filter(applicant=applicant).order_by("pk")),
        dossiers=dossiers,
        events=list(DossierEvent.objects.filter(dossier__in=dossiers).order_by("at", "pk")),
        eligibility=list(EligibilityCheck.objects.filter(dossier__in=dossiers).order_by("pk")),
        budgets=budgets,
        budget_persons=list(BudgetPerson.objects.filter(budget__in=budgets).order_by("pk")),
        budget_lines=list(BudgetLine.objects.filter(budget__in=budgets).order_by("pk")),
        opinions=list(ReferentOpinion.objects.filter(budget__in=budgets).order_by("pk")),
        rights_assessments=list(
            RightsAssessmentRecord.objects.filter(budget__in=budgets).order_by("pk")
        ),
        right_outcomes=list(
            RightOutcomeRecord.objects.filter(assessment__budget__in=budgets).order_by("pk")
        ),
        documents=list(Document.objects.filter(dossier__in=dossiers).order_by("pk")),
        letters=list(Letter.objects.filter(dossier__in=dossiers).order_by("pk")),
        notes=list(Note.objects.filter(dossier__in=dossiers).order_by("pk")),
        appointments=list(Appointment.objects.filter(dossier__in=dossiers).order_by("pk")),
        step_reviews=list(StepReview.objects.filter(dossier__in=dossiers).order_by("pk")),
        agenda_items=list(AgendaItem.objects.filter(dossier__in=dossiers).order_by("pk")),
        bank_decisions=list(BankDecision.objects.filter(dossier__in=dossiers).order_by("pk")),
        disbursements=list(Disbursement.objects.filter(dossier__in=dossiers).order_by("pk")),
        loans=loans,
        schedule_versions=list(ScheduleVersion.objects.filter(loan__in=loans).order_by("pk")),
        repayments=list(Repayment.objects.filter(loan__in=loans).order_by("date", "pk")),
        incidents=list(Incident.objects.filter(loan__in=loans).order_by("date", "pk")),
        plans=list(RepaymentPlan.objects.filter(loan__in=loans).order_by("pk")),
        claims=list(GuaranteeClaim.objects.filter(loan__in=loans).order_by("pk")),
        proofs=list(ProjectProof.objects.filter(loan__in=loans).order_by("pk")),
        bonifications=list(Bonification.objects.filter(loan__in=loans).order_by("pk")),
        handlings=handlings,
        contact_requests=list(ContactRequest.objects.filter(handling__in=handlings).order_by("pk")),
    )


def _about(keys: dict[str, list[str]]) -> Q:
    condition = Q(pk__in=[])
    for label, ids in keys.items():
        condition |= Q(object_type=label, object_id__in=ids)
    return condition


def audit_events_about(records: PersonRecords) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(_about(records.object_keys()))


def consultations_about(records: PersonRecords) -> QuerySet[AccessLog]:
    """The access-log rows about the person's applicant record, dossiers and their files."""
    return AccessLog.objects.filter(_about(records.object_keys()))


def consultations(applicant: Applicant) -> QuerySet[AccessLog]:
    """Who read the person's data: the access-log rows naming their applicant record, their
    dossiers, documents, letters or loans (a fixed number of queries)."""
    dossier_ids = [
        str(pk) for pk in Dossier.objects.filter(applicant=applicant).values_list("pk", flat=True)
    ]
    keys = {
        "applicants.applicant": [str(applicant.pk)],
        "dossiers.dossier": dossier_ids,
        "documents.document": [
            str(pk)
            for pk in Document.objects.filter(dossier__applicant=applicant).values_list(
                "pk", flat=True
            )
        ],
        "letters.letter": [
            str(pk)
            for pk in Letter.objects.filter(dossier__applicant=applicant).values_list(
                "pk", flat=True
            )
        ],
        "loans.loan": [
            str(pk)
            for pk in Loan.objects.filter(dossier__applicant=applicant).values_list("pk", flat=True)
        ],
    }
    return AccessLog.objects.filter(_about(keys)).select_related("user").order_by("at", "pk")
