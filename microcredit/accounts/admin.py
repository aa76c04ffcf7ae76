"""Accounts in the technical administration. Staff names and e-mails are personal data: their
reads are logged (core.admin.PersonalDataAdminMixin). Every role given here, on the membership
page or in the user's inline, goes through accounts.services (audit row and e-mail to the
organisation's directors)."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.forms import BaseModelForm
from django.http import HttpRequest

from microcredit.accounts.models import Membership, User
from microcredit.accounts.services import role_grant_record, role_state
from microcredit.core.admin import FreeTextGuardAdminMixin, PersonalDataAdminMixin


class MembershipInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Membership
    extra = 0
    autocomplete_fields = ["organisation"]


@admin.register(User)
class ProjectUserAdmin(FreeTextGuardAdminMixin, PersonalDataAdminMixin, UserAdmin):  # type: ignore[type-arg]
    inlines = [MembershipInline]
    list_display = [
        "username",
        "first_name",
        "last_name",
        "email",
        "is_active",
        "is_staff",
        "is_service_account",
    ]
    list_filter = [*UserAdmin.list_filter, "is_service_account"]

    def save_formset(
        self, request: HttpRequest, form: BaseModelForm[Any], formset: Any, change: bool
    ) -> None:
        if formset.model is not Membership:
            super().save_formset(request, form, formset, change)
            return
        # Read what each membership granted before the inline's changes are saved.
        before = {f.instance.pk: role_state(f.instance) for f in formset.forms if f.instance.pk}
        for membership in formset.save():
            role_grant_record(
                actor=request.user,  # type: ignore[arg-type]
                membership=membership,
                before=before.get(membership.pk),
            )


@admin.register(Membership)
class MembershipAdmin(FreeTextGuardAdminMixin, PersonalDataAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["user", "organisation", "role", "active", "bank_admin"]
    list_filter = ["role", "active", "bank_admin", "organisation"]
    list_select_related = ["user", "organisation"]
    autocomplete_fields = ["user", "organisation"]

    def save_model(
        self, request: HttpRequest, obj: Membership, form: BaseModelForm[Any], change: bool
    ) -> None:
        before = role_state(obj)
        super().save_model(request, obj, form, change)
        role_grant_record(actor=request.user, membership=obj, before=before)  # type: ignore[arg-type]


# The lock-out's records (django-axes: usernames and IP addresses of the staff) are personal data
# too: their admin pages, registered by axes before this app, get the same logging.
for _label in ("axes.AccessAttempt", "axes.AccessFailureLog", "axes.AccessLog"):
    _model = apps.get_model(_label)
    if admin.site.is_registered(_model):
        _current = type(admin.site.get_model_admin(_model))
        if not issubclass(_current, PersonalDataAdminMixin):
            admin.site.unregister(_model)
            admin.site.register(
                _model, type(_current.__name__, (PersonalDataAdminMixin, _current), {})
            )
