"""Reads of alerts: those already raised (so that each is raised once), a recipient's inbox."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from microcredit.accounts.models import User
from microcredit.loans.rules import arrears_bucket_label
from microcredit.servicing.models import Alert

# A home page shows this many unhandled alerts at most, the newest first.
INBOX_SIZE = 10


def alert_keys(loan_ids: Collection[int]) -> set[tuple[int, str, str, int]]:
    """(loan id, kind, key, recipient id) of every alert already raised on the loans, in one
    query (a loan has a handful of alerts in its life)."""
    return set(
        Alert.objects.filter(loan_id__in=loan_ids).values_list(
            "loan_id", "kind", "key", "recipient_id"
        )
    )


@dataclass(frozen=True)
class InboxEntry:
    alert: Alert

    @property
    def bucket_label(self) -> str:
        """The bucket the loan was in when the alert was raised, in French."""
        return arrears_bucket_label(self.alert.bucket) if self.alert.bucket else ""


@dataclass(frozen=True)
class AlertInbox:
    """A recipient's unhandled alerts: the newest `INBOX_SIZE`, and how many there are."""

    alerts: list[InboxEntry]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.alerts)


def unhandled_alerts(user: User, *, size: int = INBOX_SIZE) -> AlertInbox:
    """The alerts addressed to `user` not yet handled, newest first, in two queries (the index
    alert_inbox: recipient, handled_at, -created_at)."""
    pending = Alert.objects.filter(recipient=user, handled_at__isnull=True)
    alerts = list(
        pending.select_related("loan", "loan__dossier").order_by("-created_at", "-id")[:size]
    )
    total = len(alerts) if len(alerts) < size else pending.count()
    return AlertInbox(alerts=[InboxEntry(alert) for alert in alerts], total=total)


def addressed_to(user: User, alert_id: int) -> bool:
    """Whether the alert exists and is addressed to `user` (for anyone else it does not)."""
    return Alert.objects.filter(pk=alert_id, recipient=user).exists()
