"""Reads of the bank partner's API: tokens, the bank's service accounts, the principal behind a
token, the bank's dossiers."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery

from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership, User
from microcredit.api.models import ApiToken
from microcredit.commissions.enums import CommitteeDecision
from microcredit.commissions.models import AgendaItem
from microcredit.core.errors import Refused
from microcredit.dossiers.models import Dossier
from microcredit.dossiers.selectors import access_dossiers_for_user
from microcredit.organisations.models import Organisation

TOKEN_PREFIX = "mc_"  # noqa: S105 (the visible start of every token)
# secrets.token_urlsafe(32) gives 43 characters; anything much longer is not one of ours.
TOKEN_MAX_LENGTH = 100
# A service account's first name; its last name is its label: "Compte de service — Logiciel".
SERVICE_ACCOUNT_NAME = "Compte de service —"


def token_hash(clear: str) -> str:
    return hashlib.sha256(clear.encode()).hexdigest()


def api_tokens_for_user(user: User, bank: Organisation) -> QuerySet[ApiToken]:
    """The adviser's tokens at `bank`, active ones first."""
    return ApiToken.objects.filter(user=user, bank=bank).order_by("revoked_at", "-created_at")


def service_account_label(account: User) -> str:
    """The label the administrator gave the service account (its last name)."""
    return account.last_name


def service_accounts_for_bank(bank: Organisation) -> QuerySet[User]:
    """The bank's service accounts, active ones first, each with its tokens (`bank_tokens`,
    active first) and their creators: three queries whatever their number."""
    tokens = (
        ApiToken.objects.filter(bank=bank)
        .select_related("created_by")
        .order_by("revoked_at", "-created_at")
    )
    return (
        User.objects.filter(
            is_service_account=True,
            memberships__organisation=bank,
            memberships__role=Role.BANK_ADVISER,
        )
        .prefetch_related(Prefetch("api_tokens", queryset=tokens, to_attr="bank_tokens"))
        .order_by("-is_active", "last_name", "id")
    )


@dataclass(frozen=True)
class ApiPrincipal:
    """Who calls the API: the token, its holder (an adviser or the bank's service account) and
    the holder's active bank-adviser membership."""

    token: ApiToken
    user: User
    membership: Membership


class TokenForbidden(Refused):
    """A valid token whose holder is no longer a bank adviser of the token's bank (403)."""


def api_principal_for_key(clear: str) -> ApiPrincipal | None:
    """The principal behind a clear token; None when it is unknown, revoked or its holder is
    gone (user deactivated, membership ended). A service account's token depends on the service
    account only, not on the adviser who created it.

    Raises:
        TokenForbidden: the holder still belongs to the bank, but in another role.
    """
    if not clear.startswith(TOKEN_PREFIX) or len(clear) > TOKEN_MAX_LENGTH:
        return None
    token = (
        ApiToken.objects.select_related("user", "bank")
        .filter(key_hash=token_hash(clear), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    memberships = list(
        Membership.objects.select_related("organisation").filter(
            user=token.user, organisation=token.bank, active=True
        )
    )
    adviser = next((m for m in memberships if m.role == Role.BANK_ADVISER), None)
    if adviser is None:
        if memberships:
            raise TokenForbidden
        return None
    return ApiPrincipal(token=token, user=token.user, membership=adviser)


def api_dossiers(user: User, membership: Membership) -> QuerySet[Dossier]:
    """The dossiers transmitted to the adviser's bank, with everything the API shows (no N+1)."""
    transmitted_on = (
        AgendaItem.objects.filter(dossier=OuterRef("pk"), decision=CommitteeDecision.TRANSMIT)
        .order_by("-session__date")
        .values("session__date")[:1]
    )
    return (
        access_dossiers_for_user(user, membership)
        .filter(bank_transmitted_at__isnull=False)
        .select_related("applicant", "bank_decision", "disbursement", "loan")
        .annotate(commission_decision_date=Subquery(transmitted_on))
        .order_by("-bank_transmitted_at", "-id")
    )


def api_dossier_by_number(user: User, membership: Membership, number: str) -> Dossier | None:
    """The dossier of that number among the bank's (numbers are unique on the platform); None
    when it is not visible."""
    return api_dossiers(user, membership).filter(number=number).first()
