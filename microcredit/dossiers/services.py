"""Writes of dossiers: creation, edits, eligibility, the workflow's moves, sharing.

Each function is one transaction with its audit row; e-mails leave after commit.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, TypedDict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from microcredit.accounts.enums import DOSSIER_STAFF_ROLES, Role
from microcredit.accounts.models import Membership, User
from microcredit.applicants.models import Applicant
from microcredit.core.enums import AuditAction
from microcredit.core.errors import TransitionRefused
from microcredit.core.services import audit_event_create
from microcredit.dossiers import hooks, rules
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import (
    Dossier,
    DossierEvent,
    DossierSequence,
    DossierShare,
    EligibilityCheck,
)
from microcredit.dossiers.selectors import dossier_for_user_or_404, evaluate_eligibility
from microcredit.dossiers.tasks import notify_dossier_event
from microcredit.dossiers.texts import AMOUNT_NOT_POSITIVE
from microcredit.dossiers.workflow import (
    CLOSE,
    EDITABLE_STATES,
    FLOW_PLACES,
    TRANSITIONS_BY_NAME,
    Facts,
    Transition,
    blockers,
)
from microcredit.organisations.models import Organisation
from microcredit.programmes.models import Programme
from microcredit.programmes.selectors import version_in_force

NUMBER_PREFIX = rules.NUMBER_PREFIX


class DossierValues(TypedDict, total=False):
    """What the référent edits while the dossier is being built (never the state or the
    number); an update gives only the fields that change."""

    referent: User | None
    application_date: date
    oriented_by_structure: Organisation | None
    oriented_by_name: str
    purpose_category: str
    purpose_subcategory: str
    project_description: str
    project_cost: Decimal | None
    payee_name: str
    payee_siret: str
    payee_address: str
    quote_reference: str
    quote_date: date | None
    requested_amount: Decimal
    requested_months: int
    requested_deferral_months: int
    requested_deferral_kind: str
    no_ordinary_credit: bool
    no_ordinary_credit_evidence: str


DOSSIER_FIELDS: tuple[str, ...] = tuple(DossierValues.__annotations__)


def _snapshot(dossier: Dossier) -> dict[str, Any]:
    return model_to_dict(dossier, fields=DOSSIER_FIELDS)


def _check_values(dossier: Dossier, values: DossierValues) -> None:
    unknown = set(values) - set(DOSSIER_FIELDS)
    if unknown:
        raise ValueError(f"unknown dossier fields: {sorted(unknown)}")
    for name, value in values.items():
        setattr(dossier, name, value)
    if dossier.requested_amount is not None and dossier.requested_amount <= 0:
        raise ValidationError({"requested_amount": AMOUNT_NOT_POSITIVE})
    if dossier.requested_deferral_months == 0:
        dossier.requested_deferral_kind = "none"
    elif dossier.requested_deferral_kind == "none":
        raise ValidationError(
            {"requested_deferral_kind": "Un différé est demandé : choisissez son type."}
        )
    if dossier.referent_id is not None:
        is_referent = Membership.objects.filter(
            user_id=dossier.referent_id,
            organisation_id=dossier.organisation_id,
            role__in=[Role.REFERENT, Role.DIRECTOR],
            active=True,
        ).exists()
        if not is_referent:
            raise ValidationError({"referent": "Cette personne n'est pas référente du CCAS."})


def _next_number(year: int) -> str:
    """The next number of the year, for the whole platform (unique everywhere)."""
    sequence, _ = DossierSequence.objects.get_or_create(year=year)
    sequence = DossierSequence.objects.select_for_update().get(pk=sequence.pk)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return rules.format_dossier_number(NUMBER_PREFIX, year, sequence.last_number)


def _require_staff(membership: Membership | None, organisation_id: int) -> None:
    if (
        membership is None
        or membership.role not in DOSSIER_STAFF_ROLES
        or membership.organisation_id != organisation_id
    ):
        raise TransitionRefused("Seule l'équipe du CCAS peut modifier ce dossier.")


@transaction.atomic
def dossier_create(
    *,
    actor: User,
    membership: Membership,
    applicant: Applicant,
    programme: Programme,
    values: DossierValues,
) -> Dossier:
    """Open a dossier at the reception step, numbered MC-<year>-<n> (unique on the platform)."""
    _require_staff(membership, applicant.organisation_id)
    if programme.organisation_id != membership.organisation_id:
        raise ValidationError({"programme": "Ce dispositif n'est pas celui de votre organisation."})
    now = timezone.now()
    dossier = Dossier(
        organisation_id=membership.organisation_id,
        programme=programme,
        applicant=applicant,
        state=DossierState.RECEPTION,
        state_changed_at=now,
        created_by=actor,
        number="pending",
    )
    # A référent who opens a dossier without naming one follows it themself.
    if membership.role == Role.REFERENT and values.get("referent") is None:
        values = {**values, "referent": actor}
    _check_values(dossier, values)
    dossier.full_clean(exclude=["number"])
    dossier.number = _next_number(dossier.application_date.year)
    dossier.save()
    event = DossierEvent.objects.create(
        dossier=dossier, actor=actor, transition="open", from_state="", to_state=dossier.state
    )
    audit_event_create(
        actor=actor, action=AuditAction.DOSSIER_CREATED, obj=dossier, new_values=_snapshot(dossier)
    )
    transaction.on_commit(lambda: notify_dossier_event.enqueue(event.pk))
    return dossier


@transaction.atomic
def dossier_update(
    *, actor: User, membership: Membership, dossier_id: int, values: DossierValues
) -> Dossier:
    """Edit the project and the loan asked for, while the dossier is being built."""
    dossier = dossier_for_user_or_404(actor, membership, dossier_id, for_update=True)
    _require_staff(membership, dossier.organisation_id)
    if dossier.state not in EDITABLE_STATES:
        raise TransitionRefused(
            f"Le dossier est « {dossier.get_state_display()} » : il ne se modifie plus."
        )
    old = _snapshot(dossier)
    _check_values(dossier, values)
    dossier.full_clean()
    new = _snapshot(dossier)
    changed = {k for k in new if new[k] != old[k]}
    if not changed:
        return dossier
    # The eligibility read these values: it has to be checked again.
    if changed - {"referent", "oriented_by_structure", "oriented_by_name"}:
        dossier.eligibility = None
    dossier.save()
    audit_event_create(
        actor=actor,
        action=AuditAction.DOSSIER_UPDATED,
        obj=dossier,
        old_values={k: old[k] for k in changed},
        new_values={k: new[k] for k in changed},
    )
    return dossier


@transaction.atomic
def dossier_check_eligibility(
    *, actor: User, membership: Membership, dossier_id: int
) -> EligibilityCheck:
    """Run the eligibility rules against the version in force on the application date."""
    dossier = dossier_for_user_or_404(actor, membership, dossier_id, for_update=True)
    _require_staff(membership, dossier.organisation_id)
    version = version_in_force(dossier.programme, dossier.application_date)
    if version is None:
        raise TransitionRefused(
            "Aucune version des paramètres n'était en vigueur à la date de la demande."
        )
    outcome, criteria = evaluate_eligibility(dossier, version)
    check = EligibilityCheck.objects.create(
        dossier=dossier,
        programme_version=version,
        checked_by=actor,
        outcome=str(outcome),
        criteria=[
            {"key": c.key, "label": c.label, "outcome": str(c.outcome), "reason": c.reason}
            for c in criteria
        ],
    )
    dossier.eligibility = check
    dossier.save(update_fields=["eligibility", "updated_at"])
    audit_event_create(
        actor=actor,
        action=AuditAction.DOSSIER_ELIGIBILITY_CHECKED,
        obj=dossier,
        new_values={"outcome": str(outcome), "version": version.number},
    )
    return check


def _facts(dossier: Dossier, move: Transition) -> Facts:
    version = version_in_force(dossier.programme, dossier.application_date)
    eligibility = dossier.eligibility
    return Facts(
        eligibility_done=eligibility is not None,
        eligibility_ko=eligibility is not None and eligibility.outcome == "ko",
        missing_documents=tuple(hooks.missing_document_labels(dossier, version)),
        consent_recorded=dossier.consent_date is not None
        and hooks.consent_document_exists(dossier),
        has_bank_partner=dossier.programme.bank_partner_id is not None,
        loan_fully_repaid=move.needs_full_repayment and hooks.loan_fully_repaid(dossier),
        closing_blockers=tuple(hooks.closing_blockers(dossier)) if move.name == CLOSE else (),
    )


@transaction.atomic
def dossier_transition(
    *,
    actor: User,
    membership: Membership | None,
    dossier_id: int,
    transition: str,
    expected_state: str | None = None,
    reason: str = "",
    reorientation_scheme: str = "",
    flow: str = "",
) -> DossierEvent:
    """Move a dossier along the table: lock, check, write the event, notify after commit.

    `expected_state` is the state the person saw: when someone else moved the dossier in the
    meantime, the move is refused rather than applied to a state they did not see. A move that
    belongs to a flow (a commission decision, the bank's) is made only by that flow's service,
    which passes `flow` and writes its own records in the same transaction.

    Raises:
        Http404: the dossier is not visible to `actor`.
        TransitionRefused: the table, the state or a precondition forbids the move.
    """
    move = TRANSITIONS_BY_NAME.get(transition)
    if move is None:
        raise TransitionRefused("Action inconnue.")
    dossier = dossier_for_user_or_404(actor, membership, dossier_id, for_update=True)
    dossier = Dossier.objects.select_related("programme", "eligibility").get(pk=dossier.pk)
    current = DossierState(dossier.state)
    if expected_state is not None and expected_state != dossier.state:
        raise TransitionRefused(
            f"Le dossier vient d'être modifié par quelqu'un d'autre : il est maintenant "
            f"« {current.label} ». Rechargez la page pour voir son état."
        )
    role = membership.role if membership is not None else None
    if role is None or role not in move.roles:
        raise TransitionRefused(f"Votre rôle ne permet pas l'action « {move.label} ».")
    if current not in move.sources:
        raise TransitionRefused(
            f"L'action « {move.label} » n'est pas possible pour un dossier « {current.label} »."
        )
    if move.flow != flow:
        place = FLOW_PLACES.get(move.flow, "depuis la page du dossier")
        raise TransitionRefused(f"« {move.label} » s'enregistre {place}.")
    scheme_label = ""
    if move.needs_reorientation_scheme and reorientation_scheme:
        version = version_in_force(dossier.programme, dossier.application_date)
        schemes = {
            s["code"]: s["label"] for s in (version.reorientation_schemes if version else [])
        }
        if reorientation_scheme not in schemes:
            raise TransitionRefused("Ce dispositif de réorientation n'est pas dans les paramètres.")
        scheme_label = schemes[reorientation_scheme]
    problems = blockers(
        move, _facts(dossier, move), reason=reason.strip(), scheme=reorientation_scheme
    )
    if problems:
        raise TransitionRefused(*problems)

    now = timezone.now()
    old_state = dossier.state
    dossier.state = move.target
    dossier.state_changed_at = now
    update = ["state", "state_changed_at", "updated_at"]
    if move.target == DossierState.TRANSMITTED_TO_BANK and dossier.bank_transmitted_at is None:
        dossier.bank_transmitted_at = now
        dossier.bank_id = dossier.programme.bank_partner_id
        update += ["bank_transmitted_at", "bank"]
    if scheme_label:
        dossier.reorientation_scheme = reorientation_scheme
        dossier.reorientation_label = scheme_label
        update += ["reorientation_scheme", "reorientation_label"]
    dossier.save(update_fields=update)
    full_reason = reason.strip()
    if scheme_label:
        full_reason = f"Réorienté vers : {scheme_label}." + (
            f" {full_reason}" if full_reason else ""
        )
    event = DossierEvent.objects.create(
        dossier=dossier,
        actor=actor,
        transition=move.name,
        from_state=old_state,
        to_state=move.target,
        reason=full_reason,
    )
    audit_event_create(
        actor=actor,
        action=AuditAction.for_transition(move.name),
        obj=dossier,
        reason=full_reason,
        old_values={"state": old_state},
        new_values={"state": str(move.target)},
    )
    transaction.on_commit(lambda: notify_dossier_event.enqueue(event.pk))
    hooks.transitioned.send(event)  # the loan's state, the letter (apps above)
    return event


@transaction.atomic
def dossier_share(
    *, actor: User, membership: Membership, dossier_id: int, worker: User
) -> DossierShare:
    """Share a dossier with a social worker of a partner structure who accompanies the person."""
    dossier = dossier_for_user_or_404(actor, membership, dossier_id, for_update=True)
    _require_staff(membership, dossier.organisation_id)
    is_partner_worker = Membership.objects.filter(
        user=worker,
        role=Role.PARTNER_WORKER,
        active=True,
        organisation__partner_of__ccas_id=dossier.organisation_id,
        organisation__partner_of__active=True,
    ).exists()
    if not is_partner_worker:
        raise ValidationError(
            {"worker": "Cette personne n'est pas travailleur social d'une structure partenaire."}
        )
    share, created = DossierShare.objects.get_or_create(
        dossier=dossier, worker=worker, defaults={"shared_by": actor}
    )
    if created:
        audit_event_create(
            actor=actor,
            action=AuditAction.DOSSIER_SHARED,
            obj=dossier,
            new_values={"worker": worker.pk},
        )
    return share


@transaction.atomic
def dossier_unshare(
    *, actor: User, membership: Membership, dossier_id: int, worker_id: int
) -> bool:
    """Stop sharing the dossier with a partner worker; False when it was not shared with them."""
    dossier = dossier_for_user_or_404(actor, membership, dossier_id, for_update=True)
    _require_staff(membership, dossier.organisation_id)
    deleted, _ = DossierShare.objects.filter(dossier=dossier, worker_id=worker_id).delete()
    if deleted:
        audit_event_create(
            actor=actor,
            action=AuditAction.DOSSIER_UNSHARED,
            obj=dossier,
            old_values={"worker": worker_id},
        )
    return deleted > 0


@transaction.atomic
def dossier_consent_record(
    *, actor: User, membership: Membership, dossier_id: int, consent_date: date, today: date
) -> Dossier:
    """Record the date the applicant signed the consent to transmit the dossier to the bank.

    The signed form itself is a document of kind « consent » (uploaded first)."""
    dossier = dossier_for_user_or_404(actor, membership, dossier_id, for_update=True)
    _require_staff(membership, dossier.organisation_id)
    if consent_date > today:
        raise ValidationError({"consent_date": "La date du consentement est dans le futur."})
    if not hooks.consent_document_exists(dossier):
        raise ValidationError(
            {"consent_date": "Déposez d'abord le consentement signé (pièce « consentement »)."}
        )
    old = dossier.consent_date
    dossier.consent_date = consent_date
    dossier.save(update_fields=["consent_date", "updated_at"])
    audit_event_create(
        actor=actor,
        action=AuditAction.DOSSIER_CONSENT_RECORDED,
        obj=dossier,
        old_values={"consent_date": old},
        new_values={"consent_date": consent_date},
    )
    return dossier


# The applicant's fields the eligibility check reads.
ELIGIBILITY_INPUTS = frozenset({"birth_date", "postcode", "commune_code"})


@transaction.atomic
def dossier_eligibility_reset_for_applicant(
    actor: User, applicant: Applicant, changed: frozenset[str]
) -> None:
    """The eligibility read the birth date and the address: when they change, the applicant's
    dossiers still being built must check it again (later ones keep the check their decision
    was based on). Runs inside the applicant's update (plugged into `applicants.hooks`)."""
    if not changed & ELIGIBILITY_INPUTS:
        return
    dossiers = Dossier.objects.filter(
        applicant=applicant, state__in=EDITABLE_STATES, eligibility__isnull=False
    ).select_for_update()
    for dossier in dossiers:
        old = dossier.eligibility_id
        dossier.eligibility = None
        dossier.save(update_fields=["eligibility", "updated_at"])
        audit_event_create(
            actor=actor,
            action=AuditAction.DOSSIER_ELIGIBILITY_RESET,
            obj=dossier,
            reason="Date de naissance ou adresse du demandeur modifiée.",
            old_values={"eligibility": old},
            new_values={"eligibility": None},
        )
