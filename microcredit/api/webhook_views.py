"""The bank's webhooks page (#18): placeholder, filled in by its work."""

from __future__ import annotations

from django.http import HttpResponse

from microcredit.accounts.access import roles_required
from microcredit.accounts.enums import Role
from microcredit.accounts.http import MemberRequest


@roles_required(Role.BANK_ADVISER)
def webhooks(request: MemberRequest) -> HttpResponse:
    return HttpResponse("")
