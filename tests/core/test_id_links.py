"""`id_url_maker`: a list's row links from one `reverse` a page, the very URLs `reverse` gives."""

from __future__ import annotations

import pytest
from django.urls import get_script_prefix, reverse, set_script_prefix

from microcredit.core.converters import MAX_ID, id_url_maker

VIEWS = ["dossiers:detail", "banking:dossier", "loans:detail", "servicing:loan"]
IDS = [1, 7, 42, 1000, 9_087_654_321_012_345_678, MAX_ID]


@pytest.mark.parametrize("viewname", VIEWS)
def test_each_link_is_reverse_s_own(viewname: str) -> None:
    link = id_url_maker(viewname)
    assert [link(pk) for pk in IDS] == [reverse(viewname, args=[pk]) for pk in IDS]


def test_under_a_script_prefix_too() -> None:
    before = get_script_prefix()
    set_script_prefix("/ccas-42/")
    try:
        link = id_url_maker("dossiers:detail")
        assert link(42) == reverse("dossiers:detail", args=[42])
        assert link(42).startswith("/ccas-42/")
    finally:
        set_script_prefix(before)


def test_only_an_integer_goes_in() -> None:
    link = id_url_maker("dossiers:detail")
    assert link("12") == reverse("dossiers:detail", args=[12])  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        link("12/../admin")  # type: ignore[arg-type]
