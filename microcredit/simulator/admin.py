from django.contrib import admin

from microcredit.core.admin import PersonalDataAdminMixin
from microcredit.core.enums import AccessAction
from microcredit.simulator.models import ContactRequest


@admin.register(ContactRequest)
class ContactRequestAdmin(PersonalDataAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Requests come from the public page and are handled in the CCAS's inbox
    (/accompagnement/demandes/), which keeps their status in step: here they are read only, and
    each reading of a request is written in the access log, as in the inbox."""

    list_display = ["created_at", "last_name", "first_name", "phone", "email", "status"]
    list_filter = ["status", "organisation"]
    fields = (
        "organisation",
        "first_name",
        "last_name",
        "phone",
        "email",
        "preferred_times",
        "purpose_code",
        "message",
        "consent",
        "created_at",
        "status",
        "handled_by",
    )
    readonly_fields = fields
    access_list_action = AccessAction.FOLLOWUP_REQUEST_LIST
    access_detail_action = AccessAction.FOLLOWUP_REQUEST_DETAIL

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
