"""Writes of the Commission Permanente: sessions, their agenda, a decision per dossier and the
closing that freezes the minutes.

Each function is one transaction with its audit row. A decision moves the dossier through
`dossier_transition` (flow "commission") in the same transaction. Once a session is closed,
nothing about it or its agenda changes any more.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from microcredit.accounts.models import Membership, User
from microcredit.commissions.enums import DECISION_TRANSITIONS, CommitteeDecision
from microcredit.commissions.models import AgendaItem, CommissionSession, SessionMember
from microcredit.commissions.pdfs import minutes_pdf
from microcredit.commissions.selectors import (
    MEMBER_ROLES,
    agenda_item_for_user_or_404,
    can_decide,
    can_manage,
    dossiers_ready,
    dossiers_ready_to_lock,
    session_for_user_or_404,
)
from microcredit.core.enums import AuditAction
from microcredit.core.errors import TransitionRefused
from microcredit.core.formatting import format_date
from microcredit.core.services import audit_event_create
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.selectors import dossier_for_user_or_404
from microcredit.dossiers.services import dossier_transition

CLOSED = (
    "La séance est clôturée : son ordre du jour, ses décisions et son procès-verbal ne "
    "changent plus."
)

# What each decision needs beyond the move itself, said the commission's way.
REASON_REQUIRED = {
    CommitteeDecision.ADJOURN: "Indiquez les informations demandées pour réexaminer le dossier.",
    CommitteeDecision.REFUSE: "Indiquez le motif du refus.",
}


def _require_manager(membership: Membership | None, session: CommissionSession | None) -> None:
    if not can_manage(session, membership):
        raise TransitionRefused(
            "Seuls l'agent administratif et le directeur ou la directrice du CCAS organisent "
            "les séances de la commission."
        )


def _require_open(session: CommissionSession) -> None:
    if session.closed_at is not None:
        raise TransitionRefused(CLOSED)


def _require_held(session: CommissionSession, today: datetime.date, after: str) -> None:
    if today < session.date:
        raise TransitionRefused(
            f"La séance n'a pas encore eu lieu ({format_date(session.date)}) : {after}"
        )


def _clean_place(place: str) -> str:
    place = place.strip()
    if not place:
        raise ValidationError({"place": ValidationError("Indiquez le lieu.", code="required")})
    return place


def _check_members(
    organisation_id: int, member_ids: Iterable[int], *, sitting: Iterable[int] = ()
) -> list[int]:
    """The members chosen, sorted. Who already sits on the session stays on it even if their
    membership has ended since; anyone added must be an active member of the commission or
    the active director of the CCAS."""
    ids = sorted(set(member_ids))
    if not ids:
        raise ValidationError(
            {"members": ValidationError("Choisissez au moins un membre.", code="required")}
        )
    added = set(ids) - set(sitting)
    eligible = set(
        Membership.objects.filter(
            organisation_id=organisation_id,
            role__in=MEMBER_ROLES,
            active=True,
            user_id__in=added,
            user__is_active=True,
        ).values_list("user_id", flat=True)
    )
    if added - eligible:
        raise ValidationError(
            {
                "members": ValidationError(
                    "Seuls les membres de la Commission Permanente et le directeur ou la "
                    "directrice du CCAS siègent à une séance.",
                    code="invalid_member",
                )
            }
        )
    return ids


@transaction.atomic
def session_create(
    *,
    actor: User,
    membership: Membership,
    date: datetime.date,
    place: str,
    member_ids: Iterable[int],
) -> CommissionSession:
    """Plan a session of the commission of the actor's CCAS, with the members who sit on it."""
    _require_manager(membership, None)
    organisation_id = membership.organisation_id
    place = _clean_place(place)
    ids = _check_members(organisation_id, member_ids)
    session = CommissionSession.objects.create(
        organisation_id=organisation_id, date=date, place=place, created_by=actor
    )
    SessionMember.objects.bulk_create(SessionMember(session=session, user_id=i) for i in ids)
    audit_event_create(
        actor=actor,
        action=AuditAction.COMMISSION_SESSION_CREATED,
        obj=session,
        new_values={"date": date, "place": place, "members": ids},
    )
    return session


@transaction.atomic
def session_update(
    *,
    actor: User,
    membership: Membership,
    session_id: int,
    date: datetime.date,
    place: str,
    member_ids: Iterable[int],
    present_ids: Iterable[int],
) -> CommissionSession:
    """Change the date, the place, the members and who is present, until the session is closed."""
    session = session_for_user_or_404(actor, membership, session_id, for_update=True)
    _require_manager(membership, session)
    _require_open(session)
    place = _clean_place(place)
    rows = list(SessionMember.objects.filter(session=session))
    ids = _check_members(session.organisation_id, member_ids, sitting=[r.user_id for r in rows])
    present = sorted(set(present_ids))
    if set(present) - set(ids):
        raise ValidationError(
            {
                "present": ValidationError(
                    "Seul un membre de la séance peut y être présent.", code="not_a_member"
                )
            }
        )
    deciders = set(
        AgendaItem.objects.filter(session=session, decided_by__isnull=False).values_list(
            "decided_by_id", flat=True
        )
    )
    if deciders - set(present):
        raise ValidationError(
            {
                "present": ValidationError(
                    "Une personne qui a enregistré une décision de la séance y reste présente.",
                    code="decider_absent",
                )
            },
        )
    old = {
        "date": session.date,
        "place": session.place,
        "members": sorted(r.user_id for r in rows),
        "present": sorted(r.user_id for r in rows if r.present),
    }
    SessionMember.objects.filter(session=session).exclude(user_id__in=ids).delete()
    existing = {r.user_id for r in rows}
    SessionMember.objects.bulk_create(
        SessionMember(session=session, user_id=i) for i in ids if i not in existing
    )
    SessionMember.objects.filter(session=session).update(present=False)
    SessionMember.objects.filter(session=session, user_id__in=present).update(present=True)
    session.date = date
    session.place = place
    session.save(update_fields=["date", "place"])
    new = {"date": date, "place": place, "members": ids, "present": present}
    changed = [k for k in new if new[k] != old[k]]
    if changed:
        audit_event_create(
            actor=actor,
            action=AuditAction.COMMISSION_SESSION_UPDATED,
            obj=session,
            old_values={k: old[k] for k in changed},
            new_values={k: new[k] for k in changed},
        )
    return session


# A session examines at most AGENDA_MAX dossiers: its page shows its whole agenda, and a
# build adds the dossiers ready the longest until the agenda is full (the others wait for the
# next session).
AGENDA_MAX = 100


def _agenda_room(session: CommissionSession) -> int:
    """How many dossiers the session's agenda may still take; refused when it is full."""
    room = AGENDA_MAX - AgendaItem.objects.filter(session=session).count()
    if room <= 0:
        raise ValidationError(
            f"L'ordre du jour de cette séance compte déjà {AGENDA_MAX} dossiers, le maximum : "
            "inscrivez les autres à une autre séance.",
            code="agenda_full",
        )
    return room


def _next_position(session: CommissionSession) -> int:
    last = AgendaItem.objects.filter(session=session).aggregate(last=Max("position"))["last"]
    return (last or 0) + 1


@transaction.atomic
def agenda_build(*, actor: User, membership: Membership, session_id: int) -> list[AgendaItem]:
    """Put on the agenda every dossier ready for the commission that no open session has yet,
    the longest ready first, up to AGENDA_MAX dossiers on the agenda.

    Running it again adds only the dossiers that became ready since; positions follow on."""
    session = session_for_user_or_404(actor, membership, session_id, for_update=True)
    _require_manager(membership, session)
    _require_open(session)
    # Lock the candidates first, then ask which are free in a second query: it sees the agenda
    # items another build committed while this one waited for the locks (PostgreSQL evaluates a
    # locking query's subqueries before it waits).
    candidates = list(
        dossiers_ready_to_lock(session.organisation_id)
        .select_for_update(of=("self",))
        .values_list("pk", flat=True)
    )
    room = _agenda_room(session)
    ready = list(
        dossiers_ready(session.organisation_id, session_id=session.pk)
        .filter(pk__in=candidates)
        .values_list("pk", "number")[:room]
    )
    position = _next_position(session)
    items = [
        AgendaItem(session=session, dossier_id=pk, position=position + k)
        for k, (pk, _number) in enumerate(ready)
    ]
    AgendaItem.objects.bulk_create(items)
    if items:
        audit_event_create(
            actor=actor,
            action=AuditAction.COMMISSION_AGENDA_BUILT,
            obj=session,
            new_values={"added": [number for _pk, number in ready]},
        )
    return items


@transaction.atomic
def agenda_item_add(
    *, actor: User, membership: Membership, session_id: int, dossier_id: int
) -> AgendaItem:
    """Put one dossier ready for the commission on the agenda."""
    session = session_for_user_or_404(actor, membership, session_id, for_update=True)
    _require_manager(membership, session)
    _require_open(session)
    dossier = dossier_for_user_or_404(actor, membership, dossier_id, for_update=True)
    if dossier.organisation_id != session.organisation_id:
        raise ValidationError(
            "Ce dossier n'est pas un dossier du CCAS de la séance.", code="foreign_dossier"
        )
    if dossier.state != DossierState.READY_FOR_COMMITTEE:
        raise ValidationError(
            f"Le dossier {dossier.number} n'est pas prêt pour la commission.", code="not_ready"
        )
    # The dossier's row is locked above: this sees what another agent committed meanwhile.
    if AgendaItem.objects.filter(session=session, dossier=dossier).exists():
        raise ValidationError(
            f"Le dossier {dossier.number} est déjà à l'ordre du jour de cette séance.",
            code="already_on_agenda",
        )
    if AgendaItem.objects.filter(
        dossier=dossier, session__closed_at__isnull=True, decision=""
    ).exists():
        raise ValidationError(
            f"Le dossier {dossier.number} attend déjà une décision à l'ordre du jour d'une "
            "séance ouverte.",
            code="already_on_agenda",
        )
    _agenda_room(session)
    item = AgendaItem.objects.create(
        session=session, dossier=dossier, position=_next_position(session)
    )
    audit_event_create(
        actor=actor,
        action=AuditAction.COMMISSION_AGENDA_ITEM_ADDED,
        obj=session,
        new_values={"dossier": dossier.number, "position": item.position},
    )
    return item


@transaction.atomic
def agenda_item_remove(*, actor: User, membership: Membership, item_id: int) -> str:
    """Take an undecided dossier off the agenda; returns the dossier's number."""
    item = agenda_item_for_user_or_404(actor, membership, item_id, for_update=True)
    session = session_for_user_or_404(actor, membership, item.session_id, for_update=True)
    _require_manager(membership, session)
    _require_open(session)
    if item.decision:
        raise TransitionRefused(
            f"Le dossier {item.dossier.number} a déjà une décision : il reste à l'ordre du jour."
        )
    number = item.dossier.number
    item.delete()
    audit_event_create(
        actor=actor,
        action=AuditAction.COMMISSION_AGENDA_ITEM_REMOVED,
        obj=session,
        old_values={"dossier": number},
    )
    return number


@transaction.atomic
def agenda_item_decide(
    *,
    actor: User,
    membership: Membership,
    item_id: int,
    decision: CommitteeDecision | str,
    reason: str,
    today: datetime.date,
    reorientation_scheme: str = "",
    expected_state: str | None = None,
) -> AgendaItem:
    """Record the commission's decision on a dossier of the agenda and move the dossier.

    Only someone sitting on the open session and marked present there (a commission member or
    the director of the CCAS), from the session's day on (`today`). Transmitting to the bank
    needs the applicant's recorded consent (the workflow checks it).

    Raises:
        Http404: the session is not visible to `actor`.
        TransitionRefused: the session, the role, the state or a precondition forbids it.
        ValidationError: the decision, its reason or the scheme is missing.
    """
    item = agenda_item_for_user_or_404(actor, membership, item_id, for_update=True)
    session = session_for_user_or_404(actor, membership, item.session_id, for_update=True)
    _require_open(session)
    if not can_decide(session, actor, membership):
        raise TransitionRefused(
            "Seuls les membres présents à la séance enregistrent les décisions."
        )
    _require_held(session, today, "les décisions s'enregistrent le jour de la séance ou après.")
    if item.decision:
        raise TransitionRefused(
            f"Une décision est déjà enregistrée pour le dossier {item.dossier.number}."
        )
    if decision not in CommitteeDecision.values:
        raise ValidationError(
            {"decision": ValidationError("Choisissez une décision.", code="invalid_decision")}
        )
    decision = CommitteeDecision(decision)
    reason = reason.strip()
    if decision in REASON_REQUIRED and not reason:
        raise ValidationError(
            {"reason": ValidationError(REASON_REQUIRED[decision], code="reason_required")}
        )
    if decision == CommitteeDecision.REORIENT and not reorientation_scheme:
        raise ValidationError(
            {
                "reorientation_scheme": ValidationError(
                    "Choisissez le dispositif vers lequel la personne est réorientée.",
                    code="scheme_required",
                )
            }
        )
    event = dossier_transition(
        actor=actor,
        membership=membership,
        dossier_id=item.dossier_id,
        transition=DECISION_TRANSITIONS[decision],
        expected_state=expected_state,
        reason=reason,
        reorientation_scheme=reorientation_scheme if decision == CommitteeDecision.REORIENT else "",
        flow="commission",
    )
    item.decision = decision
    item.decision_reason = event.reason
    item.decided_at = event.at
    item.decided_by = actor
    item.event = event
    item.save(update_fields=["decision", "decision_reason", "decided_at", "decided_by", "event"])
    audit_event_create(
        actor=actor,
        action=AuditAction.COMMISSION_DECISION_RECORDED,
        obj=session,
        reason=event.reason,
        new_values={"dossier": item.dossier.number, "decision": str(decision)},
    )
    return item


@transaction.atomic
def session_close(
    *, actor: User, membership: Membership, session_id: int, today: datetime.date
) -> CommissionSession:
    """Close the session once every dossier of its agenda has a decision: the minutes are
    written once, with their SHA-256, and nothing about the session changes any more."""
    session = session_for_user_or_404(actor, membership, session_id, for_update=True)
    _require_manager(membership, session)
    _require_open(session)
    _require_held(session, today, "elle se clôture le jour de la séance ou après.")
    undecided = list(
        AgendaItem.objects.filter(session=session, decision="")
        .order_by("position", "id")
        .values_list("dossier__number", flat=True)
    )
    if undecided:
        raise ValidationError(
            "Ces dossiers de l'ordre du jour n'ont pas encore de décision : "
            + ", ".join(undecided)
            + ".",
            code="undecided",
        )
    content = minutes_pdf(
        session, draft=False, closed_on=today, closed_by=actor.get_full_name() or str(actor)
    )
    digest = hashlib.sha256(content).hexdigest()
    session.closed_at = timezone.now()
    session.closed_by = actor
    session.minutes.save("proces-verbal.pdf", ContentFile(content), save=False)
    session.minutes_sha256 = digest
    session.save(update_fields=["closed_at", "closed_by", "minutes", "minutes_sha256"])
    audit_event_create(
        actor=actor,
        action=AuditAction.COMMISSION_SESSION_CLOSED,
        obj=session,
        new_values={"minutes_sha256": digest},
    )
    return session
