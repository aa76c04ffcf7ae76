"""Writes of the bank partner's API: API tokens (an adviser's own, or a bank's service account's,
with their scopes and expiry), the bank's service accounts, the last use of a token.

A bank's service account (#18) is a user with `is_service_account`, an unusable password (it
never logs in: `User.check_password`) and an active bank-adviser membership at the bank. Its
tokens belong to the bank: they keep working when the administrator adviser who created them
leaves. Only an active bank adviser whose membership has `bank_admin` manages them.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership, User
from microcredit.api.enums import Scope
from microcredit.api.models import ApiToken
from microcredit.api.selectors import (
    SERVICE_ACCOUNT_NAME,
    TOKEN_PREFIX,
    service_account_label,
    token_hash,
)
from microcredit.core.enums import AuditAction
from microcredit.core.services import audit_event_create

# At most this many tokens in use per adviser and bank (one per integration, plus a spare).
MAX_ACTIVE_TOKENS = 10
LABEL_MAX_LENGTH = 100
# The last use is written at most once per this interval (one UPDATE, not one per call): a
# batch of calls would otherwise write the token's row on each call, serialising them on that
# row's lock (and on SQLite's single writer); to the minute is what the adviser needs to see.
LAST_USED_RESOLUTION = timedelta(minutes=1)
# At most this many active service accounts per bank (one per integration, plus spares).
MAX_SERVICE_ACCOUNTS = 20


def _check_adviser(actor: User, membership: Membership | None) -> Membership:
    if (
        membership is None
        or not membership.active
        or membership.user_id != actor.pk
        or membership.role != Role.BANK_ADVISER
    ):
        raise PermissionDenied("Seul un conseiller du partenaire bancaire a des jetons d'API.")
    return membership


def _check_bank_admin(actor: User, membership: Membership | None) -> Membership:
    adviser = _check_adviser(actor, membership)
    if not adviser.bank_admin or actor.is_service_account:
        raise PermissionDenied(
            "Seul un conseiller administrateur de la banque gère ses comptes de service."
        )
    return adviser


def _clean_label(label: str, field: str = "label") -> str:
    label = " ".join(label.split())
    if not label:
        raise ValidationError({field: ValidationError("Donnez un libellé.", code="required")})
    if len(label) > LABEL_MAX_LENGTH:
        raise ValidationError(
            {
                field: ValidationError(
                    f"Le libellé compte au plus {LABEL_MAX_LENGTH} caractères.", code="max_length"
                )
            }
        )
    return label


def clean_scopes(scopes: Iterable[str] | None) -> list[str]:
    """The token's scopes in the catalogue's order; `read` always included; None: all of them.

    Raises:
        ValidationError: an unknown scope.
    """
    if scopes is None:
        return Scope.all_values()
    wanted = set(scopes)
    unknown = wanted - set(Scope.values)
    if unknown:
        raise ValidationError(
            {
                "scopes": ValidationError(
                    "Droit inconnu : " + ", ".join(sorted(unknown)) + ".", code="invalid_choice"
                )
            }
        )
    wanted.add(Scope.READ)
    return [s for s in Scope.all_values() if s in wanted]


def _expiry_days(days: int | None) -> int:
    lifetime = int(settings.MICROCREDIT_API_TOKEN_LIFETIME_DAYS)
    if days is None:
        return lifetime
    if not 1 <= days <= lifetime:
        raise ValidationError(
            {
                "days": ValidationError(
                    f"La durée de validité va de 1 à {lifetime} jours.", code="out_of_range"
                )
            }
        )
    return days


def api_token_issue(
    *,
    actor: User | None,
    holder: User,
    bank_id: int,
    label: str,
    scopes: Iterable[str] | None,
    days: int | None,
) -> tuple[ApiToken, str]:
    """Create `holder`'s token at the bank (checks done by the caller, inside its transaction)."""
    label = _clean_label(label)
    scope_values = clean_scopes(scopes)
    lifetime = _expiry_days(days)
    in_use = (
        ApiToken.objects.select_for_update()
        .filter(user=holder, bank_id=bank_id, revoked_at__isnull=True)
        .filter(expires_at__gt=timezone.now())
        .count()
    )
    if in_use >= MAX_ACTIVE_TOKENS:
        raise ValidationError(
            f"Ce compte a déjà {MAX_ACTIVE_TOKENS} jetons en service : révoquez-en un d'abord.",
            code="too_many_tokens",
        )
    clear = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=holder,
        bank_id=bank_id,
        label=label,
        prefix=clear[:12],
        key_hash=token_hash(clear),
        expires_at=timezone.now() + timedelta(days=lifetime),
        scopes=scope_values,
        created_by=actor,
    )
    audit_event_create(
        actor=actor,
        action=AuditAction.API_TOKEN_CREATE,
        obj=token,
        new_values={
            "label": label,
            "prefix": token.prefix,
            "bank": bank_id,
            "holder": holder.pk,
            "scopes": scope_values,
            "expires_at": token.expires_at,
        },
    )
    return token, clear


@transaction.atomic
def api_token_create(
    *,
    actor: User,
    membership: Membership | None,
    label: str,
    scopes: Iterable[str] | None = None,
    days: int | None = None,
) -> tuple[ApiToken, str]:
    """A new token for the adviser at their bank; the clear token is returned once, never stored.

    `scopes`: None gives every scope (an adviser's own token); `read` is always included.
    `days`: the token's lifetime, MICROCREDIT_API_TOKEN_LIFETIME_DAYS by default, or shorter.

    Raises:
        PermissionDenied: the actor is not an active bank adviser.
        ValidationError: empty or too long label, unknown scope, lifetime out of range, too
            many tokens in use.
    """
    adviser = _check_adviser(actor, membership)
    return api_token_issue(
        actor=actor,
        holder=actor,
        bank_id=adviser.organisation_id,
        label=label,
        scopes=scopes,
        days=days,
    )


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


# ------------------------------------------------------------------------ service accounts
def _service_account_of_bank(bank_id: int, account_id: int, *, lock: bool = False) -> User:
    accounts = User.objects.filter(
        pk=account_id,
        is_service_account=True,
        memberships__organisation_id=bank_id,
        memberships__role=Role.BANK_ADVISER,
    )
    if lock:
        accounts = accounts.select_for_update(of=("self",))
    account = accounts.first()
    if account is None:
        raise Http404("Compte de service introuvable.")
    return account


@transaction.atomic
def service_account_create(
    *, actor: User | None, membership: Membership | None, label: str, bank_id: int | None = None
) -> User:
    """A service account of the actor's bank: a user that never logs in, bank adviser there.

    `actor` None (with `bank_id`): the `api_token` command, for the bank's first token.

    Raises:
        PermissionDenied: the actor is not an active administrator adviser of a bank.
        ValidationError: empty, too long or already used label (among the bank's active
            accounts), too many accounts.
    """
    if actor is not None:
        bank_id = _check_bank_admin(actor, membership).organisation_id
    if bank_id is None:
        raise PermissionDenied("Banque inconnue.")
    label = _clean_label(label)
    active = User.objects.filter(
        is_service_account=True,
        is_active=True,
        memberships__organisation_id=bank_id,
        memberships__role=Role.BANK_ADVISER,
    )
    if active.filter(last_name=label).exists():
        raise ValidationError(
            {
                "label": ValidationError(
                    "La banque a déjà un compte de service actif de ce libellé.", code="unique"
                )
            }
        )
    if active.count() >= MAX_SERVICE_ACCOUNTS:
        raise ValidationError(
            f"La banque a déjà {MAX_SERVICE_ACCOUNTS} comptes de service actifs : "
            "désactivez-en un d'abord.",
            code="too_many_accounts",
        )
    account = User(
        username=f"service-{bank_id}-{secrets.token_hex(6)}",
        first_name=SERVICE_ACCOUNT_NAME,
        last_name=label,
        is_service_account=True,
    )
    account.set_unusable_password()
    account.save()
    Membership.objects.create(
        user=account, organisation_id=bank_id, role=Role.BANK_ADVISER, active=True
    )
    audit_event_create(
        actor=actor,
        action=AuditAction.SERVICE_ACCOUNT_CREATED,
        obj=account,
        new_values={"label": label, "bank": bank_id, "username": account.username},
    )
    return account


@transaction.atomic
def service_account_token_create(
    *,
    actor: User,
    membership: Membership | None,
    account_id: int,
    label: str,
    scopes: Iterable[str],
    days: int | None = None,
) -> tuple[ApiToken, str]:
    """A token of one of the bank's active service accounts; the clear token returned once.

    Raises:
        PermissionDenied: the actor is not an active administrator adviser of the bank.
        Http404: not a service account of the actor's bank.
        ValidationError: the account is deactivated; label, scopes, lifetime, too many tokens.
    """
    bank_id = _check_bank_admin(actor, membership).organisation_id
    account = _service_account_of_bank(bank_id, account_id, lock=True)
    if not account.is_active:
        raise ValidationError(
            "Ce compte de service est désactivé : il ne reçoit plus de jeton.",
            code="account_inactive",
        )
    return api_token_issue(
        actor=actor, holder=account, bank_id=bank_id, label=label, scopes=scopes, days=days
    )


@transaction.atomic
def service_account_token_revoke(
    *, actor: User, membership: Membership | None, token_id: int
) -> ApiToken:
    """Revoke a token of one of the bank's service accounts (a revoked one: unchanged).

    Raises:
        PermissionDenied: the actor is not an active administrator adviser of the bank.
        Http404: not a token of a service account of the actor's bank.
    """
    bank_id = _check_bank_admin(actor, membership).organisation_id
    token = (
        ApiToken.objects.select_for_update()
        .filter(pk=token_id, bank_id=bank_id, user__is_service_account=True)
        .first()
    )
    if token is None:
        raise Http404("Jeton introuvable.")
    _revoke(actor, token)
    return token


def _revoke(actor: User, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_event_create(
            actor=actor,
            action=AuditAction.API_TOKEN_REVOKE,
            obj=token,
            new_values={"revoked_at": token.revoked_at},
        )


@transaction.atomic
def service_account_deactivate(
    *, actor: User, membership: Membership | None, account_id: int
) -> User:
    """Deactivate one of the bank's service accounts: its tokens are revoked (401 from now on),
    its membership ends. Deactivating it again changes nothing.

    Raises:
        PermissionDenied: the actor is not an active administrator adviser of the bank.
        Http404: not a service account of the actor's bank.
    """
    bank_id = _check_bank_admin(actor, membership).organisation_id
    account = _service_account_of_bank(bank_id, account_id, lock=True)
    if not account.is_active:
        return account
    revoked = []
    for token in ApiToken.objects.select_for_update().filter(
        user=account, bank_id=bank_id, revoked_at__isnull=True
    ):
        _revoke(actor, token)
        revoked.append(token.pk)
    account.is_active = False
    account.save(update_fields=["is_active"])
    Membership.objects.filter(user=account, organisation_id=bank_id).update(active=False)
    audit_event_create(
        actor=actor,
        action=AuditAction.SERVICE_ACCOUNT_DEACTIVATED,
        obj=account,
        old_values={"is_active": True},
        new_values={
            "is_active": False,
            "label": service_account_label(account),
            "revoked_tokens": revoked,
        },
    )
    return account
