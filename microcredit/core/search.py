"""Name searches kept out of URLs, hence out of the web server's and proxies' logs (F6, #17;
docs/adr/0011).

A search form is a POST; the terms stay in the session under an opaque key and the list is shown
at `?recherche=<key>` (Post/Redirect/Get: reload, back button and pagination replay that URL).
A dossier number is no personal data: it stays in the URL as `?q=MC-2026-00042`. A name that
reaches a list's URL anyway (an old bookmark, a hand-written address) is moved out of it at once.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect

SEARCH_PARAM = "recherche"
QUERY_PARAM = "q"
QUERY_MAX_LENGTH = 100
MAX_STORED_SEARCHES = 20
# A dossier number or a piece of one (MC-2026-00042, 2026-00042, 00042, MC): digits and hyphens,
# with the platform's prefix. Anything else may be a name.
NUMBER_QUERY = re.compile(r"(?i)(?:mc)?[0-9-]*")


def is_number_query(query: str) -> bool:
    return NUMBER_QUERY.fullmatch(query) is not None


def _session_key(namespace: str) -> str:
    return f"{namespace}_searches"


def _remember(request: HttpRequest, namespace: str, query: str) -> str:
    """The opaque key of `query` in the session (the same key for the same terms)."""
    session_key = _session_key(namespace)
    searches: dict[str, str] = dict(request.session.get(session_key, {}))
    key = next((k for k, v in searches.items() if v == query), None)
    if key is None:
        key = secrets.token_urlsafe(9)
        searches[key] = query
        while len(searches) > MAX_STORED_SEARCHES:
            searches.pop(next(iter(searches)))
        request.session[session_key] = searches
    return key


def _redirect(
    request: HttpRequest, data: QueryDict, url: str, namespace: str, keep: Iterable[str]
) -> HttpResponse:
    """303 to the list with the kept parameters and either the number or the search's key."""
    params = QueryDict(mutable=True)
    query = data.get(QUERY_PARAM, "").strip()[:QUERY_MAX_LENGTH]
    if query:
        if is_number_query(query):
            params[QUERY_PARAM] = query
        else:
            params[SEARCH_PARAM] = _remember(request, namespace, query)
    for name in keep:
        value = data.get(name, "").strip()
        if value:
            params[name] = value
    response = redirect(f"{url}?{params.urlencode()}" if params else url)
    response.status_code = 303
    return response


@dataclass(frozen=True)
class Search:
    """The terms a list shows: `query` (a number from the URL or the terms kept in the session),
    and whether the URL named a search this session does not hold (a bookmark: say so)."""

    query: str
    expired: bool


def search_terms(
    request: HttpRequest, *, url: str, namespace: str, keep: Iterable[str]
) -> Search | HttpResponse:
    """The list's search, or the redirect that takes a name out of the URL (answer it as is).
    `keep`: the list's other parameters (state, filters) the redirect carries along."""
    if request.method == "POST":
        return _redirect(request, request.POST, url, namespace, keep)
    query = request.GET.get(QUERY_PARAM, "").strip()[:QUERY_MAX_LENGTH]
    if query and not is_number_query(query):
        return _redirect(request, request.GET, url, namespace, keep)
    key = request.GET.get(SEARCH_PARAM, "")
    if not key:
        return Search(query=query, expired=False)
    stored = request.session.get(_session_key(namespace), {}).get(key)
    if isinstance(stored, str):
        return Search(query=stored, expired=False)
    return Search(query=query, expired=True)
