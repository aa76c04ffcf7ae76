"""Reads of the inbox of the public's requests (simulator.ContactRequest).

The référent and the agent of a CCAS read the requests sent to their CCAS, and nothing else: a
request of another CCAS is « introuvable » (404), never « interdite ».

A request's state is its handling's (followup.RequestHandling, created when someone first takes
it); the request's own ``status`` is kept in step (the Django admin's list reads it), and it is
what the inbox filters and orders on (index ``contact_request_inbox``). A request without a
handling row is new, or was handled in the admin before the inbox existed: its status says how.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import BooleanField, Case, Count, Q, QuerySet, Value, When
from django.http import Http404

from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership
from microcredit.followup.enums import RequestStatus
from microcredit.followup.models import RequestHandling
from microcredit.followup.models import request_state as models_request_state
from microcredit.programmes.selectors import access_programmes_for_membership, version_in_force
from microcredit.simulator.enums import ContactRequestStatus
from microcredit.simulator.models import ContactRequest, request_urgency

# Who works the inbox: the référent and the agent of the CCAS.
INBOX_ROLES = frozenset({Role.REFERENT, Role.AGENT})
PAGE_SIZE = 25

OPEN_STATES = (RequestStatus.NEW, RequestStatus.IN_PROGRESS)
FINAL_STATES = frozenset({RequestStatus.CONVERTED, RequestStatus.CLOSED})
# The filter « à traiter » of the inbox: new and being handled.
OPEN_FILTER = "a_traiter"

# The request's own status for each state of its handling.
PUBLIC_STATUS: dict[str, ContactRequestStatus] = {
    RequestStatus.NEW: ContactRequestStatus.NEW,
    RequestStatus.IN_PROGRESS: ContactRequestStatus.CONTACTED,
    RequestStatus.CONVERTED: ContactRequestStatus.CLOSED,
    RequestStatus.CLOSED: ContactRequestStatus.CLOSED,
}


def access_requests_for_membership(membership: Membership | None) -> QuerySet[ContactRequest]:
    """The requests of the member's CCAS, for a référent or an agent; nothing for anyone else."""
    if membership is None or not membership.active or membership.role not in INBOX_ROLES:
        return ContactRequest.objects.none()
    return ContactRequest.objects.filter(organisation_id=membership.organisation_id)


def request_state(contact_request: ContactRequest) -> RequestStatus:
    """Where the request stands: its own status, and the dossier its handling turned it into."""
    handling: RequestHandling | None = getattr(contact_request, "handling", None)
    return models_request_state(
        contact_request.status,
        converted=handling is not None and handling.dossier_id is not None,
    )


def _state_filter(state: str) -> Q | None:
    if state == OPEN_FILTER:
        return Q(status__in=[ContactRequestStatus.NEW, ContactRequestStatus.CONTACTED])
    if state == RequestStatus.NEW:
        return Q(status=ContactRequestStatus.NEW)
    if state == RequestStatus.IN_PROGRESS:
        return Q(status=ContactRequestStatus.CONTACTED)
    if state == RequestStatus.CONVERTED:
        return Q(status=ContactRequestStatus.CLOSED, handling__dossier__isnull=False)
    if state == RequestStatus.CLOSED:
        return Q(status=ContactRequestStatus.CLOSED) & ~Q(handling__dossier__isnull=False)
    return None


def state_filters() -> list[tuple[str, str]]:
    """The inbox's filters: value in the URL (``?etat=``) and label."""
    return [
        (OPEN_FILTER, "À traiter"),
        *((s.value, str(s.label).capitalize()) for s in RequestStatus),
    ]


def inbox(membership: Membership | None, *, state: str = "") -> QuerySet[ContactRequest]:
    """The member's inbox, most urgent first: new requests, then those being handled, then the
    handled ones; within each, the oldest first. `state`: one of `state_filters()`, or "" for
    every request."""
    requests = access_requests_for_membership(membership)
    condition = _state_filter(state)
    if condition is not None:
        requests = requests.filter(condition)
    return (
        requests.select_related("handled_by", "handling")
        # The expression of the index contact_request_urgency: a page read from the index.
        .annotate(urgency=request_urgency())
        .order_by("urgency", "created_at", "id")
    )


def open_requests(membership: Membership | None) -> QuerySet[ContactRequest]:
    """The requests still to answer (new or being handled), oldest first: a work queue."""
    return inbox(membership, state=OPEN_FILTER)


@dataclass(frozen=True)
class InboxRow:
    request: ContactRequest
    state: RequestStatus
    purpose_label: str

    @property
    def state_label(self) -> str:
        return str(self.state.label)


def purpose_labels(membership: Membership | None, today: date) -> dict[str, str]:
    """The labels of the project categories of the CCAS's scheme in force (code → label)."""
    programme = access_programmes_for_membership(membership).order_by("id").first()
    if programme is None:
        return {}
    version = version_in_force(programme, today)
    if version is None:
        return {}
    return {purpose["code"]: purpose["label"] for purpose in version.purposes}


def inbox_page(
    membership: Membership | None, *, state: str, page_number: Any, today: date
) -> Page[InboxRow]:
    """One page of the inbox (PAGE_SIZE requests), as rows with their state and project label.
    A fixed number of queries whatever the number of requests."""
    page: Page[Any] = Paginator(inbox(membership, state=state), PAGE_SIZE).get_page(page_number)
    labels = purpose_labels(membership, today)
    page.object_list = [
        InboxRow(
            request=r,
            state=request_state(r),
            purpose_label=labels.get(r.purpose_code, r.purpose_code),
        )
        for r in page.object_list
    ]
    return page


def inbox_counts(membership: Membership | None) -> dict[str, int]:
    """How many requests in each state (and « à traiter »), in one query."""
    counts = {state.value: 0 for state in RequestStatus}
    rows = (
        access_requests_for_membership(membership)
        .annotate(
            converted=Case(
                When(handling__dossier__isnull=False, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .values("status", "converted")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        state = models_request_state(row["status"], converted=row["converted"])
        counts[state] += row["n"]
    counts[OPEN_FILTER] = sum(counts[s] for s in OPEN_STATES)
    return counts


def request_for_membership_or_404(
    membership: Membership | None, request_id: int, *, for_update: bool = False
) -> ContactRequest:
    """The request if the member's CCAS received it (référent, agent); 404 otherwise.

    `for_update` locks the request's row (no join: PostgreSQL refuses FOR UPDATE on the
    nullable side of an outer join); the services lock the handling row themselves."""
    requests = access_requests_for_membership(membership)
    if for_update:
        requests = requests.select_for_update()
    else:
        requests = requests.select_related("handling", "handling__handled_by", "handling__dossier")
    contact_request = requests.filter(pk=request_id).first()
    if contact_request is None:
        raise Http404("Demande introuvable.")
    return contact_request
