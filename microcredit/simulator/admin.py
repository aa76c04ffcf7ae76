from django.contrib import admin

from microcredit.simulator.models import ContactRequest
from microcredit.simulator.services import contact_request_status_change


@admin.register(ContactRequest)
class ContactRequestAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Requests come from the public page: staff read them and change the status only."""

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
    readonly_fields = tuple(f for f in fields if f != "status")

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        if change and "status" in form.changed_data:
            contact_request_status_change(
                actor=request.user, contact_request=obj, status=obj.status
            )

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
