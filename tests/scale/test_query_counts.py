"""Issue #19, point 5: no page's query count grows with the data, no list renders more than a page.

Every list and home page (found from the URLconf: see pages.py) is read by each role its rule lets
in, at 10 dossiers and at 1,000 (`generate_volume`, each size in a transaction rolled back). The
number of SQL queries must be the same at both sizes, each page must answer 200, and each list
must render at most its page size (its paginator's, or DEFAULT_BOUND) while, at 1,000 dossiers,
the lists of OVERFLOWING hold more rows than one page.
"""

from __future__ import annotations

import difflib
import re
import time
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.scale.pages import (
    DEFAULT_BOUND,
    EXCLUDED,
    FEW_ROWS_BY_RULE,
    OVERFLOWING,
    PageSpec,
    Rows,
    all_pages,
    paginator_page,
    parameterless_pages,
    rows_of,
)
from tests.scale.volume import build_volume

SMALL = (10, 3)  # dossiers, loans
LARGE = (1000, 250)


@dataclass
class Measure:
    status: int
    queries: list[str]
    rows: Rows
    per_page: int | None  # the paginator's page size, None if the page has no paginator
    more: bool  # there is a next page (more rows than one page)
    seconds: float = 0.0


def _measure(client: Client, url: str, follow: bool) -> Measure:
    # A name search is redirected to its key (kept in the session), whose URL is measured.
    if follow:
        response = client.get(url, follow=True)
        if response.redirect_chain:
            url = response.redirect_chain[-1][0]
    started = time.monotonic()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    seconds = time.monotonic() - started
    queries = [q["sql"] for q in captured.captured_queries]
    if response.get("Content-Type", "").startswith("application/json"):
        body = response.json()
        items = body.get("items") if isinstance(body, dict) else None
        if items is None:
            return Measure(response.status_code, queries, Rows(), None, False)
        return Measure(
            response.status_code,
            queries,
            Rows(lists=[len(items)]),
            body.get("page_size"),
            body.get("page", 1) < body.get("pages", 1),
            seconds,
        )
    page = paginator_page(response.context)
    html = response.get("Content-Type", "").startswith("text/html")
    return Measure(
        response.status_code,
        queries,
        rows_of(response.content.decode()) if html else Rows(),
        page.paginator.per_page if page is not None else None,
        bool(page is not None and page.has_next()),
        seconds,
    )


TIMES: dict[str, float] = {}


def _measure_volume(dossiers: int, loans: int) -> dict[tuple[str, str], Measure]:
    # The pages' cache (the statistics) must not answer for the other size.
    cache.clear()
    started = time.monotonic()
    with transaction.atomic():
        volume = build_volume(dossiers, loans, timezone.localdate())
        TIMES[f"volume de {dossiers}"] = time.monotonic() - started
        measures = {}
        for spec in all_pages():
            url = spec.url.format(**volume.values)
            for role in spec.roles:
                measures[spec.label, role] = _measure(volume.clients[role], url, spec.follow)
        transaction.set_rollback(True)
    TIMES[f"pages à {dossiers}"] = sum(m.seconds for m in measures.values())
    cache.clear()
    return measures


_LITERALS = re.compile(r"'(?:[^']|'')*'|\"s\d+_x\d+\"|\b\d+(?:\.\d+)?\b")


def _shape(sql: str) -> str:
    return _LITERALS.sub("?", sql)


def _query_diff(small: list[str], large: list[str]) -> str:
    lines = difflib.unified_diff(
        [_shape(q)[:300] for q in small], [_shape(q)[:300] for q in large], lineterm="", n=0
    )
    return "\n".join(f"      {line}" for line in list(lines)[2:])


def _problems(
    specs: list[PageSpec], small: dict[Any, Measure], large: dict[Any, Measure]
) -> list[str]:
    problems = []
    for spec in specs:
        for role in spec.roles:
            key = (spec.label, role)
            s, g = small[key], large[key]
            where = f"{spec.label} [{role}]"
            if s.status != 200 or g.status != 200:
                problems.append(f"{where}: statut {s.status} (10) / {g.status} (1 000), pas 200")
                continue
            if len(s.queries) != len(g.queries):
                problems.append(
                    f"{where}: {len(s.queries)} requêtes à 10 dossiers, {len(g.queries)} à 1 000\n"
                    + _query_diff(s.queries, g.queries)
                )
            bound = g.per_page or DEFAULT_BOUND
            if g.rows.most > bound:
                problems.append(
                    f"{where}: {g.rows.most} lignes rendues à 1 000 dossiers, page de {bound} "
                    f"({'paginateur' if g.per_page else 'aucun paginateur'}; tableaux "
                    f"{g.rows.tables}, listes {g.rows.lists})"
                )
            if spec.overflows and role not in FEW_ROWS_BY_RULE and not g.more:
                problems.append(
                    f"{where}: à 1 000 dossiers, pas de page suivante (paginateur "
                    f"{'absent' if g.per_page is None else g.per_page}, "
                    f"{g.rows.most} lignes): la borne n'est pas éprouvée"
                )
    return problems


def _table(specs: list[PageSpec], small: dict[Any, Measure], large: dict[Any, Measure]) -> str:
    lines = ["page [rôle]: statut, requêtes 10 → 1 000, lignes à 1 000 / page"]
    for spec in specs:
        for role in spec.roles:
            s, g = small[spec.label, role], large[spec.label, role]
            lines.append(
                f"  {spec.label} [{role}]: {s.status}/{g.status}, {len(s.queries)} → "
                f"{len(g.queries)}, {g.rows.most} / {g.per_page or '-'}"
                f"{' (page suivante)' if g.more else ''}, {g.seconds * 1000:.0f} ms"
            )
    return "\n".join(lines)


def test_query_counts_do_not_grow_and_lists_stay_within_a_page(db: None) -> None:
    started = time.monotonic()
    small = _measure_volume(*SMALL)
    large = _measure_volume(*LARGE)
    specs = all_pages()
    problems = _problems(specs, small, large)
    assert not problems, (
        f"{len(problems)} problème(s):\n"
        + "\n".join(problems)
        + f"\n\nToutes les mesures ({time.monotonic() - started:.0f} s; "
        + ", ".join(f"{k} {v:.1f} s" for k, v in TIMES.items())
        + "):\n"
        + _table(specs, small, large)
    )


def test_the_measured_pages_are_found_from_the_urlconf() -> None:
    """The walk finds the project's lists (a change of the walker would otherwise measure none),
    and every name excluded or expected to overflow is a page of the URLconf."""
    names = {name for name, _rule in parameterless_pages()}
    assert {"shell:home", "dossiers:list", "banking:list", "api:v1:dossier_list"} <= names
    assert set(EXCLUDED) <= names, set(EXCLUDED) - names
    assert names >= OVERFLOWING, OVERFLOWING - names
    assert len(all_pages()) > len(names) - len(EXCLUDED)
