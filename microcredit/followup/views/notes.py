"""Pages of a dossier's follow-up, under /accompagnement/: the whole timeline (notes,
appointments, points d'étape) with its forms, and the writes. The dossier page shows the last
entries and the same forms (``{% load followup %}{% dossier_followup %}``); a write that
succeeds comes back to the dossier page, one refused shows the follow-up page with the form as
typed and its faults."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_POST

from microcredit.accounts.access import roles_required
from microcredit.accounts.http import MemberRequest
from microcredit.core.enums import AccessAction
from microcredit.core.refusals import attempt_on_form, attempt_with_messages
from microcredit.core.services import access_log_create
from microcredit.followup.enums import AppointmentStatus, NoteVisibility
from microcredit.followup.forms import (
    AppointmentCloseForm,
    AppointmentForm,
    NoteForm,
    StepReviewForm,
    followup_forms,
)
from microcredit.followup.selectors.notes import (
    APPOINTMENT_ROLES,
    FOLLOWUP_ROLES,
    NOTE_WRITER_ROLES,
    REVIEW_WRITER_ROLES,
    appointment_for_user_or_404,
    followup_dossier_or_404,
    last_review,
    open_appointments,
    timeline_page,
)
from microcredit.followup.services.notes import (
    appointment_close,
    appointment_create,
    note_create,
    step_review_create,
)


def _dossier_url(dossier_id: int) -> str:
    return reverse("dossiers:detail", args=[dossier_id]) + "#suivi"


def _render_page(
    request: MemberRequest, dossier_id: int, status: int = 200, **bound: forms.Form
) -> HttpResponse:
    dossier, rights = followup_dossier_or_404(request.user, request.membership, dossier_id)
    page = timeline_page(dossier, rights, request.GET.get("page"))
    access_log_create(
        user=request.user,
        action=AccessAction.FOLLOWUP_TIMELINE,
        obj=dossier,
        detail=f"page {page.number} : {len(page.object_list)} élément(s)",
    )
    context: dict[str, Any] = {
        "dossier": dossier,
        "rights": rights,
        "page": page,
        "open_appointments": open_appointments(dossier, rights),
        "last_review": last_review(dossier, rights),
        "shared_visibility": NoteVisibility.SHARED.value,
        **followup_forms(rights, **bound),
    }
    return render(request, "followup/dossier_followup.html", context, status=status)


@roles_required(*FOLLOWUP_ROLES)
def dossier_followup(request: MemberRequest, dossier_id: int) -> HttpResponse:
    """The whole follow-up of a dossier, newest first, paginated, with the forms."""
    return _render_page(request, dossier_id)


@roles_required(*NOTE_WRITER_ROLES)
@require_POST
def note_create_view(request: MemberRequest, dossier_id: int) -> HttpResponse:
    form = NoteForm(request.POST)
    if form.is_valid():
        note = attempt_on_form(
            form,
            lambda: note_create(
                actor=request.user,
                membership=request.membership,
                dossier_id=dossier_id,
                visibility=form.cleaned_data["visibility"],
                body=form.cleaned_data["body"],
            ),
        )
        if note is not None:
            if note.visibility == NoteVisibility.SHARED:
                messages.success(
                    request, "Note enregistrée, partagée avec le travailleur social partenaire."
                )
            else:
                messages.success(request, "Note enregistrée, réservée à l'équipe du CCAS.")
            return HttpResponseRedirect(_dossier_url(dossier_id))
    return _render_page(request, dossier_id, note_form=form)


@roles_required(*APPOINTMENT_ROLES)
@require_POST
def appointment_create_view(request: MemberRequest, dossier_id: int) -> HttpResponse:
    form = AppointmentForm(request.POST)
    if form.is_valid():
        appointment = attempt_on_form(
            form,
            lambda: appointment_create(
                actor=request.user,
                membership=request.membership,
                dossier_id=dossier_id,
                starts_at=form.cleaned_data["when"],
                place=form.cleaned_data["place"],
                with_whom=form.cleaned_data["with_whom"],
            ),
        )
        if appointment is not None:
            messages.success(request, "Rendez-vous enregistré.")
            return HttpResponseRedirect(_dossier_url(dossier_id))
    return _render_page(request, dossier_id, appointment_form=form)


@roles_required(*APPOINTMENT_ROLES)
@require_POST
def appointment_close_view(request: MemberRequest, appointment_id: int) -> HttpResponse:
    """« Honoré », « Manqué » or « Annuler le rendez-vous », then back to the dossier page."""
    appointment = appointment_for_user_or_404(request.user, request.membership, appointment_id)
    form = AppointmentCloseForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return HttpResponseRedirect(_dossier_url(appointment.dossier_id))
    closed = attempt_with_messages(
        request,
        lambda: appointment_close(
            actor=request.user,
            membership=request.membership,
            appointment_id=appointment.pk,
            status=form.cleaned_data["status"],
            outcome=form.cleaned_data["outcome"],
        ),
    )
    if closed is not None:
        messages.success(
            request, f"Rendez-vous marqué « {AppointmentStatus(closed.status).label} »."
        )
    return HttpResponseRedirect(_dossier_url(appointment.dossier_id))


@roles_required(*REVIEW_WRITER_ROLES)
@require_POST
def step_review_create_view(request: MemberRequest, dossier_id: int) -> HttpResponse:
    form = StepReviewForm(request.POST)
    if form.is_valid():
        review = attempt_on_form(
            form,
            lambda: step_review_create(
                actor=request.user,
                membership=request.membership,
                dossier_id=dossier_id,
                held_on=form.cleaned_data["held_on"],
                summary=form.cleaned_data["summary"],
                next_on=form.cleaned_data["next_on"],
            ),
        )
        if review is not None:
            messages.success(request, "Point d'étape enregistré.")
            return HttpResponseRedirect(_dossier_url(dossier_id))
    return _render_page(request, dossier_id, review_form=form)


urlpatterns: list[URLPattern] = [
    path("dossiers/<id:dossier_id>/", dossier_followup, name="dossier_followup"),
    path("dossiers/<id:dossier_id>/notes/", note_create_view, name="note_create"),
    path(
        "dossiers/<id:dossier_id>/rendez-vous/",
        appointment_create_view,
        name="appointment_create",
    ),
    path(
        "rendez-vous/<id:appointment_id>/cloture/",
        appointment_close_view,
        name="appointment_close",
    ),
    path(
        "dossiers/<id:dossier_id>/points-d-etape/",
        step_review_create_view,
        name="review_create",
    ),
]
