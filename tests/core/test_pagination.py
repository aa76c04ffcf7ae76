"""The project's paginators (core.pagination): a known total costs no count, a bounded count
reads at most its cap + 1 rows in one query, and each one's pages stop where it says."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext

from microcredit.accounts.models import User
from microcredit.core.pagination import CappedCountPaginator, KnownCountPaginator, LatestPaginator

pytestmark = pytest.mark.django_db


def _rows(total: int) -> QuerySet[User]:
    User.objects.bulk_create(User(username=f"ligne-{n:02d}") for n in range(total))
    return User.objects.filter(username__startswith="ligne-").order_by("username")


def _counted(paginator: Any) -> tuple[int, list[str]]:
    """The paginator's count and the SQL it took to know it."""
    with CaptureQueriesContext(connection) as queries:
        count = paginator.count
    return count, [q["sql"] for q in queries.captured_queries]


def test_a_known_count_is_taken_as_given_and_none_counts() -> None:
    rows = _rows(5)
    count, sqls = _counted(KnownCountPaginator(rows, 2, count=40))
    assert (count, sqls) == (40, [])
    paginator = KnownCountPaginator(rows, 2, count=None)
    count, sqls = _counted(paginator)
    assert (count, len(sqls), paginator.num_pages) == (5, 1, 3)
    page = KnownCountPaginator(rows, 2, count=5).get_page(3)
    assert [u.username for u in page.object_list] == ["ligne-04"]


def test_the_capped_count_stops_at_its_cap_and_so_do_its_pages() -> None:
    rows = _rows(7)
    paginator = CappedCountPaginator(rows, 2, counted_rows=3)
    count, sqls = _counted(paginator)
    assert count == 3 and len(sqls) == 1 and "LIMIT" in sqls[0].upper()
    assert (paginator.capped, paginator.num_pages) == (True, 2)
    assert paginator.get_page(9).number == 2  # past the cap: the last counted page
    under = CappedCountPaginator(rows, 2, counted_rows=10)
    assert (under.count, under.capped, under.num_pages) == (7, False, 4)
    exact = CappedCountPaginator(rows, 2, counted_rows=7)
    assert (exact.count, exact.capped) == (7, False)


def test_the_latest_count_says_there_is_more_and_its_pages_stop_at_the_cap() -> None:
    rows = _rows(7)
    paginator = LatestPaginator(rows, 2, counted_rows=3)
    count, sqls = _counted(paginator)
    assert count == 4 and len(sqls) == 1 and "LIMIT" in sqls[0].upper()
    assert (paginator.capped, paginator.num_pages) == (True, 2)
    page = paginator.get_page(9)
    assert page.number == 2 and [u.username for u in page.object_list] == ["ligne-02", "ligne-03"]
    exact = LatestPaginator(rows, 2, counted_rows=7)
    assert (exact.count, exact.capped, exact.num_pages) == (7, False, 4)
    empty = LatestPaginator(rows.none(), 2, counted_rows=3)
    assert (empty.count, empty.capped, empty.num_pages) == (0, False, 1)
    assert list(empty.get_page(1).object_list) == []


def _links(html: str) -> list[str]:
    return re.findall(r'href="([^"]*)"', html)


def test_the_pagination_include_links_with_page_by_default_and_its_options_otherwise() -> None:
    page = Paginator(list(range(7)), 3).get_page(2)
    html = render_to_string("core/_pagination.html", {"page": page, "page_query": "etat=a"})
    assert _links(html) == ["?etat=a&amp;page=1", "?etat=a&amp;page=3"]
    assert "sur" not in html
    html = render_to_string(
        "core/_pagination.html",
        {
            "page": page,
            "page_query": "",
            "page_param": "versions",
            "page_anchor": "echeancier",
            "page_numbers": True,
        },
    )
    assert _links(html) == ["?versions=1#echeancier", "?versions=3#echeancier"]
    assert "Page 2 sur 3" in html
    alone = Paginator([1], 3).get_page(1)
    assert render_to_string("core/_pagination.html", {"page": alone}).strip() == ""
