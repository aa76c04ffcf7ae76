"""Background work of servicing: the e-mails of new alerts.

The nightly arrears job itself is not a task here: tasks sit below the services inside the app
(the "Inside each app" contract), and the job is a service. The scheduler process calls it
(`microcredit scheduler`, servicing/schedule.py; docs/operations.md).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from microcredit.servicing.models import Alert

logger = logging.getLogger(__name__)


def alert_email(alert: Alert) -> EmailMessage:
    """The e-mail of one alert: that an alert awaits on the platform, its kind and a link to
    the home page. No personal data: no name, no amount, not even the dossier's number."""
    context = {
        "kind_label": alert.get_kind_display(),
        "link": settings.SITE_URL.rstrip("/") + reverse("shell:home"),
    }
    return EmailMessage(
        subject=render_to_string("servicing/email/alert_subject.txt", context).strip(),
        body=render_to_string("servicing/email/alert.txt", context),
        to=[alert.recipient.email],
    )


@task()
def alert_emails_send(alert_ids: list[int]) -> int:
    """E-mail each alert's recipient, once (an alert already e-mailed is skipped), through the
    settings' e-mail backend, then record when; the number sent. Enqueued after the commit of the
    job's batch that raised the alerts (servicing.services.alerts.alerts_raise)."""
    alerts = list(
        Alert.objects.filter(pk__in=alert_ids, emailed_at__isnull=True)
        .select_related("recipient")
        .order_by("pk")
    )
    alerts = [a for a in alerts if a.recipient.email]
    if not alerts:
        return 0
    sent = get_connection(fail_silently=False).send_messages([alert_email(a) for a in alerts])
    if sent != len(alerts):
        logger.warning("Alert e-mails: %s sent out of %s", sent, len(alerts))
    Alert.objects.filter(pk__in=[a.pk for a in alerts]).update(emailed_at=timezone.now())
    return sent or 0
