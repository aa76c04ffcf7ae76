"""Writes shared by every app: the audit trail."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

from microcredit.core.models import AccessLog, AuditEvent

if TYPE_CHECKING:
    from microcredit.accounts.models import User


def audit_event_create(
    *,
    actor: User | None,
    action: str,
    obj: models.Model,
    reason: str = "",
    old_values: dict[str, Any] | None = None,
    new_values: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit row; call it inside the service's transaction."""
    return AuditEvent.objects.create(
        actor=actor,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        reason=reason,
        old_values=old_values or {},
        new_values=new_values or {},
    )


def access_log_create(
    *, user: User, action: str, obj: models.Model | None = None, detail: str = ""
) -> AccessLog:
    """Record that `user` read a person's data (a page, a download, a list or a search)."""
    return AccessLog.objects.create(
        user=user,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        detail=detail[:200],
    )
