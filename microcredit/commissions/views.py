"""Commission pages: the sessions, one session with its members and agenda, the minimised
summary of each dossier, the decisions and the minutes."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from microcredit.accounts.access import roles_required
from microcredit.accounts.enums import DOSSIER_STAFF_ROLES, Role
from microcredit.accounts.http import MemberRequest
from microcredit.commissions import pdfs, selectors, services
from microcredit.commissions.forms import (
    AGENDA_CHOICES,
    AgendaAddForm,
    DecisionForm,
    SessionForm,
    SessionUpdateForm,
)
from microcredit.commissions.models import CommissionSession
from microcredit.core.enums import AccessAction
from microcredit.core.errors import Refused
from microcredit.core.refusals import add_refusal, attempt_on_form, attempt_with_messages
from microcredit.core.services import access_log_create

# Who sees sessions: the CCAS staff and the commission members (each through the funnel).
SESSION_ROLES = (*sorted(DOSSIER_STAFF_ROLES), Role.COMMITTEE_MEMBER)
MANAGERS = (Role.AGENT, Role.DIRECTOR)
DECIDERS = (Role.COMMITTEE_MEMBER, Role.DIRECTOR)


def _session_url(session_id: int, anchor: str = "") -> str:
    return reverse("commissions:session_detail", args=[session_id]) + (
        f"#{anchor}" if anchor else ""
    )


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@roles_required(*SESSION_ROLES)
def session_list(request: MemberRequest) -> HttpResponse:
    membership = request.membership
    lists = selectors.session_lists(
        request.user, membership, timezone.localdate(), request.GET.get("page")
    )
    return render(
        request,
        "commissions/session_list.html",
        {
            "lists": lists,
            "can_create": selectors.can_manage(None, membership),
            "upcoming_bound": selectors.SESSION_PAGE_SIZE,
        },
    )


@roles_required(*MANAGERS)
def session_create(request: MemberRequest) -> HttpResponse:
    membership = request.membership
    form = SessionForm(request.POST or None, organisation_id=membership.organisation_id)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        session = attempt_on_form(
            form,
            lambda: services.session_create(
                actor=request.user,
                membership=membership,
                date=data["date"],
                place=data["place"],
                member_ids=[u.pk for u in data["members"]],
            ),
        )
        if session is not None:
            messages.success(request, "La séance est créée.")
            return redirect("commissions:session_detail", session.pk)
    return render(request, "commissions/session_form.html", {"form": form})


def _decision_rows(
    items: list[Any], can_decide: bool, bound: DecisionForm | None, bound_item_id: int | None
) -> list[dict[str, Any]]:
    schemes = selectors.reorientation_schemes(items) if can_decide else {}
    reasons = selectors.masked_decision_reasons(items)
    rows = []
    for item in items:
        form = None
        if can_decide and not item.decision:
            form = (
                bound
                if bound is not None and item.pk == bound_item_id
                else DecisionForm(initial={"expected_state": item.dossier.state})
            )
        rows.append(
            {
                "item": item,
                "form": form,
                "schemes": schemes.get(item.pk, []),
                "reason": reasons.get(item.pk, ""),
            }
        )
    return rows


@roles_required(*SESSION_ROLES)
def session_detail(request: MemberRequest, session_id: int) -> HttpResponse:
    membership = request.membership
    session = selectors.session_for_user_or_404(request.user, membership, session_id)
    return render(request, "commissions/session_detail.html", _session_context(request, session))


def _session_context(
    request: MemberRequest,
    session: CommissionSession,
    *,
    bound: DecisionForm | None = None,
    bound_item_id: int | None = None,
) -> dict[str, Any]:
    """What the session page shows; `bound`, the decision form of the item `bound_item_id` as
    it was sent back with its errors."""
    membership = request.membership
    actor = request.user
    members = selectors.session_members(session)
    items = selectors.agenda(session)
    is_open = session.closed_at is None
    upcoming = session.date > timezone.localdate()
    can_manage = is_open and selectors.can_manage(session, membership)
    can_decide = is_open and selectors.can_decide(session, actor, membership)
    context: dict[str, Any] = {
        "session": session,
        "members": members,
        "rows": _decision_rows(items, can_decide and not upcoming, bound, bound_item_id),
        "is_open": is_open,
        "can_manage": can_manage,
        "can_decide": can_decide,
        "can_read_summaries": selectors.can_read_summaries(session, membership),
        "undecided": sum(1 for item in items if not item.decision),
        "upcoming": upcoming,
        "waiting_day": can_decide and upcoming,
        "waiting_presence": is_open
        and not can_decide
        and any(m.user_id == actor.pk and not m.present for m in members),
    }
    if can_manage:
        member_ids = {m.user_id for m in members}
        present_ids = {m.user_id for m in members if m.present}
        context["update_form"] = SessionUpdateForm(
            organisation_id=session.organisation_id,
            session_id=session.pk,
            initial={"date": session.date, "place": session.place},
        )
        context["candidates"] = [
            {"user": user, "member": user.pk in member_ids, "present": user.pk in present_ids}
            for user in selectors.member_choices(session.organisation_id, session_id=session.pk)
        ]
        add_form = AgendaAddForm(organisation_id=session.organisation_id, session_id=session.pk)
        context["add_form"] = add_form
        context["candidates_total"] = add_form.candidates_total()
        context["candidates_shown"] = AGENDA_CHOICES
    return context


@roles_required(*MANAGERS)
@require_POST
def session_update(request: MemberRequest, session_id: int) -> HttpResponse:
    membership = request.membership
    session = selectors.session_for_user_or_404(request.user, membership, session_id)
    form = SessionUpdateForm(
        request.POST, organisation_id=session.organisation_id, session_id=session.pk
    )
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, str(message))
    else:
        data = form.cleaned_data
        done = attempt_with_messages(
            request,
            lambda: services.session_update(
                actor=request.user,
                membership=membership,
                session_id=session.pk,
                date=data["date"],
                place=data["place"],
                member_ids=[u.pk for u in data["members"]],
                present_ids=[u.pk for u in data["present"]],
            ),
        )
        if done is not None:
            messages.success(request, "La séance est enregistrée.")
    return redirect(_session_url(session.pk, "membres"))


@roles_required(*MANAGERS)
@require_POST
def agenda_build(request: MemberRequest, session_id: int) -> HttpResponse:
    items = attempt_with_messages(
        request,
        lambda: services.agenda_build(
            actor=request.user,
            membership=request.membership,
            session_id=session_id,
        ),
    )
    if items == []:
        messages.info(request, "Aucun nouveau dossier n'est prêt pour la commission.")
    elif items:
        messages.success(request, f"{len(items)} dossier(s) ajouté(s) à l'ordre du jour.")
    return redirect(_session_url(session_id, "ordre-du-jour"))


@roles_required(*MANAGERS)
@require_POST
def agenda_item_add(request: MemberRequest, session_id: int) -> HttpResponse:
    membership = request.membership
    session = selectors.session_for_user_or_404(request.user, membership, session_id)
    form = AgendaAddForm(
        request.POST, organisation_id=session.organisation_id, session_id=session.pk
    )
    if not form.is_valid():
        messages.error(request, "Choisissez un dossier prêt pour la commission.")
    else:
        item = attempt_with_messages(
            request,
            lambda: services.agenda_item_add(
                actor=request.user,
                membership=membership,
                session_id=session.pk,
                dossier_id=form.cleaned_data["dossier"].pk,
            ),
        )
        if item is not None:
            messages.success(request, f"Le dossier {item.dossier.number} est à l'ordre du jour.")
    return redirect(_session_url(session.pk, "ordre-du-jour"))


@roles_required(*MANAGERS)
@require_POST
def agenda_item_remove(request: MemberRequest, item_id: int) -> HttpResponse:
    membership = request.membership
    item = selectors.agenda_item_for_user_or_404(request.user, membership, item_id)
    number = attempt_with_messages(
        request,
        lambda: services.agenda_item_remove(
            actor=request.user, membership=membership, item_id=item.pk
        ),
    )
    if number is not None:
        messages.success(request, f"Le dossier {number} est retiré de l'ordre du jour.")
    return redirect(_session_url(item.session_id, "ordre-du-jour"))


@roles_required(*DECIDERS)
@require_POST
def agenda_item_decide(request: MemberRequest, item_id: int) -> HttpResponse:
    membership = request.membership
    item = selectors.agenda_item_for_user_or_404(request.user, membership, item_id)
    form = DecisionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            decided = services.agenda_item_decide(
                actor=request.user,
                membership=membership,
                item_id=item.pk,
                decision=data["decision"],
                reason=data["reason"],
                reorientation_scheme=data["reorientation_scheme"],
                expected_state=data["expected_state"],
                today=timezone.localdate(),
            )
        except ValidationError as error:  # about a field: on the form, below
            add_refusal(form, error)
        except Refused as refusal:  # as a whole: the page says why
            for message in refusal.messages:
                messages.error(request, message)
            return redirect(_session_url(item.session_id, f"point-{item.pk}"))
        else:
            messages.success(
                request, f"Dossier {item.dossier.number} : {decided.get_decision_display()}."
            )
            return redirect(_session_url(item.session_id, f"point-{item.pk}"))
    # The form again, with its errors and what was typed, if it is still on the page.
    session = selectors.session_for_user_or_404(request.user, membership, item.session_id)
    context = _session_context(request, session, bound=form, bound_item_id=item.pk)
    if any(row["form"] is form for row in context["rows"]):
        return render(request, "commissions/session_detail.html", context)
    for errors in form.errors.values():  # decided meanwhile, session closed…: said on the page
        for text in errors:
            messages.error(request, str(text))
    return redirect(_session_url(item.session_id, f"point-{item.pk}"))


@roles_required(*MANAGERS)
@require_POST
def session_close(request: MemberRequest, session_id: int) -> HttpResponse:
    session = attempt_with_messages(
        request,
        lambda: services.session_close(
            actor=request.user,
            membership=request.membership,
            session_id=session_id,
            today=timezone.localdate(),
        ),
    )
    if session is not None:
        messages.success(request, "La séance est clôturée ; le procès-verbal est arrêté.")
    return redirect(_session_url(session_id))


@roles_required(*SESSION_ROLES)
def minutes_download(request: MemberRequest, session_id: int) -> HttpResponse:
    """The frozen minutes of a closed session; a draft (« projet ») while it is open."""
    membership = request.membership
    session = selectors.session_for_user_or_404(request.user, membership, session_id)
    if session.closed_at is None:
        content = pdfs.minutes_pdf(session, draft=True)
        name = f"projet-proces-verbal-{session.date:%Y-%m-%d}.pdf"
    else:
        if not session.minutes:
            raise Http404("Procès-verbal introuvable.")
        with session.minutes.open("rb") as handle:
            content = handle.read()
        name = f"proces-verbal-{session.date:%Y-%m-%d}.pdf"
    access_log_create(user=request.user, action=AccessAction.COMMISSION_MINUTES, obj=session)
    return _pdf(content, name)


@roles_required(*SESSION_ROLES)
def summary_detail(request: MemberRequest, item_id: int) -> HttpResponse:
    membership = request.membership
    item = selectors.summary_item_for_user_or_404(request.user, membership, item_id)
    summary = selectors.agenda_item_summary(item)
    access_log_create(user=request.user, action=AccessAction.COMMISSION_SUMMARY, obj=item.dossier)
    return render(
        request,
        "commissions/summary_detail.html",
        {"item": item, "session": item.session, "summary": summary},
    )


@roles_required(*SESSION_ROLES)
def summary_pdf(request: MemberRequest, item_id: int) -> HttpResponse:
    membership = request.membership
    item = selectors.summary_item_for_user_or_404(request.user, membership, item_id)
    summary = selectors.agenda_item_summary(item)
    access_log_create(
        user=request.user, action=AccessAction.COMMISSION_SUMMARY_PDF, obj=item.dossier
    )
    return _pdf(pdfs.summary_pdf(item, summary), f"fiche-{summary.number}.pdf")
