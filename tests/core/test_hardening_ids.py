"""F4 (#17): an id past the database's 64-bit integers answers 404, never 500, on every route
that takes an id, for every role (and for a visitor)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter
from django.urls.resolvers import RoutePattern

from microcredit.accounts.enums import Role
from microcredit.core.converters import MAX_ID, IdConverter

OVERFLOW = str(MAX_ID + 1)  # 9223372036854775808
TOO_LONG = "9" * 25
PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def _routes(
    patterns: list[URLPattern | URLResolver], prefix: str = ""
) -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern


def _all_converters() -> Iterator[tuple[str, object]]:
    def walk(patterns: list[URLPattern | URLResolver], prefix: str) -> Iterator[tuple[str, object]]:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern.pattern, RoutePattern):
                for converter in pattern.pattern.converters.values():
                    yield route, converter
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)

    yield from walk(get_resolver().url_patterns, "/")


def id_routes() -> list[str]:
    """Every route with an integer parameter, as a template `/dossiers/<id:dossier_id>/`: the
    project's (<id:…>) and the third-party admin's (<int:…>)."""
    return sorted(
        {
            "/" + route
            for route, _p in _routes(get_resolver().url_patterns)
            if "<id:" in route or "<int:" in route
        }
    )


def _fill(route: str, value: str) -> str:
    return PARAMETER.sub(lambda m: value if m["converter"] in {"id", "int"} else "x", route)


def test_every_integer_route_uses_the_bounded_converter() -> None:
    """No route of the project takes Django's unbounded <int:…>: a new one would bring the 500
    back. (The technical admin of django-otp keeps its own: its lookups are on the primary key,
    which Django bounds itself; the walk below covers them too.)"""
    unbounded = [
        route
        for route, c in _all_converters()
        if isinstance(c, IntConverter) and not route.startswith("/admin/")
    ]
    assert unbounded == []
    assert len([r for r in id_routes() if "<id:" in r]) >= 40


def test_converter_bounds() -> None:
    converter = IdConverter()
    assert converter.to_python(str(MAX_ID)) == MAX_ID
    with pytest.raises(ValueError):
        converter.to_python(OVERFLOW)
    assert re.fullmatch(converter.regex, TOO_LONG) is None


@pytest.mark.django_db
# The bounded converter refuses the id before any view runs, whoever asks: a visitor, the role
# that got the 500 (the commission member) and the technical admin (the admin's own routes)
# stand for all (the largest id below walks every role through the views).
@pytest.mark.parametrize("role", [None, Role.COMMITTEE_MEMBER, Role.ADMIN])
def test_overflowing_id_is_404_for_every_route_and_role(client: Client, make_user, role) -> None:  # type: ignore[no-untyped-def]
    """The project's routes: 404 (GET and POST). The admin's <int:pk> routes: never 500."""
    client.force_login(make_user(role))
    wrong: dict[str, int] = {}
    for route in id_routes():
        for url, method in (
            (_fill(route, OVERFLOW), client.get),
            (_fill(route, OVERFLOW), client.post),
            (_fill(route, TOO_LONG), client.get),
        ):
            status = method(url).status_code
            if status >= 500 or ("<id:" in route and status != 404):
                wrong[f"{method.__name__} {url}"] = status
    assert wrong == {}


@pytest.mark.django_db
@pytest.mark.parametrize("role", [*Role])
def test_largest_id_reaches_the_views_and_is_never_500(client: Client, make_user, role) -> None:  # type: ignore[no-untyped-def]
    """The largest 64-bit id still matches the route: the views look it up without error."""
    client.force_login(make_user(role))
    errors = {}
    for route in id_routes():
        url = _fill(route, str(MAX_ID))
        response = client.get(url)
        if response.status_code >= 500:
            errors[url] = response.status_code
    assert errors == {}
