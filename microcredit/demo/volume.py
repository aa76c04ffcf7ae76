"""Volume for benchmarks: `microcredit generate_volume --dossiers N --loans M`.

Fills an EMPTY database (it refuses one that already holds applicants, dossiers or loans) with
fictional but realistic data of the Saint-Étienne scheme: applicants and their dossiers in every
state of the funnel, and M disbursed loans with their schedule (the loan engine's, version 1),
their cheque, and the repayments of the installments due so far. Most borrowers pay on the due
date; some stopped paying a few months ago (arrears in every bucket); loans whose schedule has
ended are repaid. Rows are written with bulk inserts in batches (one transaction per batch), so
that 100,000 loans take minutes, not hours. Deterministic for a given seed.

The audit trail, the events and the documents of a real dossier are not generated: the volume
serves the lists, the nightly arrears job and the statistics, not the dossier's timeline.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction

from loan_engine import Schedule, add_months, annual_percentage_rate, build_schedule, loan_terms
from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership, User
from microcredit.applicants.enums import Activity, FamilySituation, HousingStatus
from microcredit.applicants.models import Applicant
from microcredit.applicants.rules import search_name
from microcredit.banking.models import Disbursement
from microcredit.dossiers.enums import DeferralKind, DossierState
from microcredit.dossiers.models import Dossier
from microcredit.loans.enums import LoanState
from microcredit.loans.models import Loan, Repayment, ScheduleLine, ScheduleVersion
from microcredit.organisations.models import Organisation
from microcredit.programmes.models import Programme
from microcredit.programmes.schemes import scheme_load

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


def _at(day: date) -> datetime:
    """10 a.m. on `day`, Paris time: when the bank recorded what happened that day."""
    return datetime.combine(day, time(10), PARIS)


@contextmanager
def _stamped_as_given() -> Iterator[None]:
    """The repayments' and schedule versions' stamps as the generator gives them (the day they
    happened), not the time of the generation: the nightly job reads them."""
    fields = [
        Repayment._meta.get_field("recorded_at"),
        ScheduleVersion._meta.get_field("created_at"),
    ]
    try:
        for stamp in fields:
            stamp.auto_now_add = False
        yield
    finally:
        for stamp in fields:
            stamp.auto_now_add = True


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


@dataclass
class _Counts:
    lines: int = 0
    repayments: int = 0
    arrears: int = 0


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


def _batches(total: int, size: int) -> Iterator[range]:
    for start in range(0, total, size):
        yield range(start, min(total, start + size))


class _Generator:
    def __init__(self, *, seed: int, today: date) -> None:
        self.rng = random.Random(seed)  # noqa: S311 (fictional data, not secrets)
        self.today = today
        self.apr_cache: dict[tuple[Decimal, int, int, str], Decimal] = {}
        scheme_load("saint-etienne")
        self.ccas = Organisation.objects.get(slug="ccas-saint-etienne")
        self.bank = Organisation.objects.get(slug="parcours-confiance")
        self.programme = Programme.objects.get(organisation=self.ccas)
        self.referent = _member(REFERENT, self.ccas, Role.REFERENT, "Référent")
        self.adviser = _member(ADVISER, self.bank, Role.BANK_ADVISER, "Banque")
        self.counts = _Counts()

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
            number=f"VOL-{index + 1:07d}",
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
        dossiers = Dossier.objects.bulk_create(
            self.dossier(i, a, disbursed_on=disbursed.get(i), months=durations[i])
            for i, a in zip(indexes, applicants, strict=True)
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
        Disbursement.objects.bulk_create(
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
        ScheduleLine.objects.bulk_create(lines, batch_size=5000)
        Repayment.objects.bulk_create(repayments, batch_size=5000)
        self.counts.lines += len(lines)
        self.counts.repayments += len(repayments)
        self._repaid(with_loan, loans, schedules, repayments)

    def _repaid(
        self,
        with_loan: list[tuple[int, Dossier]],
        loans: list[Loan],
        schedules: dict[int, tuple[Schedule, Decimal]],
        repayments: list[Repayment],
    ) -> None:
        """Loans whose every row is paid are repaid (the loan and its dossier)."""
        paid: dict[int, int] = {}
        for repayment in repayments:
            paid[repayment.loan_id] = paid.get(repayment.loan_id, 0) + 1
        done_loans, done_dossiers = [], []
        for (i, dossier), loan in zip(with_loan, loans, strict=True):
            rows = [r for r in schedules[i][0].rows if r.payment > 0]
            if rows[-1].due_date <= self.today and paid.get(loan.pk, 0) == len(rows):
                done_loans.append(loan.pk)
                done_dossiers.append(dossier.pk)
        Loan.objects.filter(pk__in=done_loans).update(state=LoanState.REPAID)
        Dossier.objects.filter(pk__in=done_dossiers).update(state=DossierState.REPAID)


def generate_volume(
    *,
    dossiers: int,
    loans: int,
    today: date,
    seed: int = 2026,
    batch_size: int = 2000,
    progress: Callable[[int, int], Any] | None = None,
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
        generator = _Generator(seed=seed, today=today)
    for indexes in _batches(dossiers, batch_size):
        with transaction.atomic(), _stamped_as_given():
            generator.batch(indexes, loans)
        if progress is not None:
            progress(indexes.stop, dossiers)
    counts = generator.counts
    return VolumeResult(
        applicants=dossiers,
        dossiers=dossiers,
        loans=loans,
        schedule_lines=counts.lines,
        repayments=counts.repayments,
        loans_in_arrears=counts.arrears,
    )
