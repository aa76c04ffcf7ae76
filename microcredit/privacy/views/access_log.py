"""The read log, visible to the director and the data-protection officer."""

from __future__ import annotations

from django.http import HttpResponse

from microcredit.accounts.access import roles_required
from microcredit.accounts.enums import PRIVACY_ROLES
from microcredit.accounts.http import MemberRequest


@roles_required(*PRIVACY_ROLES)
def access_log(request: MemberRequest) -> HttpResponse:
    return HttpResponse("")  # placeholder: built by the read-log part of #17
