"""Reads that compose several apps for one page: the dossier page, and each role's work queues
on its home page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Generic, TypeVar

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404

from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership, User
from microcredit.banking.models import BankDecision
from microcredit.banking.selectors import bank_dossiers
from microcredit.commissions.models import AgendaItem, CommissionSession, SessionMember
from microcredit.commissions.selectors import dossiers_ready
from microcredit.core.pagination import count_up_to
from microcredit.documents.models import Document
from microcredit.documents.selectors import RequiredDocument, required_documents_status
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier, DossierEvent, DossierShare, EligibilityCheck
from microcredit.dossiers.selectors import access_dossiers_for_user
from microcredit.dossiers.workflow import FINAL_STATES, TRANSITIONS, Transition, transitions_for
from microcredit.followup.enums import AppointmentStatus
from microcredit.followup.models import Appointment, StepReview
from microcredit.followup.selectors.notes import day_bounds
from microcredit.followup.selectors.requests import open_requests
from microcredit.letters.enums import LetterKind
from microcredit.letters.selectors import decision_letters_pending, unwritten_letters_first
from microcredit.loans.models import Loan
from microcredit.programmes.models import Programme, ProgrammeVersion
from microcredit.programmes.selectors import ProgrammeOverview, version_in_force
from microcredit.servicing.enums import PlanState
from microcredit.servicing.models import Bonification, ProjectProof, RepaymentPlan
from microcredit.servicing.selectors.plans import access_plans_for_user
from microcredit.servicing.selectors.portfolio import PortfolioSummary, portfolio_summary
from microcredit.simulator.enums import ContactRequestStatus
from microcredit.simulator.models import ContactRequest


@dataclass(frozen=True)
class DossierPage:
    dossier: Dossier
    version: ProgrammeVersion | None
    events: list[DossierEvent]
    documents: list[Document]
    checklist: list[RequiredDocument]
    eligibility: EligibilityCheck | None
    transitions: list[Transition]
    shares: list[DossierShare]

    @property
    def bank_decision(self) -> BankDecision | None:
        """The bank's decision on the dossier (read with it), or None."""
        return getattr(self.dossier, "bank_decision", None)

    @property
    def loan(self) -> Loan | None:
        """The dossier's loan (read with it), or None."""
        return getattr(self.dossier, "loan", None)


def dossier_page(dossier_id: int, user: User, membership: Membership | None) -> DossierPage:
    """Everything the dossier page shows, in a fixed number of queries.

    The dossier is read with the relations the page shows, and no more: each join costs the
    planner about 0.3 ms (the scheme itself is never shown: its version in force is read by
    the scheme's id), and unordered (one row by its key: the list's order would be compiled
    and sorted for nothing). The bank's decision and the loan (one each at most: one-to-one)
    come with it (`bank_decision`, `loan`: two joins, against two queries of their own). Its
    events are read with their letters, which the letters' table of the page takes again
    (`letters_for_dossier(..., events=page.events)`)."""
    dossier = next(
        iter(
            access_dossiers_for_user(user, membership)
            .select_related(
                "applicant",
                "referent",
                "oriented_by_structure",
                "eligibility",
                "eligibility__programme_version",  # its number, in the section's headline
                "bank_decision",
                "loan",
            )
            .prefetch_related("applicant__members")
            .filter(pk=dossier_id)
            .order_by()[:1]
        ),
        None,
    )
    if dossier is None:
        raise Http404("Dossier introuvable.")
    version = version_in_force(dossier.programme_id, dossier.application_date)
    events = list(DossierEvent.objects.filter(dossier=dossier).select_related("actor", "letter"))
    documents = list(
        Document.objects.filter(dossier=dossier).select_related("uploaded_by").order_by("-id")
    )
    shares = list(DossierShare.objects.filter(dossier=dossier).select_related("worker"))
    return DossierPage(
        dossier=dossier,
        version=version,
        events=events,
        documents=documents,
        checklist=required_documents_status(dossier, version, documents),
        eligibility=dossier.eligibility,
        transitions=transitions_for(dossier.state, membership.role if membership else None),
        shares=shares,
    )


# --- Work queues: each role's home page ------------------------------------------------------
#
# Each queue is what one role has to do, the most urgent first, bounded to QUEUE_SIZE rows with
# the total (a count): a fixed number of queries whatever the data (tests/shell/
# test_work_queues.py and test_home_scale.py count them). Each row links to the page where it
# is handled (the templates under shell/home/queues/).
#
# The count stops past QUEUE_COUNT_CAP: the card then says « plus de 100 » (the lists count
# them all, page by page). A home is shown on every return to it; counting the whole of a long
# queue cost it most of its time (13,500 dossiers lacking a piece: 14 ms of the agent's 56 ms)
# for a figure that, past a hundred, says the same thing (ADR 0016, « Second ajout du 7 décembre »).

QUEUE_SIZE = 5
QUEUE_COUNT_CAP = 100

T = TypeVar("T")


@dataclass(frozen=True)
class Queue(Generic[T]):
    """The first rows of a queue and how many there are in all."""

    items: list[T]
    total: int  # at most QUEUE_COUNT_CAP
    capped: bool = False  # more than `total` in all: the count stopped at QUEUE_COUNT_CAP

    @property
    def more(self) -> int:
        return self.total - len(self.items)

    def showing(self, items: list[Any]) -> Queue[Any]:
        """The same queue and count, its rows shown as `items`."""
        return Queue(items, self.total, self.capped)


def count_up_to_cap(rows: QuerySet[Any]) -> int:
    """How many rows, counted up to one past QUEUE_COUNT_CAP."""
    return count_up_to(rows, QUEUE_COUNT_CAP + 1)


def counted(items: list[Any], *counts: int) -> Queue[Any]:
    """A queue of `items` whose rows are counted in parts (each by count_up_to_cap)."""
    total = sum(counts)
    return Queue(items, min(total, QUEUE_COUNT_CAP), total > QUEUE_COUNT_CAP)


def bounded(rows: QuerySet[Any], size: int = QUEUE_SIZE) -> Queue[Any]:
    """The first `size` rows of `rows` (ordered) and their total up to the cap: two queries,
    whatever the number of rows (the count is made even when the rows do not fill the queue, so
    that a page's queries stay the same from an empty database to a full one)."""
    return counted(list(rows[:size]), count_up_to_cap(rows))


# The référent's next move from each state of their dossiers, read from the workflow: the first
# move of the table they make from the dossier page (not the exits: abandon, reorientation).
SIDE_EXITS = frozenset({"withdraw", "reorient"})
REFERENT_NEXT_MOVE: dict[str, Transition] = {}
for _move in TRANSITIONS:
    if not _move.flow and Role.REFERENT in _move.roles and _move.name not in SIDE_EXITS:
        for _state in sorted(_move.sources):
            REFERENT_NEXT_MOVE.setdefault(_state, _move)


@dataclass(frozen=True)
class RequestRow:
    request: ContactRequest
    handled_by: User | None  # who took it in the inbox (None: new, or taken in the admin)


def requests_to_answer(membership: Membership) -> Queue[RequestRow]:
    """The public's requests to the member's CCAS still to answer: new, then being handled, the
    oldest first (the inbox's own order and filter « à traiter », followup.selectors)."""
    # The new requests, then those being handled, each read in its index's order (organisation,
    # status, date): the inbox's order on the urgency it computes sorts every open request
    # (8 ms at 20,000). Three queries, whatever the number of requests (who took each one read
    # with it: a request being handled has its handling).
    requests = open_requests(membership).select_related("handling__handled_by")
    first = [
        request
        for status in (ContactRequestStatus.NEW, ContactRequestStatus.CONTACTED)
        for request in requests.filter(status=status).order_by("created_at", "id")[:QUEUE_SIZE]
    ][:QUEUE_SIZE]
    return counted([RequestRow(r, _handler(r)) for r in first], count_up_to_cap(requests))


def _handler(contact: ContactRequest) -> User | None:
    handling = getattr(contact, "handling", None)  # none until someone takes the request
    return handling.handled_by if handling is not None else None


def appointments_of_day(user: User, organisation_id: int, day: date) -> Queue[Appointment]:
    """The appointments planned on `day` on the dossiers `user` is the référent of, by time
    (the index on status and starts_at)."""
    start, end = day_bounds(day)
    rows = (
        Appointment.objects.filter(
            status=AppointmentStatus.PLANNED,
            starts_at__gte=start,
            starts_at__lt=end,
            dossier__organisation_id=organisation_id,
            dossier__referent=user,
        )
        .select_related("dossier", "dossier__applicant")
        .order_by("starts_at", "id")
    )
    return bounded(rows)


@dataclass(frozen=True)
class WaitingDossier:
    dossier: Dossier

    @property
    def next_move(self) -> str:
        return REFERENT_NEXT_MOVE[self.dossier.state].label


def dossiers_waiting_on(user: User, organisation_id: int) -> Queue[WaitingDossier]:
    """The dossiers `user` is the référent of whose next move is theirs, the longest waiting
    first (the index on referent and state). A repaid dossier waits in the proofs' queue until
    its proof is filed, then here for its bonification and closing."""
    rows = (
        Dossier.objects.filter(
            organisation_id=organisation_id, referent=user, state__in=list(REFERENT_NEXT_MOVE)
        )
        # NOT EXISTS, not `loan__project_proof__isnull` (outer joins the planner cannot
        # estimate: 9 ms for the count at 20,000 dossiers of one référent, 2 ms so).
        .exclude(
            Q(state=DossierState.REPAID)
            & ~Exists(ProjectProof.objects.filter(loan__dossier=OuterRef("pk")))
        )
        .select_related("applicant", "loan")
        .order_by("state_changed_at", "id")
    )
    queue = bounded(rows)
    return queue.showing([WaitingDossier(d) for d in queue.items])


def proofs_to_collect(user: User, organisation_id: int) -> Queue[Loan]:
    """The repaid loans of `user`'s dossiers whose project proof (the invoice) is not filed nor
    waived, the longest repaid first.

    NOT EXISTS rather than Django's LEFT JOIN … IS NULL (`project_proof__isnull=True`): the
    planner does not see the outer join as an anti-join, estimates one row and reads every
    loan of the CCAS (27 ms at 25,000 loans against 2 ms). The count starts from the référent's
    repaid dossiers (index on referent and state), not from every loan."""
    no_proof = ~Exists(ProjectProof.objects.filter(loan=OuterRef("pk")))
    rows = (
        Loan.objects.filter(
            dossier__organisation_id=organisation_id,
            dossier__referent=user,
            dossier__state=DossierState.REPAID,
        )
        .filter(no_proof)
        .select_related("dossier", "dossier__applicant")
        .order_by("dossier__state_changed_at", "id")
    )
    without_proof = Dossier.objects.filter(
        organisation_id=organisation_id, referent=user, state=DossierState.REPAID
    ).filter(
        Exists(Loan.objects.filter(dossier=OuterRef("pk"))),
        ~Exists(ProjectProof.objects.filter(loan__dossier=OuterRef("pk"))),
    )
    return counted(list(rows[:QUEUE_SIZE]), count_up_to_cap(without_proof))


@dataclass(frozen=True)
class MissingDocuments:
    dossier: Dossier
    labels: list[str]


# The states in which the agent gathers the pieces: the dossier goes to the commission only
# complete (the move « submit_to_committee » needs them).
DOCUMENT_STATES = tuple(sorted(s for t in TRANSITIONS if t.needs_documents for s in t.sources))


def _lacks_a_document(organisation_id: int) -> tuple[Q, list[ProgrammeVersion]]:
    """The dossiers lacking a piece their purpose requires, as one SQL condition: for each
    version of the organisation's schemes (in force from its date until the next one's), a
    dossier of that scheme applied for in that span lacks one of the codes its purpose requires
    (`ProgrammeVersion.required_documents_for`). One query for the versions, whatever the number
    of dossiers: the queue reads then only the rows it shows and a count."""
    versions = list(
        ProgrammeVersion.objects.filter(programme__organisation_id=organisation_id).order_by(
            "programme_id", "valid_from", "pk"
        )
    )
    in_force: dict[tuple[int, date], ProgrammeVersion] = {}
    for version in versions:  # on the same day, the latest version (as versions_in_force)
        in_force[(version.programme_id, version.valid_from)] = version
    spans = sorted(in_force.items())
    condition = Q(pk__in=[])
    for k, ((programme_id, start), version) in enumerate(spans):
        span = Q(programme_id=programme_id, application_date__gte=start)
        following = spans[k + 1][0] if k + 1 < len(spans) else None
        if following is not None and following[0] == programme_id:
            span &= Q(application_date__lt=following[1])
        for document in version.required_documents:
            lacking = ~Exists(
                Document.objects.filter(dossier=OuterRef("pk"), kind=document["code"])
            )
            purposes = document.get("purposes")
            if purposes:
                condition |= span & Q(purpose_category__in=purposes) & Q(lacking)
            else:
                condition |= span & Q(lacking)
    return condition, versions


def dossiers_missing_documents(organisation_id: int) -> Queue[MissingDocuments]:
    """The dossiers in instruction (or adjourned) lacking a piece their purpose requires, the
    longest waiting first: four queries whatever the number of dossiers and documents (the
    versions, the first rows, their count, the pieces of the rows shown)."""
    lacking, versions = _lacks_a_document(organisation_id)
    rows = (
        Dossier.objects.filter(organisation_id=organisation_id, state__in=DOCUMENT_STATES)
        .filter(lacking)
        .select_related("applicant")
        .order_by("state_changed_at", "id")
    )
    queue = bounded(rows)
    filed: dict[int, set[str]] = {}
    if queue.items:
        for dossier_id, kind in Document.objects.filter(
            dossier__in=[d.pk for d in queue.items]
        ).values_list("dossier_id", "kind"):
            filed.setdefault(dossier_id, set()).add(kind)
    shown = []
    for dossier in queue.items:
        version = next(
            (
                v
                for v in reversed(versions)
                if v.programme_id == dossier.programme_id
                and v.valid_from <= dossier.application_date
            ),
            None,
        )
        required = version.required_documents_for(dossier.purpose_category) if version else []
        done = filed.get(dossier.pk, set())
        shown.append(
            MissingDocuments(dossier, [d["label"] for d in required if d["code"] not in done])
        )
    return queue.showing(shown)


@dataclass(frozen=True)
class SessionToPrepare:
    session: CommissionSession
    items: int
    undecided: int
    present: int
    today: date

    @property
    def held(self) -> bool:
        """The session's day has come: decisions, then the closing."""
        return self.session.date <= self.today

    @property
    def to_close(self) -> bool:
        return self.held and self.items > 0 and self.undecided == 0


@dataclass(frozen=True)
class SessionsToPrepare:
    sessions: Queue[SessionToPrepare]
    unscheduled: int  # dossiers ready for the commission on no open session's agenda

    @property
    def total(self) -> int:
        return self.sessions.total + self.unscheduled


def sessions_to_prepare(organisation_id: int, today: date) -> SessionsToPrepare:
    """The commission's open sessions, the earliest first (one held and not closed comes
    first), and how many ready dossiers wait for a session: three queries."""
    sessions = (
        CommissionSession.objects.filter(organisation_id=organisation_id, closed_at__isnull=True)
        .annotate(
            n_items=Count("agenda"),
            n_undecided=Count("agenda", filter=Q(agenda__decision="")),
            n_present=Coalesce(
                Subquery(
                    SessionMember.objects.filter(session=OuterRef("pk"), present=True)
                    .order_by()
                    .values("session")
                    .annotate(n=Count("pk"))
                    .values("n")
                ),
                0,
            ),
        )
        .order_by("date", "id")
    )
    queue = bounded(sessions)
    rows = [SessionToPrepare(s, s.n_items, s.n_undecided, s.n_present, today) for s in queue.items]
    return SessionsToPrepare(queue.showing(rows), dossiers_ready(organisation_id).count())


@dataclass(frozen=True)
class PendingLetter:
    """A letter a decision or a fact of the loan's follow-up calls for, not written yet (the
    task failed: `microcredit letters_backfill` writes it)."""

    kind: str
    on: date
    dossier_id: int
    dossier_number: str

    @property
    def kind_label(self) -> str:
        return LetterKind(self.kind).label


def letters_pending(organisation_id: int) -> Queue[PendingLetter]:
    """The organisation's letters called for and not written, the oldest first: four queries
    (the decisions' letters and the follow-up's, each from its table of pending letters,
    letters.pending: bounded and counted)."""
    decisions, decisions_total = decision_letters_pending(
        organisation_id, QUEUE_SIZE, count_limit=QUEUE_COUNT_CAP + 1
    )
    rows = [PendingLetter(d.kind, d.on, d.dossier_id, d.dossier_number) for d in decisions]
    # The follow-up's letters owed and unwritten, of this CCAS (each is written after the
    # commit that called for it: a handful, unless the task fails), bounded as well.
    owed, owed_total = unwritten_letters_first(
        organisation_id, QUEUE_SIZE, count_limit=QUEUE_COUNT_CAP + 1
    )
    rows += [PendingLetter(o.kind, o.on, o.dossier_id, o.dossier_number) for o in owed]
    rows.sort(key=lambda row: row.on)
    return counted(rows[:QUEUE_SIZE], decisions_total, owed_total)


# --- The director ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthFigures:
    first_day: date
    dossiers_opened: int
    loans_disbursed: int
    amount_disbursed: Decimal
    portfolio: PortfolioSummary


def month_figures(user: User, membership: Membership, today: date) -> MonthFigures:
    """The month's dossiers opened and loans disbursed, and the portfolio (PAR30): five
    queries."""
    first_day = today.replace(day=1)
    opened = Dossier.objects.filter(
        organisation_id=membership.organisation_id,
        application_date__gte=first_day,
        application_date__lte=today,
    ).count()
    lent = Loan.objects.filter(
        organisation_id=membership.organisation_id,
        disbursement_date__gte=first_day,
        disbursement_date__lte=today,
    ).aggregate(n=Count("pk"), amount=Sum("principal"))
    return MonthFigures(
        first_day=first_day,
        dossiers_opened=opened,
        loans_disbursed=lent["n"],
        amount_disbursed=lent["amount"] or Decimal("0.00"),
        portfolio=portfolio_summary(user, membership),
    )


@dataclass(frozen=True)
class SessionToDecide:
    session: CommissionSession
    undecided: int


def sessions_to_decide(user: User, organisation_id: int, today: date) -> Queue[SessionToDecide]:
    """The open sessions `user` sits on, held today or earlier, with dossiers left to decide."""
    sitting = SessionMember.objects.filter(user=user).values("session")
    sessions = (
        CommissionSession.objects.filter(
            organisation_id=organisation_id,
            closed_at__isnull=True,
            date__lte=today,
            pk__in=sitting,
        )
        .annotate(n_undecided=Count("agenda", filter=Q(agenda__decision="")))
        .filter(n_undecided__gt=0)
        .order_by("date", "id")
    )
    queue = bounded(sessions)
    return queue.showing([SessionToDecide(s, s.n_undecided) for s in queue.items])


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


@dataclass(frozen=True)
class OutdatedUsury:
    programme: Programme
    version: ProgrammeVersion
    latest: date | None  # the latest thresholds' date in the version in force
    quarter: date


def outdated_usury(overviews: list[ProgrammeOverview], today: date) -> Queue[OutdatedUsury]:
    """The schemes whose version in force has no usury thresholds for the quarter of `today`
    (the Banque de France publishes them each quarter): the director adds a version. No query:
    the overviews the home page reads anyway."""
    quarter = quarter_start(today)
    rows = []
    for overview in overviews:
        version = overview.current
        if version is None:
            continue
        latest = max((row["valid_from"] for row in version.usury_rows()), default=None)
        if latest is None or latest < quarter:
            rows.append(OutdatedUsury(overview.programme, version, latest, quarter))
    return Queue(rows, len(rows))


def dossiers_to_close(organisation_id: int) -> Queue[Loan]:
    """The loans whose dossier may be closed: guarantee called, or repaid with the proof and the
    bonification recorded (or waived); the longest waiting first.

    The two kinds are read apart, each from the dossiers of its state (index on organisation
    and state), and merged: the first rows of the queue are among the first of each. One OR
    over both, with the proof and the bonification as outer joins, read every loan of the CCAS
    (48 ms at 25,000 loans; 23 ms so)."""
    loans = (
        Loan.objects.filter(dossier__organisation_id=organisation_id)
        .select_related("dossier", "dossier__applicant")
        .order_by("dossier__state_changed_at", "id")
    )
    called = loans.filter(dossier__state=DossierState.GUARANTEE_CALLED)
    settled = loans.filter(dossier__state=DossierState.REPAID).filter(
        Exists(ProjectProof.objects.filter(loan=OuterRef("pk"))),
        Exists(Bonification.objects.filter(loan=OuterRef("pk"))),
    )
    first = sorted(
        [*called[:QUEUE_SIZE], *settled[:QUEUE_SIZE]],
        key=lambda loan: (loan.dossier.state_changed_at, loan.pk),
    )
    return counted(first[:QUEUE_SIZE], count_up_to_cap(called), count_up_to_cap(settled))


# --- The commission, the bank, the partner worker --------------------------------------------


@dataclass(frozen=True)
class NextSession:
    session: CommissionSession | None
    items: Queue[AgendaItem]

    @property
    def total(self) -> int:
        return self.items.total


def next_session(user: User, organisation_id: int) -> NextSession:
    """The first open session `user` sits on and its agenda, in order: two or three queries."""
    session = (
        CommissionSession.objects.filter(
            organisation_id=organisation_id,
            closed_at__isnull=True,
            pk__in=SessionMember.objects.filter(user=user).values("session"),
        )
        .order_by("date", "id")
        .first()
    )
    if session is None:
        return NextSession(None, Queue([], 0))
    items = (
        AgendaItem.objects.filter(session=session)
        .select_related("dossier")
        .order_by("position", "id")
    )
    return NextSession(session, bounded(items))


def bank_to_decide(user: User, membership: Membership) -> Queue[Dossier]:
    """The dossiers transmitted to the adviser's bank, waiting for its decision, the oldest
    transmission first."""
    rows = (
        bank_dossiers(user, membership)
        .filter(state=DossierState.TRANSMITTED_TO_BANK)
        .select_related("applicant", "organisation")
        .order_by("bank_transmitted_at", "id")
    )
    return bounded(rows)


def cheques_to_issue(user: User, membership: Membership) -> Queue[Dossier]:
    """The loans the bank granted and not yet disbursed (the signed offer, then the cheque), the
    oldest decision first."""
    rows = (
        bank_dossiers(user, membership)
        .filter(state=DossierState.GRANTED)
        .select_related("applicant", "bank_decision")
        .order_by("state_changed_at", "id")
    )
    return bounded(rows)


def plans_to_decide(user: User, membership: Membership) -> Queue[RepaymentPlan]:
    """The repayment plans the référents proposed to the adviser's bank, the oldest first."""
    rows = (
        access_plans_for_user(user, membership)
        .filter(state=PlanState.PROPOSED)
        .select_related("loan", "loan__dossier")
        .order_by("proposed_at", "id")
    )
    return bounded(rows)


@dataclass(frozen=True)
class SharedDossier:
    dossier: Dossier
    last_on: date | None  # the last point d'étape
    next_on: date | None  # the next one it set
    today: date

    @property
    def overdue(self) -> bool:
        return self.next_on is not None and self.next_on < self.today


def shared_dossiers(user: User, membership: Membership, today: date) -> Queue[SharedDossier]:
    """The dossiers shared with the partner worker still in progress, with the next point
    d'étape the last one set (the index on dossier and held_on): the soonest first, then those
    without any."""
    latest = StepReview.objects.filter(dossier=OuterRef("pk")).order_by("-held_on", "-id")
    rows = (
        access_dossiers_for_user(user, membership)
        .exclude(state__in=FINAL_STATES)
        .annotate(
            last_on=Subquery(latest.values("held_on")[:1]),
            next_on=Subquery(latest.values("next_on")[:1]),
        )
        .select_related("applicant")
        .order_by(F("next_on").asc(nulls_last=True), "state_changed_at", "id")
    )
    queue = bounded(rows)
    return queue.showing([SharedDossier(d, d.last_on, d.next_on, today) for d in queue.items])
