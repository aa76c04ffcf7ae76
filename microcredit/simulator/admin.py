from django.contrib import admin

from microcredit.core.enums import AccessAction
from microcredit.core.services import access_log_create, access_logs_create
from microcredit.simulator.models import ContactRequest


@admin.register(ContactRequest)
class ContactRequestAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
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

    def change_view(self, request, object_id, form_url="", extra_context=None):  # type: ignore[no-untyped-def]
        response = super().change_view(request, object_id, form_url, extra_context)
        contact_request = getattr(response, "context_data", {}).get("original")
        if response.status_code == 200 and contact_request is not None:
            access_log_create(
                user=request.user,
                action=AccessAction.FOLLOWUP_REQUEST_DETAIL,
                obj=contact_request,
                detail="administration technique",
            )
        return response

    def changelist_view(self, request, extra_context=None):  # type: ignore[no-untyped-def]
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if response.status_code == 200 and changelist is not None:
            access_logs_create(
                user=request.user,
                action=AccessAction.FOLLOWUP_REQUEST_LIST,
                objs=list(changelist.result_list),
                detail="administration technique",
            )
        return response

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
