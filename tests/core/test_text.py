"""The one place where typed text is folded, read as a number or as a SIRET (no database)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from microcredit.core.text import (
    INVALID_SIRET,
    fold,
    fold_in_place,
    normalise_siret,
    parse_decimal,
    strip_accents,
)


class TestStripAccents:
    def test_keeps_case_and_punctuation(self) -> None:
        assert strip_accents("Élodie Fayolle-Roux (réf. 2)") == "Elodie Fayolle-Roux (ref. 2)"

    def test_ascii_only_drops_what_has_no_ascii_letter(self) -> None:
        assert strip_accents("Œuvre à 12 €", ascii_only=True) == "uvre a 12 "
        assert strip_accents("Œuvre à 12 €") == "Œuvre a 12 €"

    def test_compatibility_characters(self) -> None:
        assert strip_accents("x² ﬁn") == "x2 fin"
        assert strip_accents("x² ﬁn", compatibility=False) == "x² ﬁn"


class TestFold:
    def test_lower_case_ascii_words(self) -> None:
        assert fold("Élodie  Fayolle-Roux") == "elodie fayolle roux"
        assert fold("  N’Diaye, Côte-Rôtie ! ") == "ndiaye cote rotie"  # ’ is not ASCII
        assert fold("") == ""
        assert fold("—") == ""

    def test_separator(self) -> None:
        assert fold("Mobilité solidaire", separator="_") == "mobilite_solidaire"
        assert fold(" -Éléctro-ménager- ", separator="_") == "electro_menager"

    def test_ascii_only_by_default(self) -> None:
        assert fold("Straße Œuvre") == "strae uvre"
        assert fold("Straße Œuvre", ascii_only=False) == "strasse œuvre"

    def test_other_letters_without_accents(self) -> None:
        assert fold("M. Jean-Pierre  DUPONT", ascii_only=False).split() == [
            "m",
            "jean",
            "pierre",
            "dupont",
        ]


class TestFoldInPlace:
    @pytest.mark.parametrize(
        ("text", "folded"),
        [
            ("Zéphyrin-Quelen", "zephyrin-quelen"),
            ("N’Diaye — Œ", "n'diaye - œ"),
            ("STRAßE", "straße"),
            ("İstanbul", "istanbul"),
            ("x² ﬁ", "x² ﬁ"),
        ],
    )
    def test_same_length_as_the_text(self, text: str, folded: str) -> None:
        assert fold_in_place(text) == folded
        assert len(fold_in_place(text)) == len(text)


class TestParseDecimal:
    @pytest.mark.parametrize(
        ("text", "value"),
        [
            ("22,17", "22.17"),
            ("22.17", "22.17"),
            ("1 234,56", "1234.56"),
            ("1\u202f234,56", "1234.56"),
            ("1\xa0234", "1234"),
            (" 3 000 ", "3000"),
            ("-0,5", "-0.5"),
        ],
    )
    def test_french_and_dotted(self, text: str, value: str) -> None:
        assert parse_decimal(text) == Decimal(value)

    @pytest.mark.parametrize("text", ["", "douze", "1,2,3", "NaN", "Infinity", "-inf", "1 €"])
    def test_refused_with_a_french_message(self, text: str) -> None:
        with pytest.raises(ValueError, match="n'est pas un nombre"):
            parse_decimal(text)


class TestSiret:
    def test_valid_without_spaces(self) -> None:
        assert normalise_siret("732 829 320 00074") == "73282932000074"

    @pytest.mark.parametrize("text", ["73282932000075", "7328293200007", "siret", ""])
    def test_invalid(self, text: str) -> None:
        assert normalise_siret(text) is None

    def test_message(self) -> None:
        assert INVALID_SIRET == "Ce numéro SIRET n'est pas valide (14 chiffres, clé de contrôle)."
