"""Dossier pages: the lists of each role, the dossier with its timeline, and the moves."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from microcredit.accounts.access import roles_required
from microcredit.accounts.enums import DOSSIER_ROLES, DOSSIER_STAFF_ROLES, Role
from microcredit.accounts.http import MemberRequest
from microcredit.accounts.models import User
from microcredit.applicants.selectors import applicant_for_membership_or_404
from microcredit.core.converters import id_url_maker
from microcredit.core.enums import AccessAction
from microcredit.core.errors import Refused
from microcredit.core.formatting import format_date
from microcredit.core.pagination import KnownCountPaginator
from microcredit.core.refusals import attempt_on_form, attempt_with_messages
from microcredit.core.search import search_terms
from microcredit.core.services import access_log_create
from microcredit.dossiers import selectors, services
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.forms import ConsentForm, DossierForm, ShareForm, TransitionForm
from microcredit.dossiers.rules import FUNNEL_STAGES, eligibility_tally
from microcredit.dossiers.selectors import ListFilters
from microcredit.dossiers.templatetags.dossiers import (
    eligibility_context,
    request_warnings_context,
)
from microcredit.dossiers.texts import eligibility_headline, request_warning_text
from microcredit.dossiers.workflow import EDITABLE_STATES, TRANSITIONS_BY_NAME
from microcredit.programmes.selectors import access_programmes_for_membership, version_in_force

# The list's filters that the bilan's figures link to: GET parameter → what it narrows to. Bad
# values are ignored (the list shows without that filter), never an error page.
FILTER_PARAMS = (
    "recu_du",
    "recu_au",
    "dispositif",
    "etape",
    "decaisse_du",
    "decaisse_au",
    "categorie",
    "referent",
    "reorientation",
    "en_cours",
)
NO_REFERENT = "aucun"


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


def _number(value: str) -> int | None:
    value = value.strip()
    return int(value) if value.isdigit() and len(value) <= 12 else None


def _list_filters(params: QueryDict) -> ListFilters:
    stages = {key for key, _label, _states in FUNNEL_STAGES}
    referent = params.get("referent", "")
    return ListFilters(
        received_from=_day(params.get("recu_du", "")),
        received_to=_day(params.get("recu_au", "")),
        programme_id=_number(params.get("dispositif", "")),
        stage=params.get("etape", "") if params.get("etape", "") in stages else "",
        disbursed_from=_day(params.get("decaisse_du", "")),
        disbursed_to=_day(params.get("decaisse_au", "")),
        purpose_category=params.get("categorie", "").strip()[:100],
        referent_id=_number(referent),
        without_referent=referent == NO_REFERENT,
        reorientation=params.get("reorientation", "").strip()[:100],
        open_only=params.get("en_cours") == "1",
    )


def _span(start: date | None, end: date | None) -> str:
    if start and end:
        return _("du %(start)s au %(end)s") % {
            "start": format_date(start),
            "end": format_date(end),
        }
    if start:
        return _("depuis le %(start)s") % {"start": format_date(start)}
    return _("jusqu'au %(end)s") % {"end": format_date(end)} if end else ""


def _filter_labels(membership: Any, filters: ListFilters) -> list[str]:
    """The active filters, in French, for the list's heading (a query for a scheme's or a
    référent's name, only when that filter is set)."""
    labels = []
    if filters.received_from or filters.received_to:
        labels.append(
            _("Demande reçue %(span)s")
            % {"span": _span(filters.received_from, filters.received_to)}
        )
    if filters.programme_id is not None:
        programme = (
            access_programmes_for_membership(membership).filter(pk=filters.programme_id).first()
        )
        labels.append(
            _("Dispositif : %(name)s")
            % {"name": programme.name if programme else _("inconnu (aucun dossier)")}
        )
    if filters.stage:
        label = next(label for key, label, _s in FUNNEL_STAGES if key == filters.stage)
        labels.append(_("Étape atteinte : %(stage)s") % {"stage": _(label)})
    if filters.disbursed_from or filters.disbursed_to:
        labels.append(
            _("Prêt décaissé %(span)s")
            % {"span": _span(filters.disbursed_from, filters.disbursed_to)}
        )
    if filters.purpose_category:
        labels.append(_("Catégorie de projet : %(code)s") % {"code": filters.purpose_category})
    if filters.referent_id is not None:
        referent = User.objects.filter(pk=filters.referent_id).first()
        name = (referent.get_full_name() or referent.username) if referent else _("inconnu")
        labels.append(_("Référent : %(name)s") % {"name": name})
    if filters.without_referent:
        labels.append(_("Sans référent"))
    if filters.reorientation:
        labels.append(_("Réorienté vers : %(code)s") % {"code": filters.reorientation})
    if filters.open_only:
        labels.append(_("Dossiers en cours (suivis par un référent)"))
    return labels


@roles_required(*DOSSIER_ROLES)
def dossier_list(request: MemberRequest) -> HttpResponse:
    # A name searched stays out of the URL (core.search, F6): a POST, then ?recherche=<key>.
    search = search_terms(
        request,
        url=reverse("dossiers:list"),
        namespace="dossier",
        keep=("etat", "mes", *FILTER_PARAMS),
    )
    if isinstance(search, HttpResponse):
        return search
    query, search_expired = search.query, search.expired
    membership = request.membership
    state = request.GET.get("etat", "")
    if state not in DossierState.values:
        state = ""
    mine = request.GET.get("mes") == "1" and membership.role == Role.REFERENT
    filters = _list_filters(request.GET)
    dossiers = selectors.dossier_list(
        request.user, membership, state=state, query=query, mine=mine, filters=filters
    )
    counts = selectors.state_counts(request.user, membership)
    # Without a search or a filter, the list's total is already counted per state (cached
    # while nothing changes): the paginator takes it rather than counting again.
    known = None
    if not (query or filters):
        basis = selectors.referent_state_counts(request.user, membership) if mine else counts
        known = basis.get(state, 0) if state else sum(basis.values())
    page = KnownCountPaginator(dossiers, selectors.PAGE_SIZE, count=known).get_page(
        request.GET.get("page")
    )
    filter_params = {
        name: request.GET[name] for name in FILTER_PARAMS if request.GET.get(name, "").strip()
    }
    detail = f"état={state} recherche={query} page={page.number}"
    if filter_params:
        detail += " filtres=" + urlencode(filter_params)
    access_log_create(user=request.user, action=AccessAction.DOSSIER_LIST, detail=detail)
    states = [(s, label, counts.get(s, 0)) for s, label in DossierState.choices]
    # Each row with its link: one `reverse` for the page rather than one per row.
    detail_url = id_url_maker("dossiers:detail")
    rows = [(dossier, detail_url(dossier.pk)) for dossier in page.object_list]
    params = request.GET.copy()
    params.pop("page", None)
    unfiltered = request.GET.copy()
    for name in (*FILTER_PARAMS, "page"):
        unfiltered.pop(name, None)
    return render(
        request,
        "dossiers/dossier_list.html",
        {
            "page": page,
            "rows": rows,
            "state": state,
            "query": query,
            "mine": mine,
            "states": states,
            "total": sum(counts.values()),
            "page_query": params.urlencode(),
            "can_create": membership.role in DOSSIER_STAFF_ROLES,
            "minimised": membership.role == Role.COMMITTEE_MEMBER,
            "filter_labels": _filter_labels(membership, filters) if filters else [],
            "filter_params": filter_params if filters else {},
            "unfiltered_query": unfiltered.urlencode(),
            "search_expired": search_expired,
        },
    )


def _version_or_error(request: HttpRequest, programme: Any) -> Any:
    version = version_in_force(programme, timezone.localdate())
    if version is None:
        raise Http404("Aucune version des paramètres n'est en vigueur.")
    return version


def _warn_out_of_bounds(request: HttpRequest, dossier: Any, version: Any) -> None:
    """Right after the entry: what the loan asked for has outside the scheme's bounds (the
    dossier page keeps saying it, recomputed, while it lasts)."""
    for warning in selectors.dossier_request_warnings(dossier, version):
        messages.warning(request, request_warning_text(warning))


@roles_required(*DOSSIER_STAFF_ROLES)
def dossier_create(request: MemberRequest) -> HttpResponse:
    membership = request.membership
    try:
        applicant_id = int(request.GET.get("demandeur", ""))
    except ValueError:
        return redirect("applicants:create")
    applicant = applicant_for_membership_or_404(membership, applicant_id)
    programme = access_programmes_for_membership(membership).order_by("id").first()
    if programme is None:
        raise Http404("Aucun dispositif n'est paramétré.")
    version = _version_or_error(request, programme)
    initial: dict[str, Any] = {"application_date": timezone.localdate()}
    if membership.role == Role.REFERENT:
        initial["referent"] = request.user.pk
    form = DossierForm(
        request.POST or None,
        version=version,
        organisation_id=membership.organisation_id,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        dossier = attempt_on_form(
            form,
            lambda: services.dossier_create(
                actor=request.user,
                membership=membership,
                applicant=applicant,
                programme=programme,
                values=form.values(),
            ),
        )
        if dossier is not None:
            messages.success(request, f"Dossier {dossier.number} ouvert.")
            _warn_out_of_bounds(request, dossier, version)
            return redirect("dossiers:detail", dossier.pk)
    return render(
        request,
        "dossiers/dossier_form.html",
        {
            "form": form,
            "applicant": applicant,
            "dossier": None,
            "version": version,
            # Said before anything is typed: the person already has a dossier under way.
            "warnings": [],
            "others": selectors.other_open_dossiers(applicant.pk),
        },
    )


@roles_required(*DOSSIER_STAFF_ROLES)
def dossier_edit(request: MemberRequest, dossier_id: int) -> HttpResponse:
    membership = request.membership
    dossier = selectors.dossier_for_user_or_404(request.user, membership, dossier_id)
    if dossier.state not in EDITABLE_STATES:
        messages.error(
            request, f"Le dossier est « {dossier.get_state_display()} » : il ne se modifie plus."
        )
        return redirect("dossiers:detail", dossier.pk)
    version = version_in_force(dossier.programme, dossier.application_date) or _version_or_error(
        request, dossier.programme
    )
    form = DossierForm(
        request.POST or None,
        version=version,
        organisation_id=membership.organisation_id,
        initial=DossierForm.initial_from(dossier),
    )
    if request.method == "POST" and form.is_valid():
        updated = attempt_on_form(
            form,
            lambda: services.dossier_update(
                actor=request.user,
                membership=membership,
                dossier_id=dossier.pk,
                values=form.values(),
            ),
        )
        if updated is not None:
            messages.success(request, "Le dossier est enregistré.")
            _warn_out_of_bounds(request, updated, version)
            return redirect("dossiers:detail", dossier.pk)
    else:
        access_log_create(user=request.user, action=AccessAction.DOSSIER_EDIT, obj=dossier)
    return render(
        request,
        "dossiers/dossier_form.html",
        {
            "form": form,
            "applicant": dossier.applicant,
            "dossier": dossier,
            "version": version,
            **request_warnings_context(dossier, version, staff=True),
        },
    )


@roles_required(*DOSSIER_ROLES)
@require_POST
def dossier_transition(request: MemberRequest, dossier_id: int) -> HttpResponse:
    name = request.POST.get("transition", "")
    prefix = name if name in TRANSITIONS_BY_NAME else None
    form = TransitionForm(request.POST, prefix=prefix)
    if prefix is None or not form.is_valid():
        messages.error(request, "Action inconnue : rechargez la page.")
        return redirect("dossiers:detail", dossier_id)
    data = form.cleaned_data
    event = attempt_with_messages(
        request,
        lambda: services.dossier_transition(
            actor=request.user,
            membership=request.membership,
            dossier_id=dossier_id,
            transition=data["transition"],
            expected_state=data["expected_state"],
            reason=data["reason"],
            reorientation_scheme=data["reorientation_scheme"],
        ),
    )
    if event is not None:
        messages.success(request, f"Le dossier est maintenant « {event.get_to_state_display()} ».")
        # A bank adviser or a commission member may no longer see it after the move: go back
        # to the list when the page would answer 404.
        if (
            not selectors.access_dossiers_for_user(
                request.user,
                request.membership,
            )
            .filter(pk=dossier_id)
            .exists()
        ):
            return redirect("dossiers:list")
    return redirect("dossiers:detail", dossier_id)


@roles_required(*DOSSIER_STAFF_ROLES)
@require_POST
def dossier_check_eligibility(request: MemberRequest, dossier_id: int) -> HttpResponse:
    """Check again; with htmx, answer the section's criteria and its banner (announced by the
    page's live region), else back to the page with the banner as a message."""
    errors: list[str] = []
    check = None
    try:
        check = services.dossier_check_eligibility(
            actor=request.user, membership=request.membership, dossier_id=dossier_id
        )
    except (ValidationError, Refused) as refusal:
        errors = [str(m) for m in refusal.messages]
    if request.htmx:
        dossier = selectors.dossier_for_user_or_404(request.user, request.membership, dossier_id)
        context = eligibility_context(
            dossier, dossier.eligibility, editable=dossier.state in EDITABLE_STATES
        )
        return render(request, "dossiers/_eligibility_update.html", {**context, "errors": errors})
    for error in errors:
        messages.error(request, error)
    if check is not None:
        headline = eligibility_headline(eligibility_tally(check.criteria))
        messages.success(
            request, _("Éligibilité vérifiée : %(headline)s.") % {"headline": headline}
        )
    return redirect(reverse("dossiers:detail", args=[dossier_id]) + "#eligibilite")


@roles_required(*DOSSIER_STAFF_ROLES)
@require_POST
def dossier_share(request: MemberRequest, dossier_id: int) -> HttpResponse:
    membership = request.membership
    dossier = selectors.dossier_for_user_or_404(request.user, membership, dossier_id)
    form = ShareForm(request.POST, organisation_id=dossier.organisation_id)
    if not form.is_valid():
        messages.error(request, "Choisissez un travailleur social d'une structure partenaire.")
    elif attempt_with_messages(
        request,
        lambda: services.dossier_share(
            actor=request.user,
            membership=membership,
            dossier_id=dossier.pk,
            worker=form.cleaned_data["worker"],
        ),
    ):
        messages.success(request, "Le dossier est partagé.")
    return redirect(reverse("dossiers:detail", args=[dossier_id]) + "#partage")


@roles_required(*DOSSIER_STAFF_ROLES)
@require_POST
def dossier_unshare(request: MemberRequest, dossier_id: int, worker_id: int) -> HttpResponse:
    done = attempt_with_messages(
        request,
        lambda: services.dossier_unshare(
            actor=request.user,
            membership=request.membership,
            dossier_id=dossier_id,
            worker_id=worker_id,
        ),
    )
    if done:
        messages.success(request, "Le partage est retiré.")
    elif done is False:
        messages.info(request, "Le dossier n'était pas partagé avec cette personne.")
    return redirect(reverse("dossiers:detail", args=[dossier_id]) + "#partage")


@roles_required(*DOSSIER_STAFF_ROLES)
@require_POST
def dossier_consent(request: MemberRequest, dossier_id: int) -> HttpResponse:
    form = ConsentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Indiquez la date de signature du consentement.")
    elif attempt_with_messages(
        request,
        lambda: services.dossier_consent_record(
            actor=request.user,
            membership=request.membership,
            dossier_id=dossier_id,
            consent_date=form.cleaned_data["consent_date"],
            today=timezone.localdate(),
        ),
    ):
        messages.success(request, "Le consentement est enregistré.")
    return redirect(reverse("dossiers:detail", args=[dossier_id]) + "#consentement")
