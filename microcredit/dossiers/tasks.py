"""Background work of dossiers: e-mails to the référent when someone else moves a dossier."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django_tasks import task

from microcredit.dossiers.models import DossierEvent


@task()
def notify_dossier_event(event_id: int) -> bool:
    """E-mail the dossier's référent about a move made by someone else. No personal data in it:
    the number, the new state and a link; the rest is behind the login."""
    event = (
        DossierEvent.objects.select_related("dossier", "dossier__referent", "actor")
        .filter(pk=event_id)
        .first()
    )
    if event is None:
        return False
    referent = event.dossier.referent
    if referent is None or not referent.email or referent.pk == event.actor_id:
        return False
    context = {"event": event, "dossier": event.dossier, "site_url": settings.SITE_URL}
    send_mail(
        subject=render_to_string("dossiers/email/event_subject.txt", context).strip(),
        message=render_to_string("dossiers/email/event.txt", context),
        from_email=None,
        recipient_list=[referent.email],
    )
    return True
