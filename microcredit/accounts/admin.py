from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from microcredit.accounts.models import Membership, User


class MembershipInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Membership
    extra = 0
    autocomplete_fields = ["organisation"]


@admin.register(User)
class ProjectUserAdmin(UserAdmin):  # type: ignore[type-arg]
    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "email", "is_active", "is_staff"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["user", "organisation", "role", "active"]
    list_filter = ["role", "active", "organisation"]
    autocomplete_fields = ["user", "organisation"]
