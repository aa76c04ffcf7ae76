from django.contrib import admin

from microcredit.core.admin import FreeTextGuardAdminMixin
from microcredit.programmes.models import Programme, ProgrammeVersion


@admin.register(Programme)
class ProgrammeAdmin(FreeTextGuardAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "organisation", "bank_partner"]


@admin.register(ProgrammeVersion)
class ProgrammeVersionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only: versions are created by the directeur·rice's form, never edited."""

    list_display = ["programme", "number", "valid_from", "created_by"]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
