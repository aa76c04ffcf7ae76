"""A person's rights: find a person, export everything held about them, erase on request.

For the director and the data-protection officer of the person's organisation only (another
organisation's person is a 404). The search is a POST: names never reach a URL, hence never the
web server's logs (core.search)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from microcredit.accounts.access import roles_required
from microcredit.accounts.enums import PRIVACY_ROLES
from microcredit.accounts.http import MemberRequest
from microcredit.core.enums import AccessAction
from microcredit.core.search import search_terms
from microcredit.core.services import access_log_create
from microcredit.privacy import selectors, services
from microcredit.privacy.forms import EraseForm, PeopleSearchForm


@roles_required(*PRIVACY_ROLES)
@require_http_methods(["GET", "POST"])
def people(request: MemberRequest) -> HttpResponse:
    # A name searched stays out of the URL (core.search, F6): a POST, then ?recherche=<key>.
    search = search_terms(request, url=reverse("privacy:people"), namespace="people", keep=())
    if isinstance(search, HttpResponse):
        return search
    form = PeopleSearchForm({"q": search.query} if search.query else None)
    page = None
    if form.is_bound and form.is_valid():
        found = selectors.people_search(request.membership, form.cleaned_data["q"])
        page = Paginator(found, selectors.PEOPLE_PAGE_SIZE).get_page(request.GET.get("page"))
        # The list names people: a read, logged without the search's text.
        access_log_create(
            user=request.user,
            action=AccessAction.DOSSIER_LIST,
            detail=f"droits des personnes : page={page.number} résultats={page.paginator.count}",
        )
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "privacy/people.html",
        {
            "form": form,
            "page": page,
            "page_query": params.urlencode(),
            "search_expired": search.expired,
        },
    )


def _person_page(
    request: MemberRequest, applicant_id: int, erase_form: EraseForm | None = None
) -> HttpResponse:
    applicant = selectors.person_for_membership_or_404(request.membership, applicant_id)
    overview = selectors.person_overview(applicant, timezone.localdate())
    blockers = services.erasure_blockers(selectors.person_records(applicant))
    access_log_create(
        user=request.user, action=AccessAction.APPLICANT_DETAIL, obj=applicant, detail="droits"
    )
    return render(
        request,
        "privacy/person.html",
        {
            "overview": overview,
            "applicant": applicant,
            "blockers": blockers,
            "erase_form": erase_form or EraseForm(),
        },
        status=400 if erase_form is not None and erase_form.errors else 200,
    )


@roles_required(*PRIVACY_ROLES)
@require_http_methods(["GET"])
def person(request: MemberRequest, applicant_id: int) -> HttpResponse:
    return _person_page(request, applicant_id)


@roles_required(*PRIVACY_ROLES)
@require_POST
def person_export(request: MemberRequest, applicant_id: int) -> HttpResponse:
    content = services.person_export(
        actor=request.user, membership=request.membership, applicant_id=applicant_id
    )
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="donnees-personne-{applicant_id}.zip"'
    return response


@roles_required(*PRIVACY_ROLES)
@require_POST
def person_erase(request: MemberRequest, applicant_id: int) -> HttpResponse:
    form = EraseForm(request.POST)
    if not form.is_valid():
        return _person_page(request, applicant_id, form)
    try:
        services.person_erase(
            actor=request.user,
            membership=request.membership,
            applicant_id=applicant_id,
            confirmed=form.cleaned_data["confirm"],
        )
    except ValidationError as refused:
        for message in refused.messages:
            form.add_error(None, message)
        return _person_page(request, applicant_id, form)
    messages.success(request, _("Les données personnelles de cette personne ont été effacées."))
    response: HttpResponseRedirect = redirect("privacy:person", applicant_id=applicant_id)
    return response
