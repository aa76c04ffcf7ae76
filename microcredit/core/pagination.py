"""The project's paginators: Django's, told how not to count a large list in full.

- `KnownCountPaginator`: the page already knows the list's total (a count kept in the cache):
  no count query at all;
- `CappedCountPaginator`: a bounded count, the pages stop at the cap (the admin's registers);
- `LatestPaginator`: a bounded count that says when the list goes further (`capped`), the pages
  stop at the cap (the read log's latest reads).

The two bounded ones count at most `counted_rows` + 1 rows in one query
(``SELECT COUNT(*) FROM (… LIMIT n + 1)``): what a list costs does not grow with its table.
"""

from __future__ import annotations

from typing import Any, cast

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

__all__ = [
    "BoundedCountPaginator",
    "CappedCountPaginator",
    "KnownCountPaginator",
    "LatestPaginator",
    "count_up_to",
]


def count_up_to(rows: QuerySet[Any], limit: int | None) -> int:
    """How many rows there are, counting no further than `limit` (``SELECT COUNT(*) FROM (…
    LIMIT limit)``: the database stops there); all of them when `limit` is None."""
    if limit is None:
        return rows.count()
    return rows.order_by()[:limit].count()


class KnownCountPaginator(Paginator):  # type: ignore[type-arg]
    """A paginator given its total when the page already knows it (None: it counts)."""

    def __init__(self, object_list: Any, per_page: int, *, count: int | None) -> None:
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        if self._known_count is not None:
            return self._known_count
        return super().count


class BoundedCountPaginator(Paginator):  # type: ignore[type-arg]
    """A paginator of a queryset that counts at most `counted_rows` + 1 of its rows (one
    bounded count); `capped`: the list holds more than `counted_rows` rows."""

    def __init__(
        self,
        object_list: Any,
        per_page: int,
        orphans: int = 0,
        allow_empty_first_page: bool = True,
        *,
        counted_rows: int,
    ) -> None:
        super().__init__(object_list, per_page, orphans, allow_empty_first_page)
        self.counted_rows = counted_rows

    @cached_property
    def rows_counted(self) -> int:
        """The rows counted: the list's length, or `counted_rows` + 1 when it is longer."""
        return count_up_to(cast("QuerySet[Any]", self.object_list), self.counted_rows + 1)

    @property
    def capped(self) -> bool:
        return self.rows_counted > self.counted_rows


class CappedCountPaginator(BoundedCountPaginator):
    """Its count stops at `counted_rows`, and so do its pages: past them, narrow the list with
    a filter or a search."""

    @cached_property
    def count(self) -> int:
        return min(self.rows_counted, self.counted_rows)


class LatestPaginator(BoundedCountPaginator):
    """Its count is `counted_rows` + 1 when the list goes further (`capped`: « more than … »);
    its pages stop at `counted_rows`."""

    @cached_property
    def count(self) -> int:
        return self.rows_counted

    @cached_property
    def num_pages(self) -> int:
        return max(1, -(-min(self.count, self.counted_rows) // self.per_page))
