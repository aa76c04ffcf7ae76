"""Volume for benchmarks: `microcredit generate_volume --dossiers N --loans M`.

Fills an EMPTY database (it refuses one that already holds applicants, dossiers or loans) with
fictional but realistic data of the Saint-Étienne scheme: applicants and their dossiers in every
state of the funnel, and M disbursed loans with their schedule (the loan engine's, version 1),
their cheque, and the repayments of the installments due so far. Most borrowers pay on the due
date; some stopped paying a few months ago (arrears in every bucket); loans whose schedule has
ended are repaid. Rows are written with bulk inserts in batches (one transaction per batch), so
that 100,000 loans take minutes, not hours. Deterministic for a given seed.

What the statistics count is there too (issue #16's bench): every dossier's path through the
funnel as `DossierEvent`s, dated from its application date (and, for a loan, up to its
disbursement, then its repayment or the call on its guarantee); the applicants' households
(spouses, children); for every BORROWER (not the other dossiers) a budget with the household and
its resource and charge lines, and for two in five of them an estimate of their rights with the
outcomes the référent recorded; guarantee claims for about half of the loans three or more
installments behind (loan and dossier « garantie appelée »); bonifications (with a waived project
proof) for most repaid loans when the parameters in force at the disbursement enable it; repayment
plans proposed or refused for a quarter of the other loans in arrears; reorientation schemes;
five référents; a director (`volume-directeur`); and one contact request per five dossiers. All
this comes from a second random generator, so that the dossiers, loans, schedules and repayments
of a seed are the same as before it was added.

With ``open_budgets`` (``--open-budgets``, for the rights scan's bench), every dossier still open
(not in a final state, not repaid) that has no budget gets one too, for a month among the twelve
up to ``today``'s, drawn from a third generator: the rest of the volume of a seed is unchanged.

The audit trail, the documents, the commission sessions, the bank decisions and the letters of a
real dossier are not generated: the volume serves the lists, the nightly arrears job and the
statistics. Each decision that calls for a letter is left pending (letters.PendingDecisionLetter).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection, models, transaction
from django.db.models import F

from loan_engine import (
    Schedule,
    ScheduleRow,
    add_months,
    annual_percentage_rate,
    build_schedule,
    guarantee_claim,
    loan_terms,
)
from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership, User
from microcredit.applicants.enums import Activity, FamilySituation, HousingStatus, Relationship
from microcredit.applicants.models import Applicant, HouseholdMember
from microcredit.applicants.rules import search_name
from microcredit.banking.models import Disbursement
from microcredit.budgets.enums import ChargeType, LineKind, MemberRole, ResourceType
from microcredit.budgets.models import Budget, BudgetLine, BudgetPerson
from microcredit.dossiers.enums import DeferralKind, DossierState
from microcredit.dossiers.models import Dossier, DossierEvent, DossierSequence
from microcredit.dossiers.rules import format_dossier_number
from microcredit.dossiers.services import NUMBER_PREFIX
from microcredit.letters.pending import pending_letters_fill
from microcredit.loans.enums import LoanState
from microcredit.loans.models import Loan, Repayment, ScheduleLine, ScheduleVersion
from microcredit.organisations.models import Organisation
from microcredit.programmes.models import Programme, ProgrammeVersion
from microcredit.programmes.schemes import scheme_load
from microcredit.rights.enums import AssessmentStatus, RightCode, RightOutcome
from microcredit.rights.models import (
    AMOUNT_FIELDS,
    OPTIONAL_AMOUNT_FIELDS,
    RightOutcomeRecord,
    RightsAssessmentRecord,
)
from microcredit.rights.selectors import SCAN_EXCLUDED_STATES
from microcredit.servicing.enums import ClaimState, PaymentMode, PlanMode, PlanState
from microcredit.servicing.models import Bonification, GuaranteeClaim, ProjectProof, RepaymentPlan
from microcredit.simulator.enums import ContactRequestStatus
from microcredit.simulator.models import ContactRequest

PARIS = ZoneInfo("Europe/Paris")
LAST_NAMES = [
    "Martin",
    "Bernard",
    "Thomas",
    "Petit",
    "Robert",
    "Richard",
    "Durand",
    "Dubois",
    "Moreau",
    "Laurent",
    "Simon",
    "Michel",
    "Lefèvre",
    "Leroy",
    "Roux",
    "David",
    "Bertrand",
    "Morel",
    "Fournier",
    "Girard",
    "Bonnet",
    "Dupont",
    "Lambert",
    "Fontaine",
    "Rousseau",
    "Vincent",
    "Muller",
    "Lefebvre",
    "Faure",
    "André",
    "Mercier",
    "Blanc",
    "Guérin",
    "Boyer",
    "Garnier",
    "Chevalier",
    "François",
    "Legrand",
    "Gauthier",
    "Garcia",
    "Perrin",
    "Robin",
    "Clément",
    "Morin",
    "Nicolas",
    "Henry",
    "Roussel",
    "Mathieu",
]
FIRST_NAMES = [
    "Camille",
    "Léa",
    "Manon",
    "Chloé",
    "Emma",
    "Inès",
    "Sarah",
    "Jade",
    "Louise",
    "Lina",
    "Lucas",
    "Hugo",
    "Louis",
    "Nathan",
    "Gabriel",
    "Jules",
    "Adam",
    "Arthur",
    "Raphaël",
    "Léo",
    "Nadia",
    "Karim",
    "Sofiane",
    "Yasmine",
    "Hélène",
    "Marc",
    "Julie",
    "Paul",
    "Éloïse",
    "Noé",
]
PURPOSES = ("mobilite", "logement", "emploi_et_formation", "sante", "evenements_familiaux")
# The states of the dossiers that have no loan, with their weights.
EARLY_STATES = (
    (DossierState.RECEPTION, 10),
    (DossierState.DIAGNOSIS, 15),
    (DossierState.INSTRUCTION, 15),
    (DossierState.READY_FOR_COMMITTEE, 5),
    (DossierState.ADJOURNED, 3),
    (DossierState.REFUSED_BY_COMMITTEE, 5),
    (DossierState.TRANSMITTED_TO_BANK, 5),
    (DossierState.REFUSED_BY_BANK, 4),
    (DossierState.REORIENTED, 20),
    (DossierState.WITHDRAWN, 18),
)
DURATIONS = (6, 12, 18, 24, 30, 36)
ACTIVE_SHARE = 0.85
REFERENT = "volume-referent"
ADVISER = "volume-banque"
DIRECTOR = "volume-directeur"
REFERENTS = 5  # volume-referent, volume-referent-2 … -5: the caseload has rows to compare
CENT = Decimal("0.01")

# The funnel's moves in order (workflow.TRANSITIONS), each with the days it usually takes after
# the previous one for a dossier without a loan (a loan's path fits between its application and
# its disbursement instead).
OPEN = ("open", "", DossierState.RECEPTION)
CHAIN = (
    OPEN,
    ("start_diagnosis", DossierState.RECEPTION, DossierState.DIAGNOSIS),
    ("start_instruction", DossierState.DIAGNOSIS, DossierState.INSTRUCTION),
    ("submit_to_committee", DossierState.INSTRUCTION, DossierState.READY_FOR_COMMITTEE),
    ("transmit_to_bank", DossierState.READY_FOR_COMMITTEE, DossierState.TRANSMITTED_TO_BANK),
    ("bank_accept", DossierState.TRANSMITTED_TO_BANK, DossierState.GRANTED),
    ("disburse", DossierState.GRANTED, DossierState.DISBURSED),
)
# How far along CHAIN (number of moves) a dossier went before its final move, if any.
REACHED = {
    DossierState.RECEPTION: 1,
    DossierState.DIAGNOSIS: 2,
    DossierState.INSTRUCTION: 3,
    DossierState.READY_FOR_COMMITTEE: 4,
    DossierState.ADJOURNED: 4,
    DossierState.REFUSED_BY_COMMITTEE: 4,
    DossierState.TRANSMITTED_TO_BANK: 5,
    DossierState.REFUSED_BY_BANK: 5,
    DossierState.DISBURSED: 7,
}
FINAL_MOVES = {
    DossierState.ADJOURNED: "adjourn",
    DossierState.REFUSED_BY_COMMITTEE: "refuse_by_committee",
    DossierState.REFUSED_BY_BANK: "bank_refuse",
}
STEP_DAYS = ((2, 21), (5, 30), (5, 30), (7, 28), (3, 21), (3, 21), (1, 30))
COMMITTEE_MOVES = frozenset(
    {"adjourn", "refuse_by_committee", "transmit_to_bank", "committee_reorient"}
)
BANK_MOVES = frozenset({"bank_accept", "bank_refuse", "disburse", "call_guarantee"})
REASONS = {
    "adjourn": "Devis à actualiser.",
    "refuse_by_committee": "Reste à vivre insuffisant après la mensualité.",
    "bank_refuse": "Endettement trop élevé.",
    "withdraw": "La personne a renoncé à son projet.",
    "call_guarantee": "Déchéance du terme après plusieurs échéances impayées.",
}
# The main resource of a borrower by activity (the budget's first resource line).
MAIN_RESOURCE = {
    Activity.PERMANENT_JOB: ResourceType.SALARIES,
    Activity.PART_TIME: ResourceType.SALARIES,
    Activity.PRECARIOUS: ResourceType.SALARIES,
    Activity.SELF_EMPLOYED: ResourceType.OTHER,
    Activity.JOB_SEEKER: ResourceType.UNEMPLOYMENT_BENEFITS,
    Activity.TRAINING: ResourceType.OTHER,
    Activity.RETIRED: ResourceType.PENSIONS,
    Activity.DISABILITY: ResourceType.AAH,
    Activity.INACTIVE: ResourceType.RSA,
    Activity.OTHER: ResourceType.RSA,
}
COUPLES = frozenset(
    {FamilySituation.MARRIED, FamilySituation.CIVIL_PARTNERSHIP, FamilySituation.COHABITING}
)
RIGHT_OUTCOMES = (
    (RightOutcome.OPENED, 30),
    (RightOutcome.CLAIM_STARTED, 20),
    (RightOutcome.ALREADY_RECEIVED, 35),
    (RightOutcome.NOT_ELIGIBLE, 15),
)
# The fields whose stamps the generator gives (the day things happened), not the clock.
STAMPS: tuple[tuple[type[models.Model], str], ...] = (
    (Repayment, "recorded_at"),
    (ScheduleVersion, "created_at"),
    (DossierEvent, "at"),
    (Budget, "created_at"),
    (RightsAssessmentRecord, "created_at"),
    (RightOutcomeRecord, "recorded_at"),
    (GuaranteeClaim, "recorded_at"),
    (Bonification, "recorded_at"),
    (ProjectProof, "recorded_at"),
    (RepaymentPlan, "proposed_at"),
    (ContactRequest, "created_at"),
)


def _at(day: date) -> datetime:
    """10 a.m. on `day`, Paris time: when the bank recorded what happened that day."""
    return datetime.combine(day, time(10), PARIS)


@contextmanager
def _stamped_as_given() -> Iterator[None]:
    """The stamps of STAMPS as the generator gives them (the day things happened), not the time
    of the generation: the nightly job and the statistics read them."""
    stamps: list[Any] = [model._meta.get_field(name) for model, name in STAMPS]
    saved = [(stamp.auto_now, stamp.auto_now_add) for stamp in stamps]
    try:
        for stamp in stamps:
            stamp.auto_now = stamp.auto_now_add = False
        yield
    finally:
        for stamp, (now, now_add) in zip(stamps, saved, strict=True):
            stamp.auto_now, stamp.auto_now_add = now, now_add


class VolumeRefused(Exception):
    """The database already holds data: the volume is only generated into an empty one."""


@dataclass(frozen=True)
class VolumeResult:
    applicants: int
    dossiers: int
    loans: int
    schedule_lines: int
    repayments: int
    loans_in_arrears: int
    events: int = 0
    household_members: int = 0
    budgets: int = 0
    rights_outcomes: int = 0
    guarantee_claims: int = 0
    bonifications: int = 0
    plans: int = 0
    contact_requests: int = 0


@dataclass
class _Counts:
    lines: int = 0
    repayments: int = 0
    arrears: int = 0
    events: int = 0
    members: int = 0
    budgets: int = 0
    outcomes: int = 0
    claims: int = 0
    bonifications: int = 0
    plans: int = 0
    contacts: int = 0


@dataclass
class _Path:
    """A dossier's moves through the funnel: (transition, from, to, day), oldest first."""

    moves: list[tuple[str, str, str, date]] = field(default_factory=list)

    def day_of(self, state: str) -> date | None:
        return next((day for _t, _f, to, day in self.moves if to == state), None)


@dataclass(frozen=True)
class _Arrears:
    """A loan's rows due so far and how many of them were paid (the others are unpaid)."""

    due: list[ScheduleRow]
    paid: int


def _refuse_unless_empty() -> None:
    held = [
        label
        for label, model in (
            ("demandeurs", Applicant),
            ("dossiers", Dossier),
            ("prêts", Loan),
        )
        if model.objects.exists()
    ]
    if held:
        raise VolumeRefused(
            "La base contient déjà des données (" + ", ".join(held) + ") : le volume ne se "
            "génère que dans une base vide (migrez une base neuve, sans `load_demo`)."
        )


def _member(username: str, organisation: Organisation, role: Role, last_name: str) -> User:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"first_name": "Volume", "last_name": last_name, "email": f"{username}@x.invalid"},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    Membership.objects.get_or_create(user=user, organisation=organisation, role=role)
    return user


def _insert(model: type[models.Model], objects: list[Any]) -> None:
    """Insert rows whose ids nobody reads back: PostgreSQL's COPY (several times faster than
    INSERT for the volume's millions of rows), bulk_create elsewhere. The values go as Python
    gives them (psycopg adapts dates, aware datetimes, Decimals); no field of these models needs
    Django's conversion, the stamps aside (their pre_save)."""
    if not objects:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objects, batch_size=5000)
        return
    columns = [f for f in model._meta.concrete_fields if not f.primary_key]
    if any(isinstance(f, models.JSONField) for f in columns):
        raise ValueError("JSON is not copied as is")
    stamps = {
        f.attname
        for f in columns
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    }
    names = ", ".join(connection.ops.quote_name(f.column or f.attname) for f in columns)
    table = connection.ops.quote_name(model._meta.db_table)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
    ):
        for obj in objects:
            copy.write_row(
                [
                    f.pre_save(obj, add=True) if f.attname in stamps else getattr(obj, f.attname)
                    for f in columns
                ]
            )


def _batches(total: int, size: int) -> Iterator[range]:
    for start in range(0, total, size):
        yield range(start, min(total, start + size))


class _Generator:
    def __init__(self, *, seed: int, today: date, open_budgets: bool = False) -> None:
        self.rng = random.Random(seed)  # noqa: S311 (fictional data, not secrets)
        # The budgets of the open dossiers without a loan (``open_budgets``) draw from a third.
        self.open_budgets = random.Random(f"{seed}-open-budgets") if open_budgets else None  # noqa: S311
        # Everything the statistics read beyond the loans draws from its own generator: the
        # dossiers, loans and repayments of a seed stay those of the first generator alone.
        self.extra = random.Random(f"{seed}-funnel")  # noqa: S311
        self.today = today
        self.apr_cache: dict[tuple[Decimal, int, int, str], Decimal] = {}
        scheme_load("saint-etienne")
        self.ccas = Organisation.objects.get(slug="ccas-saint-etienne")
        self.bank = Organisation.objects.get(slug="parcours-confiance")
        self.programme = Programme.objects.get(organisation=self.ccas)
        self.referent = _member(REFERENT, self.ccas, Role.REFERENT, "Référent")
        self.referents = [self.referent] + [
            _member(f"{REFERENT}-{n}", self.ccas, Role.REFERENT, f"Référent {n}")
            for n in range(2, REFERENTS + 1)
        ]
        self.director = _member(DIRECTOR, self.ccas, Role.DIRECTOR, "Directrice")
        self.adviser = _member(ADVISER, self.bank, Role.BANK_ADVISER, "Banque")
        self.versions = list(
            ProgrammeVersion.objects.filter(programme=self.programme).order_by("valid_from")
        )
        if not self.versions:
            raise ValueError("the scheme has a parameter version")
        self.counts = _Counts()
        # The last number given per year: the volume's dossiers are numbered as the platform
        # numbers them (MC-2026-00042, by their application year), so that a number search is a
        # number search; the years' sequences are set at the end (new dossiers follow them).
        self.sequences: dict[int, int] = {}
        self.paths: dict[int, _Path] = {}
        self.arrears: dict[int, _Arrears] = {}
        self.members: dict[int, list[HouseholdMember]] = {}

    def version_on(self, day: date) -> ProgrammeVersion:
        """The parameters in force on `day` (the first version before the scheme's start)."""
        current = self.versions[0]
        for version in self.versions:
            if version.valid_from <= day:
                current = version
        return current

    def applicant(self, index: int) -> Applicant:
        rng = self.rng
        last, first = rng.choice(LAST_NAMES), rng.choice(FIRST_NAMES)
        last = f"{last}-{index % 997}" if index % 3 == 0 else last
        return Applicant(
            organisation=self.ccas,
            last_name=last,
            first_name=first,
            birth_date=date(rng.randint(1950, 2004), rng.randint(1, 12), rng.randint(1, 28)),
            address=f"{rng.randint(1, 120)} rue de la Volume",
            postcode=rng.choice(("42000", "42100")),
            commune_code="42218",
            commune_name="Saint-Étienne",
            family_situation=rng.choice(FamilySituation.values),
            activity=rng.choice(Activity.values),
            housing_status=rng.choice(HousingStatus.values),
            search_name=search_name(last, first),
            created_by=self.referent,
        )

    def _number(self, year: int) -> str:
        """The next platform number of `year` (MC-2026-00042)."""
        self.sequences[year] = self.sequences.get(year, 0) + 1
        return format_dossier_number(NUMBER_PREFIX, year, self.sequences[year])

    def dossier(
        self, index: int, applicant: Applicant, *, disbursed_on: date | None, months: int
    ) -> Dossier:
        rng = self.rng
        if disbursed_on is None:
            states, weights = zip(*EARLY_STATES, strict=True)
            state = rng.choices(states, weights)[0]
            applied = self.today - timedelta(days=rng.randint(0, 5 * 365))
        else:
            state = DossierState.DISBURSED
            applied = disbursed_on - timedelta(days=rng.randint(30, 90))
        amount = Decimal(rng.randrange(300, 3001, 50))
        transmitted = state in (
            DossierState.TRANSMITTED_TO_BANK,
            DossierState.REFUSED_BY_BANK,
            DossierState.DISBURSED,
        )
        changed = datetime.combine(disbursed_on or applied, time(10), PARIS)
        return Dossier(
            organisation=self.ccas,
            programme=self.programme,
            number=self._number(applied.year),
            applicant=applicant,
            referent=self.referent,
            state=state,
            state_changed_at=changed,
            application_date=applied,
            purpose_category=rng.choice(PURPOSES),
            payee_name="Garage du Volume",
            requested_amount=amount,
            requested_months=months,
            no_ordinary_credit=True,
            bank=self.bank if transmitted else None,
            bank_transmitted_at=changed if transmitted else None,
            created_by=self.referent,
        )

    def schedule(self, dossier: Dossier, disbursed_on: date) -> tuple[Schedule, Decimal]:
        deferral = 0 if self.rng.random() < 0.85 else self.rng.choice((1, 2, 3))
        kind = DeferralKind.NONE if not deferral else DeferralKind.INTEREST_ONLY
        amount, months = dossier.requested_amount, dossier.requested_months
        if amount is None or months is None:
            raise ValueError("a generated dossier has its amount and duration")
        terms = loan_terms(
            principal=amount,
            rate_percent=Decimal("1.750"),
            months=months,
            deferral_months=deferral,
            deferral_kind=kind,
            disbursement_date=disbursed_on,
        )
        schedule = build_schedule(terms)
        # The APR does not depend on the date (months of equal length): computed once per terms.
        key = (amount, months, deferral, kind)
        if key not in self.apr_cache:
            self.apr_cache[key] = annual_percentage_rate(schedule)
        return schedule, self.apr_cache[key]

    def repayments(self, loan: Loan, schedule: Schedule, index: int) -> list[Repayment]:
        """The payments of the rows due so far: on time, or stopped a few months ago."""
        due = [row for row in schedule.rows if row.due_date <= self.today and row.payment > 0]
        behaviour = self.rng.random()
        stop = len(due)
        if behaviour < 0.12 and due:
            stop = max(0, len(due) - self.rng.randint(1, 6))
            self.counts.arrears += 1
        self.arrears[index] = _Arrears(due=due, paid=stop)
        return [
            Repayment(
                loan=loan,
                bank=self.bank,
                reference=f"VOL-{index + 1:07d}-{row.number:02d}",
                date=row.due_date,
                amount=row.payment,
                recorded_at=_at(row.due_date),
                recorded_by=self.adviser,
                via="portal",
            )
            for row in due[:stop]
        ]

    def batch(self, indexes: range, loan_count: int) -> None:
        self.paths.clear()
        self.arrears.clear()
        self.members.clear()
        applicants = Applicant.objects.bulk_create(self.applicant(i) for i in indexes)
        disbursed: dict[int, date] = {}
        durations: dict[int, int] = {}
        for i in indexes:
            durations[i] = self.rng.choice(DURATIONS)
            if i < loan_count:
                # Most loans are still being repaid; one in seven has reached its end.
                months = durations[i]
                if self.rng.random() < ACTIVE_SHARE:
                    months_ago = self.rng.randint(0, months - 1)
                else:
                    months_ago = self.rng.randint(months + 1, months + 12)
                day = self.rng.randint(1, 28)
                disbursed[i] = min(self.today, add_months(self.today.replace(day=day), -months_ago))
        self.households(indexes, applicants)
        built = [
            self.dossier(i, a, disbursed_on=disbursed.get(i), months=durations[i])
            for i, a in zip(indexes, applicants, strict=True)
        ]
        for i, dossier in zip(indexes, built, strict=True):
            self.path(i, dossier, disbursed.get(i))
        dossiers = Dossier.objects.bulk_create(built)
        self.events(zip(indexes, dossiers, strict=True))
        self.contacts(len(indexes))
        if self.open_budgets is not None:
            self.budgets_of_open_dossiers(
                self.open_budgets,
                [(i, d) for i, d in zip(indexes, dossiers, strict=True) if i not in disbursed],
                dict(zip(indexes, applicants, strict=True)),
            )
        with_loan = [(i, d) for i, d in zip(indexes, dossiers, strict=True) if i in disbursed]
        if not with_loan:
            return
        schedules: dict[int, tuple[Schedule, Decimal]] = {}
        loans: list[Loan] = []
        for i, dossier in with_loan:
            schedule, apr = self.schedule(dossier, disbursed[i])
            schedules[i] = (schedule, apr)
            terms = schedule.terms
            loans.append(
                Loan(
                    dossier=dossier,
                    organisation=self.ccas,
                    bank=self.bank,
                    principal=terms.principal,
                    nominal_rate_percent=Decimal("1.750"),
                    months=terms.months,
                    deferral_months=terms.deferral_months,
                    deferral_kind=terms.deferral_kind.value,
                    disbursement_date=disbursed[i],
                    installment=schedule.installment,
                    total_interest=schedule.total_interest,
                    total_due=schedule.total_due,
                    apr_percent=apr,
                    state=LoanState.ACTIVE,
                )
            )
        loans = Loan.objects.bulk_create(loans)
        _insert(
            Disbursement,
            [
                Disbursement(
                    dossier=dossier,
                    bank=self.bank,
                    cheque_number=f"CHQ-{i + 1:07d}",
                    date=disbursed[i],
                    amount=loan.principal,
                    payee_name="Garage du Volume",
                    recorded_by=self.adviser,
                )
                for (i, dossier), loan in zip(with_loan, loans, strict=True)
            ],
        )
        versions = ScheduleVersion.objects.bulk_create(
            ScheduleVersion(
                loan=loan,
                number=1,
                reason="Échéancier initial",
                installment=loan.installment,
                created_at=_at(loan.disbursement_date),
                created_by=self.adviser,
            )
            for loan in loans
        )
        lines: list[ScheduleLine] = []
        repayments: list[Repayment] = []
        for (i, _), loan, version in zip(with_loan, loans, versions, strict=True):
            schedule = schedules[i][0]
            lines += [
                ScheduleLine(
                    version=version,
                    number=row.number,
                    due_date=row.due_date,
                    kind=row.kind,
                    payment=row.payment,
                    interest=row.interest,
                    principal=row.principal,
                    capitalised=row.capitalised,
                    arrears_interest=row.arrears_interest,
                    balance=row.balance,
                )
                for row in schedule.rows
            ]
            repayments += self.repayments(loan, schedule, i)
        _insert(ScheduleLine, lines)
        _insert(Repayment, repayments)
        self.counts.lines += len(lines)
        self.counts.repayments += len(repayments)
        repaid = self._repaid(with_loan, loans, schedules, repayments)
        applicants_of = dict(zip(indexes, applicants, strict=True))
        self.after_loans(with_loan, loans, repaid, applicants_of=applicants_of)

    # --- What the statistics count (drawn from self.extra) ---------------------------------

    def households(self, indexes: range, applicants: list[Applicant]) -> None:
        """A spouse for most couples, children for some applicants (the household type)."""
        rng, members = self.extra, []
        for i, applicant in zip(indexes, applicants, strict=True):
            own: list[HouseholdMember] = []
            born = applicant.birth_date
            if applicant.family_situation in COUPLES and rng.random() < 0.9:
                year = min(self.today.year - 18, born.year + rng.randint(-5, 5))
                own.append(
                    HouseholdMember(
                        applicant=applicant,
                        first_name=rng.choice(FIRST_NAMES),
                        birth_date=date(year, rng.randint(1, 12), rng.randint(1, 28)),
                        relationship=Relationship.SPOUSE,
                    )
                )
            if rng.random() < 0.45:
                low, high = max(born.year + 18, self.today.year - 20), self.today.year - 1
                for _ in range(rng.choice((1, 1, 2, 2, 3)) if low <= high else 0):
                    own.append(
                        HouseholdMember(
                            applicant=applicant,
                            first_name=rng.choice(FIRST_NAMES),
                            birth_date=date(rng.randint(low, high), rng.randint(1, 12), 15),
                            relationship=Relationship.CHILD,
                        )
                    )
            self.members[i] = own
            members += own
        HouseholdMember.objects.bulk_create(members, batch_size=5000)
        self.counts.members += len(members)

    def path(self, index: int, dossier: Dossier, disbursed_on: date | None) -> None:
        """The dossier's moves up to its state, dated; its référent, stamps and reorientation
        follow them."""
        rng = self.extra
        dossier.referent = rng.choice(self.referents)
        state = DossierState(dossier.state)
        moves: list[tuple[str, str, str]]
        if state in REACHED:
            moves = list(CHAIN[: REACHED[state]])
            if state in FINAL_MOVES:
                moves.append((FINAL_MOVES[state], moves[-1][2], state))
        elif state in (DossierState.REORIENTED, DossierState.WITHDRAWN):
            if state == DossierState.REORIENTED:
                reached = rng.choices((1, 2, 3, 4), (30, 30, 25, 15))[0]
                move = "committee_reorient" if reached == 4 else "reorient"
                schemes = self.version_on(dossier.application_date).reorientation_schemes
                scheme = rng.choice(schemes)
                dossier.reorientation_scheme = scheme["code"]
                dossier.reorientation_label = scheme["label"]
            else:
                reached = rng.choices((1, 2, 3, 4, 5), (25, 30, 25, 10, 10))[0]
                move = "withdraw"
            moves = [*CHAIN[:reached], (move, CHAIN[reached - 1][2], state)]
        else:
            raise ValueError(f"no path to {state}")
        applied = dossier.application_date
        if disbursed_on is not None:
            # The moves between the application and the disbursement, on distinct days.
            gap = (disbursed_on - applied).days
            offsets = [0, *sorted(rng.sample(range(1, gap), len(moves) - 2)), gap]
        else:
            offsets = [0]
            for step in range(1, len(moves)):
                low, high = STEP_DAYS[min(step, len(STEP_DAYS)) - 1]
                offsets.append(offsets[-1] + rng.randint(low, high))
            available = (self.today - applied).days
            if offsets[-1] > available:
                offsets = [offset * available // offsets[-1] for offset in offsets]
        path = _Path(
            [
                (name, source, target, applied + timedelta(days=offset))
                for (name, source, target), offset in zip(moves, offsets, strict=True)
            ]
        )
        self.paths[index] = path
        dossier.state_changed_at = _at(path.moves[-1][3]) + timedelta(minutes=len(moves))
        transmitted = path.day_of(DossierState.TRANSMITTED_TO_BANK)
        submitted = path.day_of(DossierState.READY_FOR_COMMITTEE)
        dossier.bank = self.bank if transmitted else None
        dossier.bank_transmitted_at = (
            _at(transmitted) + timedelta(minutes=5) if transmitted else None
        )
        dossier.consent_date = submitted if transmitted else None

    def _event(self, dossier: Dossier, move: tuple[str, str, str, date], n: int) -> DossierEvent:
        name, source, target, day = move
        actor = (
            self.director
            if name in COMMITTEE_MOVES
            else self.adviser
            if name in BANK_MOVES
            else dossier.referent or self.referent
        )
        reason = REASONS.get(name, "")
        if name.endswith("reorient"):
            reason = f"Réorientation vers : {dossier.reorientation_label}."
        return DossierEvent(
            dossier=dossier,
            at=_at(day) + timedelta(minutes=n),
            actor=actor,
            transition=name,
            from_state=source,
            to_state=target,
            reason=reason,
        )

    def events(self, dossiers: Iterator[tuple[int, Dossier]]) -> None:
        events = [
            self._event(dossier, move, n)
            for i, dossier in dossiers
            for n, move in enumerate(self.paths[i].moves, start=1)
        ]
        _insert(DossierEvent, events)
        self.counts.events += len(events)

    def contacts(self, dossiers: int) -> None:
        """One request from the public simulator per five dossiers, over five years."""
        rng, requests = self.extra, []
        for _ in range(max(1, dossiers // 5)):
            self.counts.contacts += 1
            number = self.counts.contacts
            status = rng.choices(ContactRequestStatus.values, (10, 30, 60))[0]
            requests.append(
                ContactRequest(
                    organisation=self.ccas,
                    first_name=rng.choice(FIRST_NAMES),
                    last_name=rng.choice(LAST_NAMES),
                    phone=f"06{number:08d}"[-10:],
                    purpose_code=rng.choice(PURPOSES),
                    consent=True,
                    client_fingerprint=hashlib.sha256(f"volume-{number}".encode()).hexdigest(),
                    created_at=_at(self.today - timedelta(days=rng.randint(0, 5 * 365)))
                    + timedelta(minutes=rng.randint(0, 480)),
                    status=status,
                    handled_by=None if status == ContactRequestStatus.NEW else self.referent,
                )
            )
        _insert(ContactRequest, requests)

    def after_loans(
        self,
        with_loan: list[tuple[int, Dossier]],
        loans: list[Loan],
        repaid: dict[int, date],
        *,
        applicants_of: dict[int, Applicant],
    ) -> None:
        """The end of the repaid loans (event, bonification), the guarantee calls and plans of
        loans in arrears, and the borrowers' budgets and rights."""
        rng = self.extra
        events: list[DossierEvent] = []
        claims: list[GuaranteeClaim] = []
        bonifications: list[Bonification] = []
        proofs: list[ProjectProof] = []
        plans: list[RepaymentPlan] = []
        moved: list[Dossier] = []
        for (i, dossier), loan in zip(with_loan, loans, strict=True):
            arrears = self.arrears[i]
            if i in repaid:
                day = min(self.today, repaid[i] + timedelta(days=rng.randint(1, 10)))
                move = ("record_repaid", DossierState.DISBURSED, DossierState.REPAID, day)
                events.append(self._event(dossier, move, 1))
                dossier.state, dossier.state_changed_at = DossierState.REPAID, events[-1].at
                moved.append(dossier)
                version = self.version_on(loan.disbursement_date)
                paid_on = repaid[i] + timedelta(days=rng.randint(7, 45))
                if version.bonification_enabled and rng.random() < 0.9 and paid_on <= self.today:
                    amount = arrears.due[-1].payment
                    if version.bonification_cap is not None:
                        amount = min(amount, version.bonification_cap)
                    proved = min(self.today, loan.disbursement_date + timedelta(days=30))
                    proofs.append(
                        ProjectProof(
                            loan=loan,
                            waived_reason="Facture vue par le référent (volume).",
                            recorded_at=_at(proved),
                            recorded_by=dossier.referent or self.referent,
                        )
                    )
                    bonifications.append(
                        Bonification(
                            loan=loan,
                            amount=amount,
                            paid_on=paid_on,
                            mode=rng.choice(PaymentMode.values),
                            recorded_at=_at(paid_on),
                            recorded_by=self.director,
                        )
                    )
                continue
            unpaid = len(arrears.due) - arrears.paid
            if unpaid >= 3 and rng.random() < 0.5:
                claim, event = self._claim(i, dossier, loan, arrears)
                claims.append(claim)
                events.append(event)
                dossier.state, dossier.state_changed_at = DossierState.GUARANTEE_CALLED, event.at
                moved.append(dossier)
            elif unpaid >= 1 and rng.random() < 0.25:
                plans.append(self._plan(dossier, loan, arrears))
        _insert(DossierEvent, events)
        GuaranteeClaim.objects.bulk_create(claims)
        Loan.objects.filter(pk__in=[c.loan_id for c in claims]).update(
            state=LoanState.GUARANTEE_CALLED
        )
        Dossier.objects.bulk_update(moved, ["state", "state_changed_at"], batch_size=1000)
        ProjectProof.objects.bulk_create(proofs)
        Bonification.objects.bulk_create(bonifications)
        RepaymentPlan.objects.bulk_create(plans)
        self.counts.events += len(events)
        self.counts.claims += len(claims)
        self.counts.bonifications += len(bonifications)
        self.counts.plans += len(plans)
        self.budgets(with_loan, applicants_of)

    def _claim(
        self, index: int, dossier: Dossier, loan: Loan, arrears: _Arrears
    ) -> tuple[GuaranteeClaim, DossierEvent]:
        """The bank's call on the guarantee, two to four months after the first unpaid row."""
        rng = self.extra
        first_unpaid = arrears.due[arrears.paid]
        accelerated = min(self.today, first_unpaid.due_date + timedelta(days=rng.randint(60, 120)))
        outstanding = arrears.due[arrears.paid - 1].balance if arrears.paid else loan.principal
        accrued = sum(
            (r.interest for r in arrears.due[arrears.paid :] if r.due_date <= accelerated),
            Decimal("0.00"),
        )
        version = self.version_on(loan.disbursement_date)
        amount = guarantee_claim(
            outstanding,
            accrued,
            version.guarantee_rate_percent / 100,
            version.guarantee_includes_interest,
        )
        paid_on = accelerated + timedelta(days=rng.randint(30, 60))
        paid = paid_on <= self.today and rng.random() < 0.7
        claim = GuaranteeClaim(
            loan=loan,
            reference=f"GAR-{index + 1:07d}",
            acceleration_date=accelerated,
            first_unpaid_date=first_unpaid.due_date,
            guarantor_name=version.guarantor_name,
            rate_percent=version.guarantee_rate_percent,
            includes_interest=version.guarantee_includes_interest,
            outstanding_principal=outstanding,
            accrued_interest=accrued,
            amount=amount,
            state=ClaimState.PAID if paid else ClaimState.SENT,
            paid_amount=amount if paid else None,
            paid_on=paid_on if paid else None,
            recorded_at=_at(accelerated),
            recorded_by=self.adviser,
        )
        move = ("call_guarantee", DossierState.DISBURSED, DossierState.GUARANTEE_CALLED)
        return claim, self._event(dossier, (*move, accelerated), 1)

    def _plan(self, dossier: Dossier, loan: Loan, arrears: _Arrears) -> RepaymentPlan:
        """A plan de reprise proposed with the borrower, still waiting or refused by the bank."""
        rng = self.extra
        first_unpaid = arrears.due[arrears.paid]
        as_of = min(self.today, first_unpaid.due_date + timedelta(days=rng.randint(15, 45)))
        overdue = sum(
            (r.payment for r in arrears.due[arrears.paid :] if r.due_date <= as_of),
            Decimal("0.00"),
        )
        refused = rng.random() < 0.5
        decided = min(self.today, as_of + timedelta(days=rng.randint(2, 10)))
        return RepaymentPlan(
            loan=loan,
            state=PlanState.REFUSED if refused else PlanState.PROPOSED,
            as_of=as_of,
            months=rng.randint(3, 12),
            mode=rng.choice(PlanMode.values),
            overdue_amount=overdue,
            note="Accord trouvé avec l'emprunteur lors du rendez-vous.",
            proposed_at=_at(as_of),
            proposed_by=dossier.referent or self.referent,
            decided_at=_at(decided) + timedelta(hours=2) if refused else None,
            decided_by=self.adviser if refused else None,
            refusal_reason="Capacité de remboursement insuffisante." if refused else "",
        )

    def budgets(
        self, with_loan: list[tuple[int, Dossier]], applicants_of: dict[int, Applicant]
    ) -> None:
        """Every borrower's budget at the diagnosis (household, resources, charges), and for
        two in five of them an estimate of their rights with the outcomes recorded."""
        rng = self.extra
        budgets: list[Budget] = []
        for i, dossier in with_loan:
            diagnosis = self.paths[i].day_of(DossierState.DIAGNOSIS) or dossier.application_date
            budgets.append(
                Budget(
                    dossier=dossier,
                    version=1,
                    month=diagnosis.replace(day=1),
                    housing_status=applicants_of[i].housing_status,
                    created_at=_at(diagnosis) + timedelta(hours=1),
                    created_by=dossier.referent or self.referent,
                )
            )
        Budget.objects.bulk_create(budgets)
        persons: list[BudgetPerson] = []
        for (i, _dossier), budget in zip(with_loan, budgets, strict=True):
            persons += self._persons(budget, applicants_of[i], self.members[i])
        BudgetPerson.objects.bulk_create(persons, batch_size=5000)
        spouses = {p.budget_id: p for p in persons if p.role == MemberRole.SPOUSE}
        lines: list[BudgetLine] = []
        for (i, _dossier), budget in zip(with_loan, budgets, strict=True):
            lines += self._lines(budget, applicants_of[i], self.members[i], spouses)
        _insert(BudgetLine, lines)
        self.counts.budgets += len(budgets)
        self.rights([(d, b) for (_i, d), b in zip(with_loan, budgets, strict=True)], rng)

    def _persons(
        self, budget: Budget, applicant: Applicant, members: list[HouseholdMember]
    ) -> list[BudgetPerson]:
        """The budget's household: the applicant, then their household members."""
        return [
            BudgetPerson(
                budget=budget,
                position=1,
                role=MemberRole.APPLICANT,
                first_name=applicant.first_name,
                birth_date=applicant.birth_date,
            ),
            *(
                BudgetPerson(
                    budget=budget,
                    position=n,
                    role=MemberRole.SPOUSE
                    if member.relationship == Relationship.SPOUSE
                    else MemberRole.CHILD,
                    first_name=member.first_name,
                    birth_date=member.birth_date,
                    household_member=member,
                )
                for n, member in enumerate(members, start=2)
            ),
        ]

    def budgets_of_open_dossiers(
        self,
        rng: random.Random,
        without_loan: list[tuple[int, Dossier]],
        applicants_of: dict[int, Applicant],
    ) -> None:
        """A budget for each open dossier without a loan (``open_budgets``), for a month among
        the twelve up to today's; its household and lines as a borrower's."""
        this_month = self.today.replace(day=1)
        chosen = [(i, d) for i, d in without_loan if d.state not in SCAN_EXCLUDED_STATES]
        budgets = []
        for i, dossier in chosen:
            month = max(
                add_months(this_month, -rng.randint(0, 11)),
                dossier.application_date.replace(day=1),
            )
            budgets.append(
                Budget(
                    dossier=dossier,
                    version=1,
                    month=month,
                    housing_status=applicants_of[i].housing_status,
                    created_at=_at(max(month, dossier.application_date)) + timedelta(hours=1),
                    created_by=dossier.referent or self.referent,
                )
            )
        Budget.objects.bulk_create(budgets)
        persons: list[BudgetPerson] = []
        for (i, _dossier), budget in zip(chosen, budgets, strict=True):
            persons += self._persons(budget, applicants_of[i], self.members[i])
        BudgetPerson.objects.bulk_create(persons, batch_size=5000)
        spouses = {p.budget_id: p for p in persons if p.role == MemberRole.SPOUSE}
        lines: list[BudgetLine] = []
        for (i, _dossier), budget in zip(chosen, budgets, strict=True):
            lines += self._lines(budget, applicants_of[i], self.members[i], spouses, rng=rng)
        _insert(BudgetLine, lines)
        self.counts.budgets += len(budgets)

    def _lines(
        self,
        budget: Budget,
        applicant: Applicant,
        members: list[HouseholdMember],
        spouses: dict[int, BudgetPerson],
        rng: random.Random | None = None,
    ) -> list[BudgetLine]:
        rng = rng or self.extra

        def line(kind: str, kind_type: str, low: int, high: int, **more: Any) -> BudgetLine:
            amount = Decimal(rng.randint(low * 100, high * 100)) / 100
            return BudgetLine(budget=budget, kind=kind, type=kind_type, amount=amount, **more)

        main = MAIN_RESOURCE[Activity(applicant.activity)]
        low, high = {
            ResourceType.SALARIES: (700, 1900),
            ResourceType.UNEMPLOYMENT_BENEFITS: (600, 1300),
            ResourceType.PENSIONS: (750, 1500),
            ResourceType.AAH: (1000, 1033),
            ResourceType.RSA: (600, 650),
        }.get(main, (300, 1100))
        lines = [line(LineKind.RESOURCE, main, low, high)]
        spouse = spouses.get(budget.pk)
        if spouse is not None and rng.random() < 0.6:
            lines.append(line(LineKind.RESOURCE, ResourceType.SALARIES, 800, 1800, person=spouse))
        children = sum(m.relationship == Relationship.CHILD for m in members)
        if children >= 2 or (children and spouse is None):
            lines.append(line(LineKind.RESOURCE, ResourceType.FAMILY_BENEFITS, 140, 450))
        tenant = applicant.housing_status.startswith("tenant")
        if tenant and rng.random() < 0.6:
            lines.append(line(LineKind.RESOURCE, ResourceType.HOUSING_AID, 100, 350))
        if tenant:
            lines.append(line(LineKind.CHARGE, ChargeType.RENT, 300, 750))
        lines += [
            line(LineKind.CHARGE, ChargeType.ENERGY, 50, 180),
            line(LineKind.CHARGE, ChargeType.TELECOM, 20, 60),
            line(LineKind.CHARGE, ChargeType.INSURANCE, 15, 80),
        ]
        if rng.random() < 0.5:
            lines.append(line(LineKind.CHARGE, ChargeType.HEALTH_COVER, 25, 90))
        return lines

    def rights(self, budgets: list[tuple[Dossier, Budget]], rng: random.Random) -> None:
        chosen = [(d, b) for d, b in budgets if rng.random() < 0.4]
        records: list[RightsAssessmentRecord] = []
        picked: list[list[tuple[str, Decimal]]] = []
        for dossier, budget in chosen:
            rights = rng.sample(RightCode.values, rng.randint(1, 3))
            amounts = [(r, Decimal(rng.randint(2000, 40000)) / 100) for r in rights]
            picked.append(amounts)
            results: dict[str, Any] = dict.fromkeys(AMOUNT_FIELDS, "0.00")
            results.update(dict.fromkeys(OPTIONAL_AMOUNT_FIELDS))
            for right, amount in amounts:
                key = "css_participation_forfaitaire" if right == RightCode.CSS else right
                results[key] = str(amount)
            results.update(
                cmu_c=False, cmu_c_without_housing_aid=None, cheque_energie_year=budget.month.year
            )
            records.append(
                RightsAssessmentRecord(
                    dossier=dossier,
                    budget=budget,
                    status=AssessmentStatus.DONE,
                    month=budget.month,
                    openfisca_france_version="176.1.8",
                    results=results,
                    rsa_base_amount=Decimal("646.52"),
                    created_by=budget.created_by,
                    created_at=budget.created_at + timedelta(minutes=5),
                    finished_at=budget.created_at + timedelta(minutes=6),
                )
            )
        RightsAssessmentRecord.objects.bulk_create(records)
        outcomes, states = [], [o for o, _w in RIGHT_OUTCOMES]
        weights = [w for _o, w in RIGHT_OUTCOMES]
        for record, amounts in zip(records, picked, strict=True):
            seen = min(self.today, record.month + timedelta(days=rng.randint(20, 60)))
            outcomes += [
                RightOutcomeRecord(
                    assessment=record,
                    right=right,
                    estimated_monthly_amount=amount,
                    outcome=rng.choices(states, weights)[0],
                    recorded_by=record.created_by or self.referent,
                    recorded_at=_at(seen),
                )
                for right, amount in amounts
            ]
        _insert(RightOutcomeRecord, outcomes)
        self.counts.outcomes += len(outcomes)

    def _repaid(
        self,
        with_loan: list[tuple[int, Dossier]],
        loans: list[Loan],
        schedules: dict[int, tuple[Schedule, Decimal]],
        repayments: list[Repayment],
    ) -> dict[int, date]:
        """Loans whose every row is paid are repaid (the loan and its dossier); their last due
        date by loan index."""
        paid: dict[int, int] = {}
        for repayment in repayments:
            paid[repayment.loan_id] = paid.get(repayment.loan_id, 0) + 1
        done_loans, done_dossiers = [], []
        repaid: dict[int, date] = {}
        for (i, dossier), loan in zip(with_loan, loans, strict=True):
            rows = [r for r in schedules[i][0].rows if r.payment > 0]
            if rows[-1].due_date <= self.today and paid.get(loan.pk, 0) == len(rows):
                done_loans.append(loan.pk)
                done_dossiers.append(dossier.pk)
                repaid[i] = rows[-1].due_date
        Loan.objects.filter(pk__in=done_loans).update(state=LoanState.REPAID)
        Dossier.objects.filter(pk__in=done_dossiers).update(state=DossierState.REPAID)
        return repaid


def generate_volume(
    *,
    dossiers: int,
    loans: int,
    today: date,
    seed: int = 2026,
    batch_size: int = 2000,
    progress: Callable[[int, int], Any] | None = None,
    open_budgets: bool = False,
) -> VolumeResult:
    """Generate `dossiers` dossiers, `loans` of them disbursed (see the module's docstring).

    Raises:
        VolumeRefused: the database already holds applicants, dossiers or loans.
        ValueError: loans > dossiers, or a negative number.
    """
    if dossiers < 0 or loans < 0 or loans > dossiers:
        raise ValueError("Il faut 0 ≤ prêts ≤ dossiers.")
    with transaction.atomic():
        _refuse_unless_empty()
        generator = _Generator(seed=seed, today=today, open_budgets=open_budgets)
    for indexes in _batches(dossiers, batch_size):
        with transaction.atomic(), _stamped_as_given():
            generator.batch(indexes, loans)
        if progress is not None:
            progress(indexes.stop, dossiers)
    with transaction.atomic():
        for year, last in generator.sequences.items():
            DossierSequence.objects.update_or_create(year=year, defaults={"last_number": last})
        # No letter is written: every decision that calls for one is pending (the agent's
        # « Courriers en attente »), as the handler would have queued it.
        pending_letters_fill()
        # A dossier was last saved at its last move, not when the volume was written: the
        # bank's API reads `updated_at` for `updated_since` (api.changes), and a volume whose
        # every dossier « changed today » would answer every such poll with all of them.
        Dossier.objects.update(updated_at=F("state_changed_at"))
    counts = generator.counts
    return VolumeResult(
        applicants=dossiers,
        dossiers=dossiers,
        loans=loans,
        schedule_lines=counts.lines,
        repayments=counts.repayments,
        loans_in_arrears=counts.arrears,
        events=counts.events,
        household_members=counts.members,
        budgets=counts.budgets,
        rights_outcomes=counts.outcomes,
        guarantee_claims=counts.claims,
        bonifications=counts.bonifications,
        plans=counts.plans,
        contact_requests=counts.contacts,
    )
