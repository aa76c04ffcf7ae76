"""What-if for recalibration: the director's draft of new parameters replayed on the past demand
beside the parameters in force. A GET page: nothing is saved (the director then creates the new
version through the programmes app's form, prefilled with the draft)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from microcredit.accounts.access import roles_required
from microcredit.accounts.enums import Role
from microcredit.accounts.http import MemberRequest
from microcredit.programmes.selectors import access_programmes_for_membership, version_in_force
from microcredit.reporting import whatif as replay
from microcredit.reporting.forms_whatif import WhatIfForm


@roles_required(Role.DIRECTOR)
def whatif(request: MemberRequest, /, **kwargs: str) -> HttpResponse:
    today = timezone.localdate()
    programmes = list(access_programmes_for_membership(request.membership).order_by("name", "pk"))
    context: dict[str, object] = {"programmes": programmes, "today": today}
    if not programmes:
        return render(request, "reporting/whatif.html", context)
    chosen = request.GET.get("programme")
    programme = (
        programmes[0]
        if chosen is None
        else next((p for p in programmes if str(p.pk) == chosen.strip()), None)
    )
    if programme is None:
        raise Http404("Dispositif introuvable.")
    version = version_in_force(programme, today)
    context.update({"programme": programme, "version": version})
    if version is None:
        return render(request, "reporting/whatif.html", context)

    bound = "min_amount" in request.GET
    form = WhatIfForm(request.GET if bound else None, version=version, today=today)
    context["form"] = form
    if bound and form.is_valid():
        draft = form.draft_version()
        comparison = replay.replay(
            organisation_id=request.membership.organisation_id,
            programme_id=programme.pk,
            period=form.period(),
            actual=version,
            draft=draft,
        )
        if comparison is None:
            form.add_error(
                "start",
                _(
                    "La période compte plus de %(limit)s dossiers : raccourcissez-la pour la "
                    "simulation."
                )
                % {"limit": f"{replay.MAX_REPLAYED:,}".replace(",", "\u202f")},
            )
        else:
            context.update(
                {
                    "comparison": comparison,
                    "period": form.period(),
                    "draft": draft,
                    "create_url": reverse("programmes:version_create", args=[programme.pk])
                    + "?"
                    + urlencode(form.version_prefill()),
                }
            )
    return render(request, "reporting/whatif.html", context)
