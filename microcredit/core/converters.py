"""The project's path converter for database ids: `<id:dossier_id>`, and the links of a list's
rows to a view taking one (`id_url_maker`).

Django's `<id:…>` accepts any run of digits, and an id past the database's 64-bit integers
(`/dossiers/9223372036854775808/`) reaches the query: some lookups (a foreign key's
`dossier_id=…`) then fail with an OverflowError (SQLite) or a DataError (PostgreSQL), a 500.
This converter refuses such a value, so the URL does not match and the answer is a plain 404,
for every route and every role, before any view runs.
"""

from __future__ import annotations

from collections.abc import Callable

from django.urls import register_converter, reverse
from django.urls.converters import get_converters

# The largest value of a BigAutoField / BigIntegerField (signed 64-bit) on every backend.
MAX_ID = 2**63 - 1


class IdConverter:
    """Digits only, at most 19 of them, and no larger than a signed 64-bit integer."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValueError("id out of range")
        return number

    def to_url(self, value: int | str) -> str:
        return str(value)


def register() -> None:
    """Called by the core app's ready(), before any URLconf is loaded (once: a second call
    would override the converter, which Django deprecates)."""
    if "id" not in get_converters():
        register_converter(IdConverter, "id")


# A placeholder id: 19 digits, as many as the converter takes, below MAX_ID.
_ID_MARKER = 9_087_654_321_012_345_678


def id_url_maker(viewname: str) -> Callable[[int], str]:
    """`reverse(viewname, args=[id])` for each row of a list, at the price of one `reverse` a
    page: the URL of a placeholder id, each row's id put in its place. Exactly reverse's own
    result: the converter writes an id as its digits (`to_url`), which `reverse` neither quotes
    nor escapes, and the script prefix is read once, in the same request."""
    head, _marker, tail = reverse(viewname, args=[_ID_MARKER]).rpartition(str(_ID_MARKER))
    return lambda pk: f"{head}{int(pk)}{tail}"
