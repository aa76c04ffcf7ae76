"""Writes of scheme parameters: a change is a new dated version; older ones stay as they were."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import model_to_dict

from microcredit.accounts.models import User
from microcredit.core.enums import AuditAction
from microcredit.core.formatting import format_date
from microcredit.core.services import audit_event_create
from microcredit.programmes.models import Programme, ProgrammeVersion
from microcredit.programmes.rules import ParameterValues, check_parameters

# The parameter fields of a version (everything but identity and bookkeeping).
PARAMETER_FIELDS: tuple[str, ...] = tuple(
    f.name
    for f in ProgrammeVersion._meta.concrete_fields
    if f.name
    not in {"id", "programme", "number", "valid_from", "created_at", "created_by", "reason"}
)


@transaction.atomic
def programme_version_create(
    *,
    actor: User,
    programme: Programme,
    valid_from: date,
    reason: str,
    values: ParameterValues,
    today: date,
) -> ProgrammeVersion:
    """Record parameters in force from `valid_from` (today or later, after the latest version)."""
    locked = Programme.objects.select_for_update().get(pk=programme.pk)
    previous = ProgrammeVersion.objects.filter(programme=locked).order_by("-valid_from").first()
    if valid_from < today:
        raise ValidationError(
            {"valid_from": "Une nouvelle version prend effet aujourd'hui ou à une date future."}
        )
    if previous is not None and valid_from <= previous.valid_from:
        raise ValidationError(
            {
                "valid_from": "La date d'effet doit être postérieure à celle de la version en "
                f"vigueur ({format_date(previous.valid_from)})."
            }
        )
    unknown = set(values) - set(PARAMETER_FIELDS)
    if unknown:
        raise ValueError(f"unknown parameter fields: {sorted(unknown)}")
    check = check_parameters(values)
    if not check.ok:
        raise ValidationError(check.errors)
    version = ProgrammeVersion(
        programme=locked,
        number=(previous.number + 1) if previous else 1,
        valid_from=valid_from,
        created_by=actor,
        reason=reason,
        **values,
    )
    version.full_clean()
    version.save()
    audit_event_create(
        actor=actor,
        action=AuditAction.PROGRAMME_VERSION_CREATED,
        obj=version,
        reason=reason,
        old_values=model_to_dict(previous, fields=PARAMETER_FIELDS) if previous else {},
        new_values=model_to_dict(version, fields=PARAMETER_FIELDS),
    )
    return version
