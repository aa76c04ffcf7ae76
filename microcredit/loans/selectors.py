"""Reads of loans: through the dossier funnel; the position computed by the loan engine."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404

from loan_engine import (
    ArrearsState,
    LoanPosition,
    LoanTerms,
    Payment,
    Schedule,
    allocate_payments,
    arrears_state,
)
from loan_engine import loan_terms as engine_loan_terms
from microcredit.accounts.enums import DOSSIER_STAFF_ROLES, Role
from microcredit.accounts.models import Membership, User
from microcredit.dossiers.selectors import access_dossiers_for_user
from microcredit.loans import rules
from microcredit.loans.models import Incident, Loan, Repayment, ScheduleLine, ScheduleVersion
from microcredit.programmes.models import ProgrammeVersion

# CCAS staff read the loans of their organisation; the bank adviser those of their bank.
LOAN_ROLES = DOSSIER_STAFF_ROLES | {Role.BANK_ADVISER}

# The loan page's lists that grow with the loan's life, each paginated (the schedule in force is
# bounded by the loan's term): the past versions, the repayments, the incidents.
VERSIONS_PAGE_SIZE = 5
REPAYMENTS_PAGE_SIZE = 24
INCIDENTS_PAGE_SIZE = 20


def access_loans_for_user(user: User, membership: Membership | None) -> QuerySet[Loan]:
    """The loans of the dossiers `user` may see (access_dossiers_for_user), for the roles that
    read loans. CCAS staff: by the loan's organisation, the one of its dossier (loan_create
    copies it, and a dossier never changes organisation), without reading the dossiers."""
    if membership is None or membership.role not in LOAN_ROLES:
        return Loan.objects.none()
    if membership.role in DOSSIER_STAFF_ROLES:
        if not membership.active or membership.user_id != user.pk:
            return Loan.objects.none()  # as access_dossiers_for_user
        return Loan.objects.filter(organisation_id=membership.organisation_id)
    loans = Loan.objects.filter(dossier__in=access_dossiers_for_user(user, membership))
    if membership.role == Role.BANK_ADVISER:
        loans = loans.filter(bank_id=membership.organisation_id)
    return loans


def loan_for_user_or_404(user: User, membership: Membership | None, loan_id: int) -> Loan:
    """The loan if `user` may see it; 404 otherwise."""
    loan = (
        access_loans_for_user(user, membership)
        .select_related(
            "dossier", "dossier__applicant", "dossier__disbursement", "bank", "organisation"
        )
        .filter(pk=loan_id)
        .first()
    )
    if loan is None:
        raise Http404("Prêt introuvable.")
    return loan


def loan_schedule_version(loan: Loan) -> ScheduleVersion | None:
    """The schedule version in force (the latest)."""
    return ScheduleVersion.objects.filter(loan=loan).order_by("-number").first()


def loan_schedule_lines(loan: Loan) -> list[ScheduleLine]:
    """The lines of the schedule version in force, in order."""
    version = loan_schedule_version(loan)
    if version is None:
        return []
    return list(ScheduleLine.objects.filter(version=version).order_by("number"))


def loan_terms(loan: Loan) -> LoanTerms:
    """The loan's terms as the engine takes them."""
    return engine_loan_terms(
        principal=loan.principal,
        rate_percent=loan.nominal_rate_percent,
        months=loan.months,
        deferral_months=loan.deferral_months,
        deferral_kind=loan.deferral_kind,
        disbursement_date=loan.disbursement_date,
    )


def _stored(line: ScheduleLine) -> rules.StoredLine:
    return rules.StoredLine(
        number=line.number,
        due_date=line.due_date,
        kind=line.kind,
        payment=line.payment,
        interest=line.interest,
        principal=line.principal,
        capitalised=line.capitalised,
        balance=line.balance,
        arrears_interest=line.arrears_interest,
    )


def loan_schedule(
    loan: Loan,
    lines: list[ScheduleLine] | None = None,
    version: ScheduleVersion | None = None,
) -> Schedule:
    """The engine's Schedule rebuilt from the stored lines of the version in force."""
    if version is None:
        version = loan_schedule_version(loan)
    if lines is None:
        lines = (
            list(ScheduleLine.objects.filter(version=version).order_by("number")) if version else []
        )
    return rules.schedule_from_lines(
        loan_terms(loan),
        [_stored(line) for line in lines],
        installment=version.installment if version else loan.installment,
        version=version.number if version else 1,
    )


def schedules_in_force(loans: list[Loan]) -> dict[int, tuple[ScheduleVersion, Schedule]]:
    """loan id → (version in force, the engine's Schedule of it), in two queries (the lines read
    as plain rows: a batch of loans has tens of thousands of them)."""
    by_id = {loan.pk: loan for loan in loans}
    latest: dict[int, ScheduleVersion] = {}
    for version in ScheduleVersion.objects.filter(loan_id__in=by_id).order_by("loan_id", "number"):
        latest[version.loan_id] = version
    lines = stored_lines_by_version([v.pk for v in latest.values()])
    return {
        loan_id: (
            version,
            rules.schedule_from_lines(
                loan_terms(by_id[loan_id]),
                lines.get(version.pk, []),
                installment=version.installment,
                version=version.number,
            ),
        )
        for loan_id, version in latest.items()
    }


def stored_lines_by_version(version_ids: Collection[int]) -> dict[int, list[rules.StoredLine]]:
    """version id → its lines in order, in one query (plain rows)."""
    found: dict[int, list[rules.StoredLine]] = {}
    rows = (
        ScheduleLine.objects.filter(version_id__in=version_ids)
        .order_by("version_id", "number")
        .values_list(
            "version_id",
            "number",
            "due_date",
            "kind",
            "payment",
            "interest",
            "principal",
            "capitalised",
            "balance",
            "arrears_interest",
        )
    )
    for version_id, number, due, kind, payment, interest, principal, cap, balance, arrears in rows:
        found.setdefault(version_id, []).append(
            rules.StoredLine(
                number=number,
                due_date=due,
                kind=kind,
                payment=payment,
                interest=interest,
                principal=principal,
                capitalised=cap,
                balance=balance,
                arrears_interest=arrears,
            )
        )
    return found


def payments_by_loan(loan_ids: Collection[int]) -> dict[int, list[Payment]]:
    """loan id → its repayments as the engine takes them, in date order, in one query."""
    found: dict[int, list[Payment]] = {}
    rows = (
        Repayment.objects.filter(loan_id__in=loan_ids)
        .order_by("date", "id")
        .values_list("loan_id", "date", "amount", "early_repayment")
    )
    for loan_id, day, amount, early in rows:
        found.setdefault(loan_id, []).append(Payment(day, amount, early))
    return found


def repayments_by_loan(loan_ids: list[int]) -> dict[int, list[Repayment]]:
    """loan id → its repayments in date order, in one query."""
    found: dict[int, list[Repayment]] = {}
    for repayment in Repayment.objects.filter(loan_id__in=loan_ids).order_by("date", "id"):
        found.setdefault(repayment.loan_id, []).append(repayment)
    return found


def loan_payments(repayments: list[Repayment]) -> list[Payment]:
    return [Payment(r.date, r.amount, r.early_repayment) for r in repayments]


@dataclass(frozen=True)
class LoanStatus:
    """Where the loan stands on `as_of`: the engine's allocation and arrears.

    `early_without_version`: a repayment flagged early has no early-repayment row of its date
    in the schedule (its new version is missing); only then is the engine's pending surplus an
    early repayment waiting for its version. Otherwise that surplus is an ordinary advance (a
    version stored before the engine took advances into the lump sum) and counts as credit."""

    as_of: date
    position: LoanPosition
    arrears: ArrearsState
    early_without_version: bool = False

    @property
    def bucket_label(self) -> str:
        """The arrears bucket in French ("en retard", "30 jours et plus", ...)."""
        return rules.arrears_bucket_label(self.arrears.bucket)

    @property
    def credit(self) -> Decimal:
        """Paid in advance on the next installments."""
        pending = self.position.pending_early_repayment
        return self.position.credit + (Decimal(0) if self.early_without_version else pending)

    @property
    def pending_early_repayment(self) -> Decimal:
        """An early repayment's surplus still waiting for its schedule version."""
        return self.position.pending_early_repayment if self.early_without_version else Decimal(0)


def loan_position(
    loan: Loan,
    as_of: date,
    *,
    schedule: Schedule | None = None,
    repayments: list[Repayment] | None = None,
) -> LoanStatus:
    """The repayments allocated to the stored schedule (loan_engine.allocate_payments)."""
    schedule = schedule or loan_schedule(loan)
    if repayments is None:
        repayments = list(Repayment.objects.filter(loan=loan).order_by("date", "id"))
    as_of = max(as_of, loan.disbursement_date)
    payments = [p for p in loan_payments(repayments) if p.date <= as_of]
    position = allocate_payments(schedule, payments, as_of)
    return LoanStatus(
        as_of=as_of,
        position=position,
        arrears=arrears_state(position, as_of),
        early_without_version=rules.early_repayments_without_version(
            schedule, [p.date for p in payments if p.early_repayment]
        ),
    )


def loan_payoff(
    loan: Loan,
    on: date,
    *,
    schedule: Schedule | None = None,
    repayments: list[Repayment] | None = None,
) -> rules.Payoff:
    """What repays the whole loan on `on` (loan_engine.payoff_quote from the repayments
    recorded): a total early repayment of that amount on that date closes the schedule.

    Raises:
        ValidationError: codes date_before_disbursement, date_before_last_version (French).
    """
    schedule = schedule or loan_schedule(loan)
    problem = rules.check_payoff_date(schedule, on)
    if problem is not None:
        raise ValidationError(problem.message, code=problem.code)
    if repayments is None:
        repayments = list(Repayment.objects.filter(loan=loan).order_by("date", "id"))
    return rules.payoff_at(schedule, loan_payments(repayments), on)


def repayment_tolerances(loan_ids: list[int]) -> dict[int, list[tuple[date, Decimal]]]:
    """loan id → its programme's versions (valid from, repayment tolerance) by date, in two
    queries (rules.tolerance_on picks the one in force)."""
    programme_of = dict(
        Loan.objects.filter(pk__in=loan_ids).values_list("pk", "dossier__programme_id")
    )
    versions: dict[int, list[tuple[date, Decimal]]] = {}
    for programme_id, valid_from, tolerance in (
        ProgrammeVersion.objects.filter(programme_id__in=set(programme_of.values()))
        .order_by("valid_from", "pk")
        .values_list("programme_id", "valid_from", "repayment_tolerance")
    ):
        versions.setdefault(programme_id, []).append((valid_from, tolerance))
    return {
        loan_id: versions.get(programme_id, []) for loan_id, programme_id in programme_of.items()
    }


@dataclass(frozen=True)
class VersionLines:
    """A version of the schedule with its lines (the past ones still readable on the loan
    page) and its totals: the interest and the total due of that version."""

    version: ScheduleVersion
    lines: list[ScheduleLine]

    @property
    def total_interest(self) -> Decimal:
        return sum((line.interest for line in self.lines), Decimal("0.00"))

    @property
    def total_due(self) -> Decimal:
        return sum((line.payment for line in self.lines), Decimal("0.00"))


@dataclass(frozen=True)
class LoanPageNumbers:
    """The page asked for of each of the loan page's lists (None: the first)."""

    versions: str | None = None
    repayments: str | None = None
    incidents: str | None = None


@dataclass(frozen=True)
class LoanPage:
    """The loan page: `repayments` are all of them (the engine allocates them all), the lists
    shown are pages: `versions_page` of the past versions (newest first), `repayments_page`
    (newest first), `incidents_page` (newest first)."""

    loan: Loan
    version: ScheduleVersion | None
    lines: list[ScheduleLine]
    repayments: list[Repayment]
    status: LoanStatus
    versions_page: Page[VersionLines]
    repayments_page: Page[Repayment]
    incidents_page: Page[Incident]
    schedule: Schedule

    @property
    def in_force(self) -> VersionLines | None:
        """The version in force with its totals (the conditions the loan page shows)."""
        return VersionLines(self.version, self.lines) if self.version else None

    @property
    def past_versions(self) -> list[VersionLines]:
        """The past versions of the page shown, newest first."""
        return list(self.versions_page.object_list)


def loan_page(
    user: User,
    membership: Membership | None,
    loan_id: int,
    as_of: date,
    numbers: LoanPageNumbers | None = None,
) -> LoanPage:
    """Everything the loan page shows, in a fixed number of queries (whatever the number of
    versions, repayments and incidents), each growing list one page of it."""
    numbers = numbers or LoanPageNumbers()
    loan = loan_for_user_or_404(user, membership, loan_id)
    versions = list(ScheduleVersion.objects.filter(loan=loan).order_by("-number"))
    version = versions[0] if versions else None
    past = Paginator(versions[1:], VERSIONS_PAGE_SIZE).get_page(numbers.versions)
    shown = ([version] if version else []) + list(past.object_list)
    lines_by_version: dict[int, list[ScheduleLine]] = {}
    for line in ScheduleLine.objects.filter(version_id__in=[v.pk for v in shown]).order_by(
        "version_id", "number"
    ):
        lines_by_version.setdefault(line.version_id, []).append(line)
    lines = lines_by_version.get(version.pk, []) if version else []
    repayments = list(
        Repayment.objects.filter(loan=loan).select_related("recorded_by").order_by("date", "id")
    )
    incidents = Incident.objects.filter(loan=loan).select_related("recorded_by")
    schedule = loan_schedule(loan, lines, version)
    # The page of past versions, each with its lines (the same number and paginator).
    past_page: Page[VersionLines] = Page(
        [VersionLines(v, lines_by_version.get(v.pk, [])) for v in past.object_list],
        past.number,
        past.paginator,  # type: ignore[arg-type]  # its count and page size: the same rows
    )
    return LoanPage(
        loan=loan,
        version=version,
        lines=lines,
        repayments=repayments,
        status=loan_position(loan, as_of, schedule=schedule, repayments=repayments),
        versions_page=past_page,
        repayments_page=Paginator(repayments[::-1], REPAYMENTS_PAGE_SIZE).get_page(
            numbers.repayments
        ),
        incidents_page=Paginator(incidents.order_by("-date", "-id"), INCIDENTS_PAGE_SIZE).get_page(
            numbers.incidents
        ),
        schedule=schedule,
    )


def visible_dossiers_by_number(
    user: User, membership: Membership | None, numbers: set[str]
) -> dict[str, int]:
    """number → id of the dossier of that number `user` may see (numbers are unique on the
    platform: a database constraint)."""
    return dict(
        access_dossiers_for_user(user, membership)
        .filter(number__in=numbers)
        .values_list("number", "pk")
    )


def loans_by_dossier(dossier_ids: list[int]) -> dict[int, Loan]:
    return {loan.dossier_id: loan for loan in Loan.objects.filter(dossier_id__in=dossier_ids)}


# --- Reconciliation (the bank partner's API, #18) -------------------------------------------------


def loan_repayments(loan: Loan) -> QuerySet[Repayment]:
    """The loan's repayments in the order the engine allocates them (date, then recording)."""
    return Repayment.objects.filter(loan=loan).order_by("date", "id")


def schedule_line_ids(lines: Iterable[tuple[str, date]]) -> list[str]:
    """A stable identity for each line (kind, due date) of a schedule version, in order:
    "<kind>-<due date>" ("installment-2027-04-10"), with "-2", "-3"… for a second or third line of
    the same kind and date in the same version. An installment keeps its identity in the next
    versions (an early repayment inserts a line and renumbers the others; its due dates stay)."""
    seen: dict[str, int] = {}
    ids = []
    for kind, due in lines:
        base = f"{kind}-{due.isoformat()}"
        seen[base] = seen.get(base, 0) + 1
        ids.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return ids
