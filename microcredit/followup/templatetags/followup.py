"""``{% load followup %}{% dossier_followup %}``: the follow-up section of the dossier page.

An inclusion tag taking the page's context (``request``, whose ``user`` and ``membership`` say
who reads, and ``dossier``, already let through the dossier's access funnel): the last entries
of the timeline the person may read (notes, appointments, points d'étape; the whole timeline is
on the follow-up page), the planned appointments with their closing buttons, and the forms the
person may use. Renders nothing for the roles that read no follow-up (bank, commission). Showing
entries writes one access-log line, like the follow-up page.
"""

from __future__ import annotations

from typing import Any

from django import template

from microcredit.core.enums import AccessAction
from microcredit.core.services import access_log_create
from microcredit.followup.enums import NoteVisibility
from microcredit.followup.forms import followup_forms
from microcredit.followup.selectors.notes import (
    RECENT_ENTRIES,
    followup_rights,
    last_review,
    open_appointments,
    timeline_recent,
)

register = template.Library()


@register.inclusion_tag("followup/_dossier_followup.html", takes_context=True)
def dossier_followup(context: template.Context) -> dict[str, Any]:
    request = context["request"]
    dossier = context["dossier"]
    # The page that read `dossier` through the access funnel for this request's user and
    # membership says so (`dossier_through_funnel`): the funnel is not asked again.
    rights = followup_rights(
        request.user,
        getattr(request, "membership", None),
        dossier,
        through_funnel=context.get("dossier_through_funnel") is True,
    )
    if not rights.read_any:
        return {"show": False}
    entries, total = timeline_recent(dossier, rights)
    if entries:
        access_log_create(
            user=request.user,
            action=AccessAction.FOLLOWUP_TIMELINE,
            obj=dossier,
            detail=f"page du dossier : {len(entries)} élément(s) sur {total}",
        )
    return {
        "show": True,
        "dossier": dossier,
        "rights": rights,
        "entries": entries,
        "total": total,
        "more": total > len(entries),
        "recent": RECENT_ENTRIES,
        "open_appointments": open_appointments(dossier, rights),
        "last_review": last_review(dossier, rights),
        "shared_visibility": NoteVisibility.SHARED.value,
        **followup_forms(rights),
    }
