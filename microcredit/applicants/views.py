"""Applicant pages (CCAS staff): record a person, their household, and open a dossier."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from microcredit.accounts.access import roles_required
from microcredit.accounts.enums import DOSSIER_STAFF_ROLES
from microcredit.accounts.http import MemberRequest
from microcredit.applicants import selectors, services
from microcredit.applicants.forms import ApplicantForm, HouseholdMemberForm
from microcredit.applicants.models import HouseholdMember
from microcredit.applicants.selectors import possible_duplicates
from microcredit.core.enums import AccessAction
from microcredit.core.refusals import attempt_on_form
from microcredit.core.services import access_log_create


@roles_required(*DOSSIER_STAFF_ROLES)
def applicant_create(request: MemberRequest) -> HttpResponse:
    membership = request.membership
    form = ApplicantForm(request.POST or None)
    duplicates = []
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
        if duplicates and not data["confirm_not_duplicate"]:
            form.add_error(
                None,
                "Une personne du même nom, née le même jour, est déjà enregistrée : ouvrez son "
                "dossier, ou cochez la case si c'est bien une autre personne.",
            )
        else:
            applicant = attempt_on_form(
                form,
                lambda: services.applicant_create(
                    actor=request.user,
                    membership=membership,
                    values=form.values(),
                    notifications_consent=form.consent_given(),
                ),
            )
            if applicant is not None:
                messages.success(request, f"{applicant.full_name} est enregistré·e.")
                return redirect(f"{reverse('dossiers:create')}?demandeur={applicant.pk}")
    return render(
        request,
        "applicants/applicant_form.html",
        {"form": form, "duplicates": duplicates, "applicant": None},
    )


@roles_required(*DOSSIER_STAFF_ROLES)
def applicant_detail(request: MemberRequest, applicant_id: int) -> HttpResponse:
    applicant = selectors.applicant_for_membership_or_404(request.membership, applicant_id)
    access_log_create(user=request.user, action=AccessAction.APPLICANT_DETAIL, obj=applicant)
    dossiers = applicant.dossiers.select_related("referent").order_by("-created_at")
    return render(
        request,
        "applicants/applicant_detail.html",
        {"applicant": applicant, "dossiers": dossiers, "member_form": HouseholdMemberForm()},
    )


@roles_required(*DOSSIER_STAFF_ROLES)
def applicant_edit(request: MemberRequest, applicant_id: int) -> HttpResponse:
    applicant = selectors.applicant_for_membership_or_404(request.membership, applicant_id)
    form = ApplicantForm(request.POST or None, instance=applicant)
    if request.method == "POST" and form.is_valid():
        updated = attempt_on_form(
            form,
            lambda: services.applicant_update(
                actor=request.user,
                applicant=applicant,
                values=form.values(),
                notifications_consent=form.consent_given(),
            ),
        )
        if updated is not None:
            messages.success(request, "Les informations sont enregistrées.")
            return redirect("applicants:detail", applicant.pk)
    else:
        access_log_create(user=request.user, action=AccessAction.APPLICANT_EDIT, obj=applicant)
    return render(
        request,
        "applicants/applicant_form.html",
        {"form": form, "duplicates": [], "applicant": applicant},
    )


@roles_required(*DOSSIER_STAFF_ROLES)
@require_POST
def member_add(request: MemberRequest, applicant_id: int) -> HttpResponse:
    applicant = selectors.applicant_for_membership_or_404(request.membership, applicant_id)
    form = HouseholdMemberForm(request.POST)
    if form.is_valid():
        member = attempt_on_form(
            form,
            lambda: services.household_member_add(
                actor=request.user,
                applicant=applicant,
                **form.cleaned_data,
            ),
        )
        if member is not None:
            messages.success(request, "Membre du ménage ajouté.")
            return redirect("applicants:detail", applicant.pk)
    dossiers = applicant.dossiers.select_related("referent").order_by("-created_at")
    return render(
        request,
        "applicants/applicant_detail.html",
        {"applicant": applicant, "dossiers": dossiers, "member_form": form},
        status=400,
    )


@roles_required(*DOSSIER_STAFF_ROLES)
@require_POST
def member_remove(request: MemberRequest, applicant_id: int, member_id: int) -> HttpResponse:
    applicant = selectors.applicant_for_membership_or_404(request.membership, applicant_id)
    member = HouseholdMember.objects.filter(applicant=applicant, pk=member_id).first()
    if member is not None:
        services.household_member_remove(actor=request.user, member=member)
        messages.success(request, "Membre du ménage retiré.")
    return redirect("applicants:detail", applicant.pk)
