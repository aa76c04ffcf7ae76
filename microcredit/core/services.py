"""Writes shared by every app: the audit trail and the access log.

Both record the API token the running request came through (`core.context`, #18), if any."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import models

from microcredit.core.context import current_api_token_id
from microcredit.core.enums import AccessAction, AuditAction
from microcredit.core.models import AccessLog, AuditEvent

if TYPE_CHECKING:
    # Any user model (the accounts app sits above core): the rows keep its key.
    from django.contrib.auth.models import AbstractBaseUser as User


def _json_value(value: Any) -> Any:
    """Audit values as JSON: dates in ISO form, amounts as exact strings, objects by their key."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    return value


def audit_event_create(
    *,
    actor: User | None,
    action: AuditAction,
    obj: models.Model,
    reason: str = "",
    old_values: dict[str, Any] | None = None,
    new_values: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit row; call it inside the service's transaction.

    `old_values` / `new_values` may hold dates, Decimals and model instances: they are stored as
    JSON here, once for every service. The API token acting, if any, is recorded (#18)."""
    return AuditEvent.objects.create(
        actor_id=actor.pk if actor is not None else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        reason=reason,
        old_values=_json_value(old_values or {}),
        new_values=_json_value(new_values or {}),
        api_token_id=current_api_token_id(),
    )


def _access_log(
    user: User, action: AccessAction, obj: models.Model | None, detail: str
) -> AccessLog:
    return AccessLog(
        user_id=user.pk,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        detail=detail[:200],
        api_token_id=current_api_token_id(),
    )


def access_log_create(
    *, user: User, action: AccessAction, obj: models.Model | None = None, detail: str = ""
) -> AccessLog:
    """Record that `user` read a person's data (a page, a download, a list or a search)."""
    log = _access_log(user, action, obj, detail)
    log.save()
    return log


def access_logs_create(
    *, user: User, action: AccessAction, objs: Iterable[models.Model], detail: str = ""
) -> None:
    """One access-log row per object an answer shows (a list of dossiers), written together:
    one INSERT on PostgreSQL whatever their number (SQLite splits above 999 parameters)."""
    AccessLog.objects.bulk_create(_access_log(user, action, obj, detail) for obj in objs)
