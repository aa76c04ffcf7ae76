"""The technical administration (Django admin): what it shows of the registers, and the mixin
that writes an access-log row for every list or record of personal data it opens."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from microcredit.core.enums import AccessAction, AuditAction
from microcredit.core.forms import FreeTextGuard
from microcredit.core.models import AccessLog, AuditEvent
from microcredit.core.pagination import CappedCountPaginator
from microcredit.core.services import access_log_create, access_logs_create

ADMIN_DETAIL = "administration technique"


class FreeTextGuardAdminMixin:
    """For a ModelAdmin whose forms Django builds from the model: the form gets the project's
    NIR refusal on its free-text fields (core.forms.FreeTextGuard), like every form of the
    project (F1, #17)."""

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)  # type: ignore[misc]
        if issubclass(form, FreeTextGuard):
            return form
        return type(form.__name__, (FreeTextGuard, form), {})


class PersonalDataAdminMixin:
    """For every ModelAdmin of a model holding personal data: opening its list writes one
    access-log row per record shown (one INSERT), opening one record writes one row, both
    « administration technique ». Only successful pages are logged (a refused or missing
    record reads nothing). An admin may name its own actions (the public's requests do)."""

    access_list_action: AccessAction = AccessAction.ADMIN_LIST
    access_detail_action: AccessAction = AccessAction.ADMIN_DETAIL

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().changelist_view(request, extra_context)  # type: ignore[misc]
        changelist = getattr(response, "context_data", None) or {}
        changelist = changelist.get("cl")
        if response.status_code == 200 and changelist is not None:
            access_logs_create(
                user=request.user,  # type: ignore[arg-type]
                action=self.access_list_action,
                objs=list(changelist.result_list),
                detail=ADMIN_DETAIL,
            )
        return response  # type: ignore[no-any-return]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
        context = getattr(response, "context_data", None) or {}
        original = context.get("original")
        if response.status_code == 200 and original is not None:
            access_log_create(
                user=request.user,  # type: ignore[arg-type]
                action=self.access_detail_action,
                obj=original,
                detail=ADMIN_DETAIL,
            )
        return response  # type: ignore[no-any-return]


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


# The registers hold millions of rows (issue #19: 1.6 M audit rows, 1 M reads): the admin's lists
# count at most this many rows, and their filters offer the known actions instead of reading the
# distinct values of the whole table (588 ms on 1.6 M rows).
ADMIN_COUNTED_ROWS = 10_000


def action_filter(choices: Any) -> type[admin.SimpleListFilter]:
    """A list filter on `action` whose choices are the enum's, not the table's distinct values."""

    class ActionFilter(admin.SimpleListFilter):
        title = "action"
        parameter_name = "action"

        def lookups(self, request: HttpRequest, model_admin: Any) -> Any:
            return choices

        def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
            value = self.value()
            return queryset.filter(action=value) if value else queryset

    return ActionFilter


class RegisterAdmin(PersonalDataAdminMixin, ReadOnlyAdmin):
    """What both registers' admin lists share: a capped count, no full-table count."""

    show_full_result_count = False

    def get_paginator(
        self,
        request: HttpRequest,
        queryset: QuerySet[Any],
        per_page: int,
        orphans: int = 0,
        allow_empty_first_page: bool = True,
    ) -> CappedCountPaginator:
        return CappedCountPaginator(
            queryset, per_page, orphans, allow_empty_first_page, counted_rows=ADMIN_COUNTED_ROWS
        )


@admin.register(AuditEvent)
class AuditEventAdmin(RegisterAdmin):
    """Audit rows keep old and new values (names, amounts): their reads are logged."""

    list_display = ["at", "actor", "action", "object_type", "object_id"]
    list_filter = [action_filter([(a.value, a.value) for a in AuditAction])]
    list_select_related = ["actor"]


@admin.register(AccessLog)
class AccessLogAdmin(RegisterAdmin):
    """The read log, read only; reading it is a read too. The director and the data-protection
    officer read their CCAS's part on /donnees-personnelles/journal/."""

    list_display = ["at", "user", "action", "object_type", "object_id", "detail"]
    list_filter = [action_filter([(a.value, a.value) for a in AccessAction])]
    list_select_related = ["user"]
