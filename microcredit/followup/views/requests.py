"""The inbox of the public's requests (/accompagnement/demandes/), for the référent and the agent
of the CCAS: the list, a request, « je la prends », turn it into a dossier, close it.

Every page showing a request's personal data writes an access-log line; a request of another
CCAS answers 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_POST

from microcredit.accounts.access import roles_required
from microcredit.accounts.http import MemberRequest
from microcredit.applicants.models import Applicant
from microcredit.applicants.selectors import possible_duplicates
from microcredit.core.enums import AccessAction
from microcredit.core.errors import Refused
from microcredit.core.refusals import add_refusal, attempt_with_messages
from microcredit.core.services import access_log_create, access_logs_create
from microcredit.followup.enums import RequestStatus
from microcredit.followup.forms_requests import RequestCloseForm, RequestConvertForm
from microcredit.followup.selectors import requests as selectors
from microcredit.followup.selectors.requests import INBOX_ROLES
from microcredit.followup.services import requests as services
from microcredit.programmes.selectors import access_programmes_for_membership, version_in_force
from microcredit.simulator.models import ContactRequest

DUPLICATE_WARNING = (
    "Une personne du même nom, née le même jour, est déjà enregistrée : rattachez la demande à "
    "sa fiche, ou cochez la case si c'est bien une autre personne."
)


@roles_required(*INBOX_ROLES)
def request_list(request: MemberRequest) -> HttpResponse:
    membership = request.membership
    filters = selectors.state_filters()
    state = request.GET.get("etat", "")
    if state not in {value for value, _label in filters}:
        state = ""
    page = selectors.inbox_page(
        membership, state=state, page_number=request.GET.get("page"), today=timezone.localdate()
    )
    # One line per request shown (one INSERT): each request's register says who saw its name.
    access_logs_create(
        user=request.user,
        action=AccessAction.FOLLOWUP_REQUEST_LIST,
        objs=[row.request for row in page.object_list],
        detail=f"état={state} page={page.number}",
    )
    counts = selectors.inbox_counts(membership)
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "followup/requests.html",
        {
            "page": page,
            "state": state,
            "filters": [(value, label, counts[value]) for value, label in filters],
            "total": sum(counts[s] for s in RequestStatus.values),
            "page_query": params.urlencode(),
        },
    )


def _detail(
    request: MemberRequest,
    contact_request: ContactRequest,
    *,
    close_form: RequestCloseForm | None = None,
    status: int = 200,
) -> HttpResponse:
    access_log_create(
        user=request.user,
        action=AccessAction.FOLLOWUP_REQUEST_DETAIL,
        obj=contact_request,
        detail="boîte des demandes",
    )
    labels = selectors.purpose_labels(request.membership, timezone.localdate())
    state = selectors.request_state(contact_request)
    return render(
        request,
        "followup/requests_detail.html",
        {
            "contact_request": contact_request,
            "handling": getattr(contact_request, "handling", None),
            "state": state,
            "state_label": str(state.label),
            "is_new": state == RequestStatus.NEW,
            "is_open": state in selectors.OPEN_STATES,
            "can_convert": state == RequestStatus.IN_PROGRESS,
            "purpose_label": labels.get(contact_request.purpose_code, contact_request.purpose_code),
            "close_form": close_form or RequestCloseForm(),
        },
        status=status,
    )


@roles_required(*INBOX_ROLES)
def request_detail(request: MemberRequest, request_id: int) -> HttpResponse:
    contact_request = selectors.request_for_membership_or_404(request.membership, request_id)
    return _detail(request, contact_request)


@roles_required(*INBOX_ROLES)
@require_POST
def request_take(request: MemberRequest, request_id: int) -> HttpResponse:
    handling = attempt_with_messages(
        request,
        lambda: services.request_take(
            actor=request.user, membership=request.membership, request_id=request_id
        ),
    )
    if handling is not None:
        messages.success(request, "Vous prenez cette demande en charge.")
    return redirect("followup:request_detail", request_id)


@roles_required(*INBOX_ROLES)
@require_POST
def request_close(request: MemberRequest, request_id: int) -> HttpResponse:
    form = RequestCloseForm(request.POST)
    if form.is_valid():
        try:
            services.request_close(
                actor=request.user,
                membership=request.membership,
                request_id=request_id,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as refusal:
            add_refusal(form, refusal)
        except Refused as refusal:  # already final: the request's page says how it ended
            for message in refusal.messages:
                messages.error(request, message)
            return redirect("followup:request_detail", request_id)
        else:
            messages.success(request, "La demande est close.")
            return redirect("followup:request_detail", request_id)
    # The request as it stands (404 if not the member's CCAS's), the form with its error.
    contact_request = selectors.request_for_membership_or_404(request.membership, request_id)
    return _detail(request, contact_request, close_form=form, status=400)


def _existing_applicant_id(
    form: RequestConvertForm, request: MemberRequest, duplicates: list[Applicant]
) -> tuple[int | None, bool]:
    """The applicant the référent attached the request to (one of the duplicates), if any;
    and whether the form may go on (False: a duplicate to settle first)."""
    chosen = request.POST.get("existing", "")
    if chosen:
        matches = [a.pk for a in duplicates if str(a.pk) == chosen]
        if not matches:
            form.add_error(None, "Choisissez une des personnes proposées.")
            return None, False
        return matches[0], True
    if duplicates and not form.cleaned_data["confirm_not_duplicate"]:
        form.add_error(None, DUPLICATE_WARNING)
        return None, False
    return None, True


@roles_required(*INBOX_ROLES)
def request_convert(request: MemberRequest, request_id: int) -> HttpResponse:
    membership = request.membership
    contact_request = selectors.request_for_membership_or_404(membership, request_id)
    state = selectors.request_state(contact_request)
    handling = getattr(contact_request, "handling", None)
    if state == RequestStatus.CONVERTED and handling is not None:
        messages.info(request, "Cette demande est déjà transformée en dossier.")
        return redirect("dossiers:detail", handling.dossier_id)
    if state != RequestStatus.IN_PROGRESS:
        messages.error(
            request,
            "Cette demande est close."
            if state == RequestStatus.CLOSED
            else "Prenez d'abord la demande en charge (« Je la prends »).",
        )
        return redirect("followup:request_detail", request_id)
    programme = access_programmes_for_membership(membership).order_by("id").first()
    version = version_in_force(programme, timezone.localdate()) if programme else None
    if version is None:
        raise Http404("Aucune version des paramètres n'est en vigueur.")
    form = RequestConvertForm(
        request.POST or None,
        version=version,
        organisation_id=membership.organisation_id,
        initial=RequestConvertForm.initial_from(contact_request, request.user, membership.role),
    )
    duplicates: list[Applicant] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        duplicates = list(
            possible_duplicates(
                organisation_id=membership.organisation_id,
                last_name=data["last_name"],
                first_name=data["first_name"],
                birth_date=data["birth_date"],
            )
        )
        existing_id, go_on = _existing_applicant_id(form, request, duplicates)
        if go_on:
            try:
                done = services.request_convert(
                    actor=request.user,
                    membership=membership,
                    request_id=request_id,
                    applicant_values=form.values(),
                    dossier_values=form.dossier_values(),
                    existing_applicant_id=existing_id,
                    notifications_consent=form.consent_given(),
                )
            except services.RequestAlreadyConverted as already:
                messages.info(request, already.messages[0])
                return redirect("dossiers:detail", already.dossier_id)
            except (ValidationError, Refused) as refusal:
                add_refusal(form, refusal)
            else:
                dossier = done.dossier
                if dossier is not None:  # always: a converted request has its dossier
                    messages.success(
                        request, f"La demande est transformée en dossier : {dossier.number} ouvert."
                    )
                    return redirect("dossiers:detail", dossier.pk)
    if request.method != "POST":
        access_log_create(
            user=request.user,
            action=AccessAction.FOLLOWUP_REQUEST_DETAIL,
            obj=contact_request,
            detail="transformation en dossier",
        )
    return render(
        request,
        "followup/requests_convert.html",
        {
            "contact_request": contact_request,
            "form": form,
            "duplicates": duplicates,
            "version": version,
        },
        status=400 if request.method == "POST" else 200,
    )


urlpatterns: list[URLPattern] = [
    path("demandes/", request_list, name="requests"),
    path("demandes/<id:request_id>/", request_detail, name="request_detail"),
    path("demandes/<id:request_id>/prendre/", request_take, name="request_take"),
    path("demandes/<id:request_id>/dossier/", request_convert, name="request_convert"),
    path("demandes/<id:request_id>/clore/", request_close, name="request_close"),
]
