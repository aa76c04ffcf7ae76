"""The bilan's tests start with an empty cache: the dashboard keeps a computed bilan a few
minutes (microcredit.reporting.cache), and a test's ids may be another test's after a rollback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()
