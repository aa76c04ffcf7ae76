"""Writes of the bank partner's API: API tokens of the bank advisers, the access log of answers."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership, User
from microcredit.api.models import ApiToken
from microcredit.api.selectors import TOKEN_PREFIX, token_hash
from microcredit.core.enums import AuditAction
from microcredit.core.services import audit_event_create

# At most this many tokens in use per adviser and bank (one per integration, plus a spare).
MAX_ACTIVE_TOKENS = 10
LABEL_MAX_LENGTH = 100
# The last use is written at most once per this interval (one UPDATE, not one per call): a
# batch of calls would otherwise write the token's row on each call, serialising them on that
# row's lock (and on SQLite's single writer); to the minute is what the adviser needs to see.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _check_adviser(actor: User, membership: Membership | None) -> Membership:
    if (
        membership is None
        or not membership.active
        or membership.user_id != actor.pk
        or membership.role != Role.BANK_ADVISER
    ):
        raise PermissionDenied("Seul un conseiller du partenaire bancaire a des jetons d'API.")
    return membership


@transaction.atomic
def api_token_create(
    *, actor: User, membership: Membership | None, label: str
) -> tuple[ApiToken, str]:
    """A new token for the adviser at their bank; the clear token is returned once, never stored.

    Raises:
        PermissionDenied: the actor is not an active bank adviser.
        ValidationError: empty or too long label, too many tokens in use.
    """
    adviser = _check_adviser(actor, membership)
    label = " ".join(label.split())
    if not label:
        raise ValidationError(
            {"label": ValidationError("Donnez un libellé au jeton.", code="required")}
        )
    if len(label) > LABEL_MAX_LENGTH:
        raise ValidationError(
            {
                "label": ValidationError(
                    f"Le libellé compte au plus {LABEL_MAX_LENGTH} caractères.", code="max_length"
                )
            }
        )
    in_use = ApiToken.objects.filter(
        user=actor, bank_id=adviser.organisation_id, revoked_at__isnull=True
    ).count()
    if in_use >= MAX_ACTIVE_TOKENS:
        raise ValidationError(
            f"Vous avez déjà {MAX_ACTIVE_TOKENS} jetons en service : révoquez-en un d'abord.",
            code="too_many_tokens",
        )
    clear = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=actor,
        bank_id=adviser.organisation_id,
        label=label,
        prefix=clear[:12],
        key_hash=token_hash(clear),
        expires_at=timezone.now() + timedelta(days=settings.MICROCREDIT_API_TOKEN_LIFETIME_DAYS),
    )
    audit_event_create(
        actor=actor,
        action=AuditAction.API_TOKEN_CREATE,
        obj=token,
        new_values={
            "label": label,
            "prefix": token.prefix,
            "bank": adviser.organisation_id,
            "expires_at": token.expires_at,
        },
    )
    return token, clear


@transaction.atomic
def api_token_revoke(*, actor: User, membership: Membership | None, token_id: int) -> ApiToken:
    """Revoke one of the adviser's own tokens (calls with it answer 401 from now on).

    Revoking a revoked token changes nothing.

    Raises:
        PermissionDenied: the actor is not an active bank adviser.
        Http404: not one of the actor's tokens at their bank.
    """
    adviser = _check_adviser(actor, membership)
    token = (
        ApiToken.objects.select_for_update()
        .filter(pk=token_id, user=actor, bank_id=adviser.organisation_id)
        .first()
    )
    if token is None:
        raise Http404("Jeton introuvable.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_event_create(
            actor=actor,
            action=AuditAction.API_TOKEN_REVOKE,
            obj=token,
            new_values={"revoked_at": token.revoked_at},
        )
    return token


def api_token_mark_used(*, token: ApiToken) -> None:
    """Record that the token was just used; one conditional UPDATE at most once a minute."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
    ).update(last_used_at=now)
    token.last_used_at = now
