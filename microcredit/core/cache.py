"""A value kept in Django's cache: read it, or compute it and keep it (one helper for every
figure a page keeps a few minutes under a key that names what it was computed from)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.core.cache import cache

__all__ = ["cached"]

T = TypeVar("T")

_MISSING = object()


def cached(
    key: str,
    ttl: int,
    compute: Callable[[], T],
    *,
    refresh: bool = False,
    valid: Callable[[Any], bool] | None = None,
) -> T:
    """The value kept under `key`, or `compute()` kept there for `ttl` seconds (0: not kept).

    `refresh` computes it again whatever the cache holds; `valid` may refuse a value found
    (one of an older shape, or too old): it is then computed again. One cache read on a hit;
    a value computed as None is kept too (the cache's miss is told apart from it)."""
    if not refresh:
        kept = cache.get(key, _MISSING)
        if kept is not _MISSING and (valid is None or valid(kept)):
            return cast(T, kept)
    value = compute()
    cache.set(key, value, ttl)
    return value
