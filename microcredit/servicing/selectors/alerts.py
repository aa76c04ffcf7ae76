"""Reads of alerts: those already raised (so that each is raised once), a recipient's inbox."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from microcredit.accounts.models import User
from microcredit.loans.rules import arrears_bucket_label
from microcredit.servicing.models import Alert

# A home page shows this many unhandled alerts at most, the newest first.
INBOX_SIZE = 10
# The list of a recipient's alerts (servicing:alerts) shows this many a page.
PAGE_SIZE = 50


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
    """The alerts addressed to `user` not yet handled, newest first, in two queries whatever
    their number (the partial index alert_inbox: recipient, -created_at, -id where not handled;
    the count is always made, so that the page's queries are the same with few alerts or many)."""
    pending = Alert.objects.filter(recipient=user, handled_at__isnull=True)
    alerts = list(
        pending.select_related("loan", "loan__dossier").order_by("-created_at", "-id")[:size]
    )
    total = pending.count()
    return AlertInbox(alerts=[InboxEntry(alert) for alert in alerts], total=total)


def recipient_alerts(user: User, *, handled: bool) -> QuerySet[Alert]:
    """The alerts addressed to `user`: those to handle, newest first (index alert_inbox), or
    those handled, the latest handled first (index alert_handled)."""
    alerts = Alert.objects.filter(recipient=user, handled_at__isnull=not handled).select_related(
        "loan", "loan__dossier", "handled_by"
    )
    if handled:
        return alerts.order_by("-handled_at", "-id")
    return alerts.order_by("-created_at", "-id")


@dataclass(frozen=True)
class AlertPage:
    page: Page[Alert]
    entries: list[InboxEntry]


def alert_page(user: User, *, handled: bool, page_number: str | None) -> AlertPage:
    """One page of the recipient's alerts (two queries: the count and the page)."""
    page = Paginator(recipient_alerts(user, handled=handled), PAGE_SIZE).get_page(page_number)
    return AlertPage(page=page, entries=[InboxEntry(alert) for alert in page.object_list])


def addressed_to(user: User, alert_id: int) -> bool:
    """Whether the alert exists and is addressed to `user` (for anyone else it does not)."""
    return Alert.objects.filter(pk=alert_id, recipient=user).exists()
