"""The bank's service accounts page (#18): placeholder, filled in by its work."""

from __future__ import annotations

from django.http import HttpResponse

from microcredit.accounts.access import roles_required
from microcredit.accounts.enums import Role
from microcredit.accounts.http import MemberRequest


@roles_required(Role.BANK_ADVISER)
def service_accounts(request: MemberRequest) -> HttpResponse:
    return HttpResponse("")
