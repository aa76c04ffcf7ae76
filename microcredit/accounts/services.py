"""Writes about accounts: two-factor devices, and the grant of a role (audited, and e-mailed to
the organisation's directors)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks import task

from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership, User
from microcredit.core.enums import AuditAction
from microcredit.core.formatting import format_datetime
from microcredit.core.models import AuditEvent
from microcredit.core.services import audit_event_create

logger = logging.getLogger(__name__)


def totp_device_get_or_create_pending(*, user: User) -> TOTPDevice:
    """The unconfirmed device a user is enrolling (one at a time)."""
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, confirmed=False, defaults={"name": "Application d'authentification"}
    )
    return device


@transaction.atomic
def totp_device_confirm(*, user: User, device: TOTPDevice, token: str) -> bool:
    """Confirm enrolment when the token matches; replaces any previous confirmed device."""
    if not device.verify_token(token):
        return False
    TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_event_create(actor=user, action=AuditAction.TOTP_ENROLLED, obj=user)
    return True


# --- Role grants (issue #17, F7) -------------------------------------------------------------

# A membership's (role, active) before a save; None for a membership not saved yet.
RoleState = tuple[str, bool] | None


def role_state(membership: Membership) -> RoleState:
    """What `membership` grants in the database now (read before saving a change)."""
    if membership.pk is None:
        return None
    row = Membership.objects.filter(pk=membership.pk).values_list("role", "active").first()
    return (row[0], row[1]) if row is not None else None


def is_role_grant(before: RoleState, membership: Membership) -> bool:
    """A grant: an active membership that is new, carries another role, or was inactive."""
    if not membership.active:
        return False
    return before is None or before[0] != membership.role or not before[1]


def role_grant_record(
    *, actor: User | None, membership: Membership, before: RoleState
) -> AuditEvent | None:
    """After saving `membership` (inside the same transaction): when it grants a role, write the
    audit row (who gave which role to whom, in which organisation; a self-grant says so) and
    e-mail the organisation's directors once the transaction commits. None when not a grant."""
    if not is_role_grant(before, membership):
        return None
    audit = audit_event_create(
        actor=actor,
        action=AuditAction.ROLE_GRANTED,
        obj=membership,
        old_values={"role": before[0], "active": before[1]} if before is not None else {},
        new_values={
            "user": membership.user_id,
            "organisation": membership.organisation_id,
            "role": membership.role,
            "active": membership.active,
            "self_grant": actor is not None and actor.pk == membership.user_id,
        },
    )
    audit_id = audit.pk
    transaction.on_commit(lambda: role_grant_email.enqueue(audit_id))
    return audit


@transaction.atomic
def membership_save(*, actor: User | None, membership: Membership) -> AuditEvent | None:
    """Save a membership (checked by its `clean`) and record the grant it makes, if any: the way
    every service and the technical administration give a role."""
    before = role_state(membership)
    membership.full_clean()
    membership.save()
    return role_grant_record(actor=actor, membership=membership, before=before)


def role_grant_text(audit: AuditEvent, membership: Membership) -> str:
    """The e-mail to the directors: who gave which role to whom, when and where to look."""
    actor = audit.actor
    grantee = membership.user
    by = (
        _("%(name)s (identifiant %(username)s)")
        % {"name": actor.get_full_name() or actor.username, "username": actor.username}
        if actor is not None
        else _("une commande d'administration (sans compte)")
    )
    lines = [
        _("Un rôle vient d'être attribué dans votre organisation « %(organisation)s ».")
        % {"organisation": membership.organisation.name},
        "",
        _("Rôle : %(role)s") % {"role": membership.get_role_display()},
        _("Attribué à : %(name)s (identifiant %(username)s)")
        % {"name": grantee.get_full_name() or grantee.username, "username": grantee.username},
        _("Attribué par : %(by)s") % {"by": by},
        _("Le : %(at)s") % {"at": format_datetime(timezone.localtime(audit.at))},
    ]
    if actor is not None and actor.pk == grantee.pk:
        lines.append(_("Attention : la personne s'est attribué ce rôle elle-même."))
    lines += [
        "",
        _(
            "Si cette attribution n'était pas prévue, retirez le rôle dans l'administration "
            "technique et vérifiez le journal des consultations :"
        ),
        settings.SITE_URL.rstrip("/") + reverse("privacy:access_log"),
    ]
    return "\n".join(str(line) for line in lines) + "\n"


@task()
def role_grant_email(audit_id: int) -> int:
    """E-mail the active directors of the membership's organisation about a role grant (enqueued
    after the commit of `role_grant_record`). How many directors were written to."""
    audit = AuditEvent.objects.select_related("actor").filter(pk=audit_id).first()
    if audit is None:
        return 0
    membership = (
        Membership.objects.select_related("user", "organisation")
        .filter(pk=int(audit.object_id))
        .first()
    )
    if membership is None:
        return 0
    recipients = sorted(
        set(
            User.objects.filter(
                memberships__organisation_id=membership.organisation_id,
                memberships__role=Role.DIRECTOR,
                memberships__active=True,
                is_active=True,
            )
            .exclude(email="")
            .values_list("email", flat=True)
        )
    )
    if not recipients:
        logger.warning(
            "Role grant %s: organisation %s has no active director with an e-mail address",
            audit.pk,
            membership.organisation_id,
        )
        return 0
    send_mail(
        subject=str(
            _("Rôle attribué : %(role)s à %(name)s")
            % {
                "role": membership.get_role_display(),
                "name": membership.user.get_full_name() or membership.user.username,
            }
        ),
        message=role_grant_text(audit, membership),
        from_email=None,
        recipient_list=recipients,
    )
    return len(recipients)
