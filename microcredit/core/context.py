"""Request-scoped values the shared writers read (#18): which API token the current request
came through.

The API's authentication sets it for the request (`api_token_acting`), its view wrapper resets it
when the answer is made; `core.services.audit_event_create` and the access-log writers copy it
into `api_token_id`. Outside an API call it is None: a page's action records no token. A
`ContextVar` is per thread (and per asyncio task): two concurrent requests never see each
other's token.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

_api_token_id: ContextVar[int | None] = ContextVar("api_token_id", default=None)


def current_api_token_id() -> int | None:
    """The id of the API token the running request authenticated with; None outside the API."""
    return _api_token_id.get()


def api_token_set(token_id: int | None) -> Token[int | None]:
    """Record the request's token; the returned handle restores the previous value."""
    return _api_token_id.set(token_id)


def api_token_reset(handle: Token[int | None]) -> None:
    _api_token_id.reset(handle)


@contextmanager
def api_token_acting(token_id: int | None) -> Iterator[None]:
    """Within the block, the writers record `token_id`; the previous value afterwards."""
    handle = api_token_set(token_id)
    try:
        yield
    finally:
        api_token_reset(handle)
