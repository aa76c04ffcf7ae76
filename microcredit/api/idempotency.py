"""`Idempotency-Key` on the API's writes (#18): a replay gets the first answer back."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

IDEMPOTENCY_HEADER = "Idempotency-Key"


def idempotent(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Placeholder: the view unchanged (the #18 idempotency work replaces this)."""

    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        return view(request, *args, **kwargs)

    wrapper.__dict__.update(view.__dict__)
    return wrapper
