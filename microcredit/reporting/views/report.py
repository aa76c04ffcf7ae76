"""Placeholder: written by the part of issue #16 that owns this module."""

from django.http import Http404, HttpResponse

from microcredit.accounts.access import roles_required
from microcredit.accounts.enums import Role
from microcredit.accounts.http import MemberRequest


@roles_required(Role.DIRECTOR)
def annual_report(request: MemberRequest, /, **kwargs: str) -> HttpResponse:
    raise Http404


@roles_required(Role.DIRECTOR)
def statistics_export(request: MemberRequest, /, **kwargs: str) -> HttpResponse:
    raise Http404
