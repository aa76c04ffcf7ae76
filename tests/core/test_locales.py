"""The catalogues (issue #15): the English one covers every string, Python messages included,
and French counts 0 as singular. The .mo files are compiled by `make messages`."""

from __future__ import annotations

import re

import pytest
from django.utils import translation
from django.utils.translation import ngettext

from microcredit.dossiers.rules import EligibilityTally
from microcredit.dossiers.texts import eligibility_headline
from microcredit.locale import fr_plurals

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%")


def english_entries() -> list[fr_plurals.Entry]:
    entries = fr_plurals.parse(fr_plurals.ENGLISH.read_text(encoding="utf-8"))
    return [entry for entry in entries if entry.msgid]  # not the header


def test_every_english_entry_is_translated_and_none_is_fuzzy() -> None:
    entries = english_entries()
    assert len(entries) > 1000
    untranslated = [e.msgid for e in entries if not all(e.translations)]
    fuzzy = [e.msgid for e in entries if e.fuzzy]
    assert untranslated == []
    assert fuzzy == []
    assert [e.msgid for e in entries if e.msgid_plural and len(e.msgstr_plural) != 2] == []


def test_english_translations_keep_their_placeholders() -> None:
    wrong = []
    for entry in english_entries():
        if "python-format" not in entry.flags:
            continue
        # The plural form (or the only one) has all of the source's placeholders; a singular
        # may drop the count (« Et %(more)s autre. » / « One more. »).
        source = entry.msgid_plural or entry.msgid or ""
        if sorted(PLACEHOLDER.findall(source)) != sorted(
            PLACEHOLDER.findall(entry.translations[-1])
        ):
            wrong.append(entry.msgid)
    assert wrong == []


def test_the_french_catalogue_holds_every_plural_entry_and_is_up_to_date() -> None:
    """microcredit/locale/fr_plurals.py writes it from the English catalogue."""
    english = fr_plurals.ENGLISH.read_text(encoding="utf-8")
    assert fr_plurals.FRENCH.read_text(encoding="utf-8") == fr_plurals.french_plurals(
        fr_plurals.parse(english)
    )
    french = [e for e in fr_plurals.parse(fr_plurals.FRENCH.read_text(encoding="utf-8")) if e.msgid]
    assert french
    assert all(e.msgid_plural for e in french)
    assert all(e.translations == [e.msgid, e.msgid_plural] for e in french)


@pytest.mark.parametrize(
    ("n", "expected"),
    [(0, "0 enfant à charge"), (1, "1 enfant à charge"), (2, "2 enfants à charge")],
)
def test_french_counts_zero_as_singular(n: int, expected: str) -> None:
    with translation.override("fr"):
        text = ngettext("%(n)s enfant à charge", "%(n)s enfants à charge", n) % {"n": n}
    assert text == expected


def test_a_python_plural_in_french_and_in_english() -> None:
    none_met = EligibilityTally(total=7, met=0, failed=(), incomplete=())
    with translation.override("fr"):
        assert eligibility_headline(none_met) == "0 critère rempli sur 7"
    failing = EligibilityTally(total=7, met=5, failed=("Montant", "Durée"), incomplete=("Âge",))
    with translation.override("en"):
        assert eligibility_headline(none_met) == "0 criteria out of 7 met"
        assert eligibility_headline(failing) == (
            "2 criteria out of 7 not met: montant, durée; 1 to be completed: âge"
        )


@pytest.mark.django_db
def test_a_page_in_english(client, saint_etienne) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/accessibilite/", headers={"accept-language": "en"}).content.decode()
    assert "<h1>Accessibility statement</h1>" in html
    assert f"{saint_etienne.name} is committed to making its digital services accessible" in html
    assert "<strong>partially compliant</strong>" in html
    assert "about 60 to 75% of the applicable criteria" in html
    assert "Déclaration d'accessibilité" not in html
