"""Writes of alerts: the nightly job raises them (once per recipient), a recipient marks one
handled."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from microcredit.accounts.models import User
from microcredit.core.enums import AuditAction
from microcredit.core.errors import Refused
from microcredit.core.models import AuditEvent
from microcredit.core.services import audit_event_create
from microcredit.servicing.models import Alert
from microcredit.servicing.tasks import alert_emails_send


@dataclass(frozen=True)
class NewAlert:
    """An alert the job decided to raise for one recipient."""

    loan_id: int
    kind: str  # an AlertKind value
    key: str
    recipient_id: int
    days_past_due: int
    bucket: str
    overdue_amount: Decimal


def _audit_row(alert: Alert) -> AuditEvent:
    """The audit row of a raised alert (the job acts: no actor)."""
    return AuditEvent(
        actor=None,
        action=AuditAction.ALERT_RAISED,
        object_type=alert._meta.label_lower,
        object_id=str(alert.pk),
        new_values={
            "loan": alert.loan_id,
            "kind": alert.kind,
            "key": alert.key,
            "recipient": alert.recipient_id,
            "as_of": alert.as_of.isoformat(),
            "days_past_due": alert.days_past_due,
            "bucket": alert.bucket,
            "overdue_amount": str(alert.overdue_amount),
        },
    )


@transaction.atomic
def alerts_raise(*, as_of: date, alerts: Sequence[NewAlert]) -> list[Alert]:
    """Write the alerts (one INSERT), their audit rows (one INSERT), and e-mail their recipients
    once the batch is committed. The caller passes only alerts never raised before (the unique
    constraint loan, kind, key, recipient refuses a second one)."""
    if not alerts:
        return []
    created = Alert.objects.bulk_create(
        Alert(
            loan_id=a.loan_id,
            kind=a.kind,
            key=a.key,
            recipient_id=a.recipient_id,
            as_of=as_of,
            days_past_due=a.days_past_due,
            bucket=a.bucket,
            overdue_amount=a.overdue_amount,
        )
        for a in alerts
    )
    AuditEvent.objects.bulk_create(_audit_row(alert) for alert in created)
    ids = [alert.pk for alert in created]
    transaction.on_commit(lambda: alert_emails_send.enqueue(ids))
    return created


@transaction.atomic
def alert_handle(*, actor: User, alert_id: int) -> Alert:
    """The recipient marks the alert handled (it leaves their home page). Only the recipient."""
    alert = Alert.objects.select_for_update().filter(pk=alert_id).first()
    if alert is None or alert.recipient_id != actor.pk:
        raise Refused(
            "Seule la personne à qui cette alerte est adressée peut la marquer comme traitée."
        )
    if alert.handled_at is not None:
        raise Refused("Cette alerte est déjà marquée comme traitée.")
    alert.handled_at = timezone.now()
    alert.handled_by = actor
    alert.save(update_fields=["handled_at", "handled_by"])
    audit_event_create(
        actor=actor,
        action=AuditAction.ALERT_HANDLED,
        obj=alert,
        old_values={"handled_at": None},
        new_values={"handled_at": alert.handled_at, "handled_by": actor},
    )
    return alert
