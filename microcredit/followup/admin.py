"""The follow-up in the technical admin: what was written when and by whom, never what was
written (the technical administrator has no need to know it: bodies, places, outcomes and
summaries are read on the pages, where access is logged). Read only: notes and points d'étape
are append-only, appointments change through their service. Their reads are logged all the same
(the dossier they hang off and who wrote them)."""

from __future__ import annotations

from django.contrib import admin

from microcredit.core.admin import PersonalDataAdminMixin, ReadOnlyAdmin
from microcredit.followup.models import Appointment, Note, StepReview


@admin.register(Note)
class NoteAdmin(PersonalDataAdminMixin, ReadOnlyAdmin):
    list_display = ["created_at", "dossier", "author", "visibility"]
    list_filter = ["visibility"]
    list_select_related = ["dossier", "author"]
    fields = ["dossier", "author", "visibility", "created_at"]


@admin.register(Appointment)
class AppointmentAdmin(PersonalDataAdminMixin, ReadOnlyAdmin):
    list_display = [
        "starts_at",
        "dossier",
        "status",
        "created_by",
        "staff_reminder_sent_at",
        "applicant_reminder_sent_at",
    ]
    list_filter = ["status"]
    list_select_related = ["dossier", "created_by"]
    fields = [
        "dossier",
        "starts_at",
        "status",
        "created_by",
        "created_at",
        "updated_at",
        "staff_reminder_sent_at",
        "applicant_reminder_sent_at",
    ]


@admin.register(StepReview)
class StepReviewAdmin(PersonalDataAdminMixin, ReadOnlyAdmin):
    list_display = ["held_on", "dossier", "author", "next_on", "created_at"]
    list_select_related = ["dossier", "author"]
    fields = ["dossier", "author", "held_on", "next_on", "created_at"]
