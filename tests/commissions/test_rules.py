"""The names written in free text are masked before the commission reads it (pure rules)."""

from __future__ import annotations

import pytest

from microcredit.commissions.rules import NAME_MASK, mask_names

NAMES = ["Zéphyrin-Quelen", "Aurélie", "Eulalie", "de La Fontaine", "N'Diaye"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Mme Zéphyrin-Quelen est suivie depuis 2023",
            f"Mme {NAME_MASK} est suivie depuis 2023",
        ),
        ("MME ZEPHYRIN-QUELEN, suivie.", f"MME {NAME_MASK}, suivie."),
        ("Mme Zephyrin – Quelen.", f"Mme {NAME_MASK}."),
        ("Mme Zéphyrin seule", f"Mme {NAME_MASK} seule"),
        ("aurélie et sa fille EULALIE (7 ans)", f"{NAME_MASK} et sa fille {NAME_MASK} (7 ans)"),
        ("La date de naissance d'Eulalie manque.", f"La date de naissance d'{NAME_MASK} manque."),
        ("M. N’Diaye, de La Fontaine", f"M. {NAME_MASK}, {NAME_MASK}"),
        ("M. Diaye de la commune", f"M. {NAME_MASK} de la commune"),  # « de », « la » stay
        ("La fontaine du parc", f"La {NAME_MASK} du parc"),
        ("Aurélien et Eulalies ne sont pas masqués.", "Aurélien et Eulalies ne sont pas masqués."),
        ("", ""),
    ],
)
def test_names_are_masked_as_whole_words_whatever_case_and_accents(text, expected) -> None:  # type: ignore[no-untyped-def]
    assert mask_names(text, NAMES) == expected


def test_without_names_the_text_is_unchanged() -> None:
    text = "Projet solide et réaliste."
    assert mask_names(text, []) == text
    assert mask_names(text, ["", " ", "-"]) == text
