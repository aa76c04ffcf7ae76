"""A person's rights: find a person, export everything held about them, erase on request."""

from __future__ import annotations

from django.http import Http404, HttpResponse

from microcredit.accounts.access import roles_required
from microcredit.accounts.enums import PRIVACY_ROLES
from microcredit.accounts.http import MemberRequest


@roles_required(*PRIVACY_ROLES)
def people(request: MemberRequest) -> HttpResponse:
    return HttpResponse("")  # placeholder: built by the retention part of #17


@roles_required(*PRIVACY_ROLES)
def person(request: MemberRequest, applicant_id: int) -> HttpResponse:
    raise Http404


@roles_required(*PRIVACY_ROLES)
def person_export(request: MemberRequest, applicant_id: int) -> HttpResponse:
    raise Http404


@roles_required(*PRIVACY_ROLES)
def person_erase(request: MemberRequest, applicant_id: int) -> HttpResponse:
    raise Http404
