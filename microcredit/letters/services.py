"""Writes of letters: an organisation's own texts for each kind of letter.

The letters themselves are written by the task after each decision (letters.tasks); here, the
director sets the words around their fixed part. Texts are plain: never evaluated as a template,
always escaped when shown.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.forms.models import model_to_dict

from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership, User
from microcredit.core.enums import AuditAction
from microcredit.core.services import audit_event_create
from microcredit.letters.enums import LetterKind
from microcredit.letters.models import LetterTemplate

TEXT_FIELDS = ("subject", "introduction", "conclusion", "signatory")
MAX_LENGTHS = {"subject": 200, "introduction": 4000, "conclusion": 4000, "signatory": 200}


def _require_director(actor: User, membership: Membership | None) -> Membership:
    if (
        membership is None
        or not membership.active
        or membership.user_id != actor.pk
        or membership.role != Role.DIRECTOR
    ):
        raise PermissionDenied("Seule la direction du CCAS modifie les modèles de courrier.")
    return membership


def _check_kind(kind: str) -> None:
    if kind not in LetterKind.values:
        raise ValidationError(
            {"kind": ValidationError("Ce type de courrier n'existe pas.", code="unknown_kind")}
        )


@transaction.atomic
def letter_template_save(
    *,
    actor: User,
    membership: Membership | None,
    kind: str,
    subject: str,
    introduction: str,
    conclusion: str,
    signatory: str,
) -> LetterTemplate:
    """Set the organisation's texts for `kind` (director only); they replace the defaults.

    Raises:
        PermissionDenied: the actor is not the organisation's director.
        ValidationError: unknown kind, a text empty or too long (keyed by field).
    """
    membership = _require_director(actor, membership)
    _check_kind(kind)
    values = {
        "subject": " ".join(subject.split()),
        "introduction": introduction.strip().replace("\r\n", "\n"),
        "conclusion": conclusion.strip().replace("\r\n", "\n"),
        "signatory": " ".join(signatory.split()),
    }
    errors: dict[str, ValidationError] = {}
    for field, value in values.items():
        if not value:
            errors[field] = ValidationError("Ce texte ne peut pas être vide.", code="required")
        elif len(value) > MAX_LENGTHS[field]:
            errors[field] = ValidationError(
                f"Ce texte est trop long ({len(value)} caractères, {MAX_LENGTHS[field]} au plus).",
                code="too_long",
            )
    if errors:
        raise ValidationError(errors)
    template = (
        LetterTemplate.objects.select_for_update()
        .filter(organisation_id=membership.organisation_id, kind=kind)
        .first()
    )
    old_values = model_to_dict(template, fields=TEXT_FIELDS) if template else {}
    if template is None:
        template = LetterTemplate(organisation_id=membership.organisation_id, kind=kind)
    for field, value in values.items():
        setattr(template, field, value)
    template.save()
    audit_event_create(
        actor=actor,
        action=AuditAction.LETTER_TEMPLATE_SAVED,
        obj=template,
        old_values=old_values,
        new_values=values,
    )
    return template


@transaction.atomic
def letter_template_reset(*, actor: User, membership: Membership | None, kind: str) -> bool:
    """Go back to the default texts for `kind` (director only); False when already there."""
    membership = _require_director(actor, membership)
    _check_kind(kind)
    template = (
        LetterTemplate.objects.select_for_update()
        .filter(organisation_id=membership.organisation_id, kind=kind)
        .first()
    )
    if template is None:
        return False
    audit_event_create(
        actor=actor,
        action=AuditAction.LETTER_TEMPLATE_RESET,
        obj=template,
        old_values=model_to_dict(template, fields=TEXT_FIELDS),
    )
    template.delete()
    return True
