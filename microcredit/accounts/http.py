"""The requests a view receives, typed by what the access rules guarantee.

Django types `request.user` as "a user or the anonymous user" and knows nothing of the
membership `MembershipMiddleware` attaches. A view declares the request its access rule
guarantees (`accounts.access`), and reads `request.user` and `request.membership` typed:

- `HtmxRequest`: any request, `public` views included (`request.htmx`, from HtmxMiddleware).
- `AuthenticatedRequest`: any view not marked `public` (LoginRequiredMiddleware lets only
  logged-in people through); the person may hold no active membership.
- `MemberRequest`: a view under `roles_required`, which refuses anyone without an active
  membership holding one of its roles.
"""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from microcredit.accounts.models import Membership, User


class HtmxRequest(HttpRequest):
    htmx: HtmxDetails


class AuthenticatedRequest(HtmxRequest):
    user: User
    membership: Membership | None


class MemberRequest(AuthenticatedRequest):
    membership: Membership
