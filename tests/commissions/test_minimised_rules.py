"""rules.mask_personal_data: every personal detail of the person and her household, however
it is written in a free text, is replaced by a French mask; ordinary words stay."""

from __future__ import annotations

from datetime import date

import pytest

from microcredit.commissions.rules import Masks, PersonalData, mask_personal_data

PERSON = PersonalData(
    names=("Zéphyrin-Quelen", "Aurélie", "Eulalie", "Noé"),
    addresses=("17 bis impasse des Glycines, Résidence Les Tilleuls",),
    postcodes=("42000",),
    communes=("Saint-Étienne",),
    phones=("06 12 34 56 78",),
    emails=("aurelie.zq@example.net",),
    birth_dates=(date(1985, 3, 12), date(2018, 9, 1)),
)
NAME, ADDRESS, PHONE, EMAIL, BIRTH, NIR = (
    "[nom masqué]",
    "[adresse masquée]",
    "[téléphone masqué]",
    "[e-mail masqué]",
    "[date de naissance masquée]",
    "[numéro de sécurité sociale masqué]",
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Phones, in any spacing or format; any French number, the person's or not.
        ("Tél. 06 12 34 56 78.", f"Tél. {PHONE}."),
        ("Tél. 0612345678", f"Tél. {PHONE}"),
        ("Tél. 06.12.34.56.78 ou 06-12-34-56-78", f"Tél. {PHONE} ou {PHONE}"),
        ("Tél. +33 6 12 34 56 78 / +33612345678", f"Tél. {PHONE} / {PHONE}"),
        ("Tél. 0033 6 12 34 56 78, +33 (0)6 12 34 56 78", f"Tél. {PHONE}, {PHONE}"),
        ("Sa sœur : 07 98 76 54 32.", f"Sa sœur : {PHONE}."),
        # E-mails, whatever the case.
        ("Écrire à AURELIE.ZQ@EXAMPLE.NET.", f"Écrire à {EMAIL}."),
        ("Copie à mere.aurelie@exemple.fr", f"Copie à {EMAIL}"),
        # Birth dates, of the person and of her household, however written.
        ("Née le 12/03/1985.", f"Née le {BIRTH}."),
        ("Née le 12-03-1985 (12.03.85).", f"Née le {BIRTH} ({BIRTH})."),
        ("Née le 1985-03-12.", f"Née le {BIRTH}."),
        ("Née le 12 mars 1985, le 12 MARS 1985.", f"Née le {BIRTH}, le {BIRTH}."),
        ("Eulalie, née le 1er septembre 2018.", f"{NAME}, née le {BIRTH}."),
        ("Anniversaire le 1er sept. et le 12/03.", f"Anniversaire le {BIRTH} et le {BIRTH}."),
        # The address and its parts.
        ("Au 17 bis impasse des Glycines.", f"Au {ADDRESS}."),
        ("17 bis, impasse des glycines, 42000 Saint-Etienne", ADDRESS),
        ("Habite imp. des Glycines, à ST ÉTIENNE.", f"Habite {ADDRESS}, à {ADDRESS}."),
        ("Résidence les Tilleuls, bâtiment B.", f"{ADDRESS}, bâtiment B."),
        ("Code postal 42 000.", f"Code postal {ADDRESS}."),
        # Names: case and accents, whole words.
        ("MME ZEPHYRIN QUELEN et Noe", f"MME {NAME} et {NAME}"),
        ("Aurélie Zéphyrin-Quelen", NAME),
        # A NIR written before it was refused at entry.
        ("NIR 1 85 03 42 218 123 64.", f"NIR {NIR}."),
    ],
)
def test_each_detail_is_masked(text: str, expected: str) -> None:
    assert mask_personal_data(text, PERSON) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Rendez-vous le 12/04/2026 à 14 h ; 1 200,00 € sur 24 mois.",
        "Dossier MC-2026-00012, devis n° 2026-03-12-A.",
        "Une glycine dans la cour ; une impasse sans issue.",
        "Née en mars, comme sa mère.",
        "Sa sœur Aurélienne et Eulaliette.",  # whole words only
        "Réf. banque 1 85 03 42 218 123 65.",  # not a valid key: neither a NIR nor a phone
    ],
)
def test_ordinary_text_stays(text: str) -> None:
    assert mask_personal_data(text, PERSON) == text


def test_a_birth_date_of_nobody_in_the_household_stays() -> None:
    text = "Né le 13/03/1985 ; facture du 12/03/1986 ; le 12 mars 1984."
    assert mask_personal_data(text, PERSON) == text


def test_the_masks_may_be_translated() -> None:
    masks = Masks(name="[name hidden]", phone="[phone hidden]")
    assert mask_personal_data("Aurélie, 0612345678", PERSON, masks) == (
        "[name hidden], [phone hidden]"
    )


def test_nothing_to_mask() -> None:
    assert mask_personal_data("", PERSON) == ""
    assert mask_personal_data("Aurélie au 17 impasse des Glycines", PersonalData()) == (
        "Aurélie au 17 impasse des Glycines"
    )
    empty = PersonalData(names=("",), addresses=("",), phones=("",), emails=("",), communes=("",))
    assert mask_personal_data("Texte ordinaire.", empty) == "Texte ordinaire."


def test_a_mask_is_never_read_as_a_name() -> None:
    """A person named « Masqué » or « Nom »: the masks written in are not masked again."""
    person = PersonalData(names=("Nom", "Masqué"), phones=("0612345678",))
    assert mask_personal_data("M. Nom Masqué, 0612345678", person) == f"M. {NAME}, {PHONE}"
