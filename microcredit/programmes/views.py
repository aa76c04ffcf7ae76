"""Scheme parameters: current version, history, new version (directeur·rice)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from microcredit.accounts.access import roles_required
from microcredit.accounts.enums import CCAS_STAFF_ROLES, Role
from microcredit.accounts.http import MemberRequest
from microcredit.core.formatting import format_date
from microcredit.core.refusals import attempt_on_form
from microcredit.programmes import selectors, services
from microcredit.programmes.forms import ProgrammeVersionForm
from microcredit.programmes.models import ProgrammeVersion


@roles_required(*CCAS_STAFF_ROLES)
def programme_list(request: MemberRequest) -> HttpResponse:
    today = timezone.localdate()
    rows = selectors.programme_overviews_for_membership(request.membership, today)
    return render(request, "programmes/programme_list.html", {"rows": rows, "today": today})


@roles_required(*CCAS_STAFF_ROLES)
def version_detail(request: MemberRequest, programme_id: int, number: int) -> HttpResponse:
    programme = selectors.programme_for_membership_or_404(request.membership, programme_id)
    version = ProgrammeVersion.objects.filter(programme=programme, number=number).first()
    if version is None:
        raise Http404("Version introuvable.")
    current = selectors.version_in_force(programme, timezone.localdate())
    return render(
        request,
        "programmes/version_detail.html",
        {"programme": programme, "version": version, "is_current": current == version},
    )


# The fields a link may prefill with GET (the reporting what-if sends its draft): initial values
# the director reviews, nothing saved before the form is posted.
PREFILLED_FIELDS = (
    "min_amount",
    "max_amount",
    "min_months",
    "max_months",
    "nominal_rate_percent",
    "max_deferral_months",
    "allow_interest_only_deferral",
    "allow_capitalised_deferral",
    "purposes_text",
    "territory_text",
)
PREFILLED_BOOLEANS = frozenset({"allow_interest_only_deferral", "allow_capitalised_deferral"})


def _prefill(request: MemberRequest) -> dict[str, Any]:
    if request.method != "GET":
        return {}
    return {
        name: request.GET[name] in ("1", "on", "true")
        if name in PREFILLED_BOOLEANS
        else request.GET[name]
        for name in PREFILLED_FIELDS
        if name in request.GET
    }


@roles_required(Role.DIRECTOR)
def version_create(request: MemberRequest, programme_id: int) -> HttpResponse:
    programme = selectors.programme_for_membership_or_404(request.membership, programme_id)
    base = selectors.latest_version(programme)
    form = ProgrammeVersionForm(request.POST or None, base=base, initial=_prefill(request))
    if request.method == "POST" and form.is_valid():
        version = attempt_on_form(
            form,
            lambda: services.programme_version_create(
                actor=request.user,
                programme=programme,
                valid_from=form.cleaned_data["valid_from"],
                reason=form.cleaned_data["reason"],
                values=form.parameter_values(),
                today=timezone.localdate(),
            ),
        )
        if version is not None:
            messages.success(
                request,
                f"Version {version.number} enregistrée : en vigueur à partir du "
                f"{format_date(version.valid_from)}.",
            )
            return redirect("programmes:version_detail", programme.pk, version.number)
    return render(
        request,
        "programmes/version_form.html",
        {"programme": programme, "form": form, "base": base},
    )
