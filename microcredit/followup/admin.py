"""The follow-up in the technical admin: what was written when and by whom, never what was
written (the technical administrator has no need to know it: bodies, places, outcomes and
summaries are read on the pages, where access is logged). Read only: notes and points d'étape
are append-only, appointments change through their service."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from microcredit.followup.models import Appointment, Note, StepReview


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Note)
class NoteAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "dossier", "author", "visibility"]
    list_filter = ["visibility"]
    list_select_related = ["dossier", "author"]
    fields = ["dossier", "author", "visibility", "created_at"]


@admin.register(Appointment)
class AppointmentAdmin(ReadOnlyAdmin):
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
class StepReviewAdmin(ReadOnlyAdmin):
    list_display = ["held_on", "dossier", "author", "next_on", "created_at"]
    list_select_related = ["dossier", "author"]
    fields = ["dossier", "author", "held_on", "next_on", "created_at"]
