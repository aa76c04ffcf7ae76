"""Writes about applicants and their households: one transaction and one audit row each."""

from __future__ import annotations

from datetime import date
from typing import TypedDict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from microcredit.accounts.models import Membership, User
from microcredit.applicants import hooks
from microcredit.applicants.models import Applicant, HouseholdMember
from microcredit.applicants.rules import search_name
from microcredit.core.enums import AuditAction
from microcredit.core.services import audit_event_create
from microcredit.programmes.communes import communes


class ApplicantValues(TypedDict, total=False):
    """What the staff records about a person (the applicant form's fields); an update gives
    only the fields that change."""

    last_name: str
    first_name: str
    birth_date: date
    email: str
    phone: str
    address: str
    postcode: str
    commune_code: str
    family_situation: str
    activity: str
    housing_status: str


APPLICANT_FIELDS: tuple[str, ...] = tuple(ApplicantValues.__annotations__)
# What the audit rows of an applicant record: the form's fields and the dated consent.
AUDITED_FIELDS: tuple[str, ...] = (*APPLICANT_FIELDS, "notifications_consent_at")

CONSENT_WITHOUT_EMAIL = (
    "Sans adresse e-mail, la personne ne peut pas être prévenue par e-mail : indiquez son "
    "adresse e-mail, ou décochez son accord."
)


def _fill(applicant: Applicant, values: ApplicantValues) -> None:
    unknown = set(values) - set(APPLICANT_FIELDS)
    if unknown:
        raise ValueError(f"unknown applicant fields: {sorted(unknown)}")
    for name, value in values.items():
        setattr(applicant, name, value)
    applicant.last_name = applicant.last_name.strip()
    applicant.first_name = applicant.first_name.strip()
    applicant.commune_code = applicant.commune_code.strip().upper()
    commune_name = communes().get(applicant.commune_code)
    if commune_name is None:
        raise ValidationError({"commune_code": "Ce code commune INSEE est inconnu."})
    applicant.commune_name = commune_name
    applicant.search_name = search_name(applicant.last_name, applicant.first_name)


def _consent(applicant: Applicant, consent: bool | None) -> None:
    """Record the consent to e-mail notifications with its date (kept when it is confirmed
    again), clear it when withdrawn (False); None leaves it as it is. A consent never stands
    without an e-mail address.

    Raises:
        ValidationError: a consent and no e-mail address (keyed `notifications_consent`).
    """
    if consent is True and applicant.notifications_consent_at is None:
        applicant.notifications_consent_at = timezone.now()
    elif consent is False:
        applicant.notifications_consent_at = None
    if applicant.notifications_consent_at is not None and not applicant.email.strip():
        raise ValidationError({"notifications_consent": CONSENT_WITHOUT_EMAIL})


@transaction.atomic
def applicant_create(
    *,
    actor: User,
    membership: Membership,
    values: ApplicantValues,
    notifications_consent: bool | None = None,
) -> Applicant:
    """Record a person; `notifications_consent`: they agree to be notified by e-mail (dated now).

    Raises:
        ValidationError: a field refused, or a consent without an e-mail address (by field).
    """
    applicant = Applicant(organisation_id=membership.organisation_id, created_by=actor)
    _fill(applicant, values)
    _consent(applicant, notifications_consent)
    applicant.full_clean()
    applicant.save()
    audit_event_create(
        actor=actor,
        action=AuditAction.APPLICANT_CREATED,
        obj=applicant,
        new_values=model_to_dict(applicant, fields=AUDITED_FIELDS),
    )
    return applicant


@transaction.atomic
def applicant_update(
    *,
    actor: User,
    applicant: Applicant,
    values: ApplicantValues,
    notifications_consent: bool | None = None,
) -> Applicant:
    """Change a person's fields; `notifications_consent`: True records the consent to e-mail
    notifications (dated now, or kept with its first date), False withdraws it, None leaves it.
    One audit row with what changed (the consent's date included).

    Raises:
        ValidationError: a field refused, or a consent without an e-mail address (by field).
    """
    locked = Applicant.objects.select_for_update().get(pk=applicant.pk)
    old = model_to_dict(locked, fields=AUDITED_FIELDS)
    _fill(locked, values)
    _consent(locked, notifications_consent)
    locked.full_clean()
    locked.save()
    new = model_to_dict(locked, fields=AUDITED_FIELDS)
    changed = {k for k in new if new[k] != old[k]}
    if not changed:
        return locked
    audit_event_create(
        actor=actor,
        action=AuditAction.APPLICANT_UPDATED,
        obj=locked,
        old_values={k: old[k] for k in changed},
        new_values={k: new[k] for k in changed},
    )
    hooks.applicant_changed.send(actor, locked, frozenset(changed))
    return locked


@transaction.atomic
def household_member_add(
    *, actor: User, applicant: Applicant, first_name: str, birth_date: date, relationship: str
) -> HouseholdMember:
    member = HouseholdMember(
        applicant=applicant,
        first_name=first_name.strip(),
        birth_date=birth_date,
        relationship=relationship,
    )
    member.full_clean()
    member.save()
    audit_event_create(
        actor=actor,
        action=AuditAction.HOUSEHOLD_MEMBER_ADDED,
        obj=applicant,
        new_values={
            "member": member.pk,
            "first_name": member.first_name,
            "birth_date": birth_date,
            "relationship": relationship,
        },
    )
    return member


@transaction.atomic
def household_member_remove(*, actor: User, member: HouseholdMember) -> None:
    applicant = member.applicant
    audit_event_create(
        actor=actor,
        action=AuditAction.HOUSEHOLD_MEMBER_REMOVED,
        obj=applicant,
        old_values={
            "member": member.pk,
            "first_name": member.first_name,
            "birth_date": member.birth_date,
            "relationship": member.relationship,
        },
    )
    member.delete()
