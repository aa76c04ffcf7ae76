"""Writes of the inbox: a référent or an agent takes a request from the public, then turns it
into an applicant and a dossier, or closes it with a reason.

Each step is one transaction with its audit row, under a lock on the request: a converted or
closed request is final, and a second submission of the same step changes nothing (a double
click on « Transformer en dossier » creates no second dossier). The inbox state is stored once:
the request's own status (followup.selectors.requests.PUBLIC_STATUS), the handling's dossier
telling a converted request from a closed one (followup.models.request_state).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from microcredit.accounts.models import Membership, User
from microcredit.applicants.models import Applicant
from microcredit.applicants.selectors import access_applicants_for_membership
from microcredit.applicants.services import ApplicantValues, applicant_create
from microcredit.core.enums import AuditAction
from microcredit.core.errors import Refused
from microcredit.core.services import audit_event_create
from microcredit.dossiers.services import DossierValues, dossier_create
from microcredit.followup.enums import RequestStatus
from microcredit.followup.models import RequestHandling
from microcredit.followup.selectors.requests import (
    PUBLIC_STATUS,
    request_for_membership_or_404,
)
from microcredit.programmes.selectors import access_programmes_for_membership, version_in_force
from microcredit.simulator.models import ContactRequest

REASON_REQUIRED = "Indiquez le motif de clôture : il reste dans l'historique de la demande."


class RequestAlreadyConverted(Refused):
    """The request is already a dossier (a repeated conversion): `dossier_id` names it."""

    def __init__(self, dossier_id: int, number: str) -> None:
        super().__init__(f"Cette demande est déjà transformée en dossier ({number}).")
        self.dossier_id = dossier_id


def _locked(membership: Membership, request_id: int) -> tuple[ContactRequest, RequestHandling]:
    """The request (locked) and its handling (locked, created « new » if it has none yet)."""
    contact_request = request_for_membership_or_404(membership, request_id, for_update=True)
    # Lock the handling row only: its dossier is a nullable (outer) join, which PostgreSQL
    # refuses to lock.
    handling = (
        RequestHandling.objects.select_for_update(of=("self",))
        .select_related("dossier")
        .filter(request=contact_request)
        .first()
    )
    if handling is None:
        # New; or handled in the admin before the inbox existed (its status and handler).
        handling = RequestHandling(
            request=contact_request, handled_by_id=contact_request.handled_by_id
        )
    else:
        handling.request = contact_request  # its state is read from this (locked) row
    return contact_request, handling


def _refuse_final(handling: RequestHandling) -> None:
    if handling.status == RequestStatus.CONVERTED and handling.dossier is not None:
        raise RequestAlreadyConverted(handling.dossier.pk, handling.dossier.number)
    if handling.status == RequestStatus.CLOSED:
        raise Refused("Cette demande est close : elle ne change plus.")


def _move(
    *,
    actor: User,
    contact_request: ContactRequest,
    handling: RequestHandling,
    status: RequestStatus,
    action: AuditAction,
    reason: str = "",
) -> RequestHandling:
    """Record the handling's new state, the request's status in step, and the audit row."""
    old = {"state": handling.status, "status": contact_request.status}
    contact_request.status = PUBLIC_STATUS[status]
    contact_request.handled_by = actor
    contact_request.save(update_fields=["status", "handled_by"])
    handling.handled_by = actor
    handling.full_clean()
    handling.save()
    new: dict[str, object] = {"state": handling.status, "status": contact_request.status}
    if handling.dossier_id is not None:
        new["dossier"] = handling.dossier_id
    audit_event_create(
        actor=actor,
        action=action,
        obj=contact_request,
        reason=reason,
        old_values=old,
        new_values=new,
    )
    return handling


@transaction.atomic
def request_take(*, actor: User, membership: Membership, request_id: int) -> RequestHandling:
    """« Je la prends »: the request, new, is now being handled by `actor`.

    Raises:
        Http404: not a request of the member's CCAS (or not a référent or an agent).
        Refused: someone else already handles it, or it is converted or closed.
    """
    contact_request, handling = _locked(membership, request_id)
    _refuse_final(handling)
    if handling.status == RequestStatus.IN_PROGRESS:
        if handling.handled_by_id == actor.pk:
            return handling  # a second click changes nothing
        who = handling.handled_by.get_full_name() if handling.handled_by else ""
        raise Refused(
            f"Cette demande est déjà prise en charge{f' par {who}' if who else ''}.",
        )
    return _move(
        actor=actor,
        contact_request=contact_request,
        handling=handling,
        status=RequestStatus.IN_PROGRESS,
        action=AuditAction.FOLLOWUP_REQUEST_TAKEN,
    )


@transaction.atomic
def request_convert(
    *,
    actor: User,
    membership: Membership,
    request_id: int,
    applicant_values: ApplicantValues,
    dossier_values: DossierValues,
    existing_applicant_id: int | None = None,
    notifications_consent: bool = False,
) -> RequestHandling:
    """Turn a request being handled into an applicant and a dossier of the CCAS's scheme, through
    the applicants' and the dossiers' own services (their checks, their audit rows). With
    `existing_applicant_id` (the person is already known to the CCAS), the dossier is that
    applicant's and `applicant_values` and `notifications_consent` are not used. A new applicant
    who agrees to be notified by e-mail (`notifications_consent`) has that consent dated now.
    The request is then final.

    Raises:
        Http404: not a request of the member's CCAS (or not a référent or an agent).
        RequestAlreadyConverted: it already is a dossier (a repeated submission): nothing
            is created, the error names the dossier.
        Refused: the request is new (take it first) or closed; no scheme in force.
        ValidationError: the applicant's or the dossier's data refused, by field.
    """
    contact_request, handling = _locked(membership, request_id)
    _refuse_final(handling)
    if handling.status != RequestStatus.IN_PROGRESS:
        raise Refused("Prenez d'abord la demande en charge (« Je la prends »).")
    programme = access_programmes_for_membership(membership).order_by("id").first()
    if programme is None or version_in_force(programme, timezone.localdate()) is None:
        raise Refused("Aucun dispositif n'est en vigueur pour votre CCAS : le dossier attendra.")
    applicant: Applicant | None
    if existing_applicant_id is not None:
        applicant = (
            access_applicants_for_membership(membership).filter(pk=existing_applicant_id).first()
        )
        if applicant is None:
            raise Refused("Ce demandeur est introuvable dans votre CCAS.")
    else:
        applicant = applicant_create(
            actor=actor,
            membership=membership,
            values=applicant_values,
            notifications_consent=notifications_consent,
        )
    dossier = dossier_create(
        actor=actor,
        membership=membership,
        applicant=applicant,
        programme=programme,
        values=dossier_values,
    )
    handling.dossier = dossier
    return _move(
        actor=actor,
        contact_request=contact_request,
        handling=handling,
        status=RequestStatus.CONVERTED,
        action=AuditAction.FOLLOWUP_REQUEST_CONVERTED,
    )


@transaction.atomic
def request_close(
    *, actor: User, membership: Membership, request_id: int, reason: str
) -> RequestHandling:
    """Close a request, new or being handled, with its reason (required); it is then final.

    Raises:
        Http404: not a request of the member's CCAS (or not a référent or an agent).
        ValidationError: no reason (field ``reason``).
        Refused: the request is already converted or closed.
    """
    reason = reason.strip()
    contact_request, handling = _locked(membership, request_id)
    _refuse_final(handling)
    if not reason:
        raise ValidationError({"reason": REASON_REQUIRED})
    handling.closed_reason = reason
    return _move(
        actor=actor,
        contact_request=contact_request,
        handling=handling,
        status=RequestStatus.CLOSED,
        action=AuditAction.FOLLOWUP_REQUEST_CLOSED,
        reason=reason,
    )
