"""The social-security number (NIR) in a free text: found by its shape and its key
(core.text), refused with a French message (core.validators), on every field a form adds
(core.forms.FreeTextGuard)."""

from __future__ import annotations

import pytest
from django import forms
from django.core.exceptions import ValidationError
from stdnum.fr import nir as stdnum_nir

from microcredit.core.forms import FreeTextGuard, is_free_text
from microcredit.core.text import find_nir, nir_spans
from microcredit.core.validators import NIR_CODE, NIR_MESSAGE, validate_no_nir

VALID = "185034221812364"  # man, born March 1985, Loire (42), commune 218, order 123, key 64
CORSICA = "253072B07300470"  # python-stdnum's own example, department 2B


def test_the_numbers_used_here_are_valid_for_python_stdnum() -> None:
    assert stdnum_nir.is_valid(VALID) and stdnum_nir.is_valid(CORSICA)
    assert not stdnum_nir.is_valid(VALID[:-2] + "65")


@pytest.mark.parametrize(
    "text",
    [
        VALID,
        "1 85 03 42 218 123 64",
        "1.85.03.42.218.123.64",
        "1-85-03-42-218-123-64",
        "1 85 03 42 218 123 64",  # no-break spaces
        "1  85  03  42  218  123  64",
        "Son numéro : 1 85 03 42 218 123 64, à vérifier.",
        "NIR=185034221812364.",
        "2 53 07 2B 073 004 70",
        "253072b07300470",
        "2 95 10 99 126 111 93",  # born abroad (99)
    ],
)
def test_a_nir_with_a_valid_key_is_found(text: str) -> None:
    found = find_nir(text)
    assert found is not None
    assert stdnum_nir.is_valid(found.replace("\u00a0", " ").replace("-", ""))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "1 85 03 42 218 123 65",  # wrong key
        "185034221812365",
        "5 85 03 42 218 123 ..",  # not a number
        "6 85 03 42 218 123 64",  # no such first digit
        "1 85 15 42 218 123 XX",
        "06 12 34 56 78",  # a phone
        "MC-2026-00012",  # a dossier number
        "FR76 3000 6000 0112 3456 7890 189",  # an IBAN
        "Montant 1 200,00 € sur 24 mois",
        "x185034221812364",  # part of a word
        "1850342218123640",  # part of a longer number
    ],
)
def test_no_nir_is_found_where_there_is_none(text: str) -> None:
    assert find_nir(text) is None


def test_a_month_that_cannot_be_is_not_a_nir() -> None:
    """Month 15 never exists in the register, even if the key adds up."""
    base = "18515422181230"[:13]
    number = base + stdnum_nir.calc_check_digits(base + "00")
    assert stdnum_nir.is_valid(number)
    assert find_nir(number) is None


def test_a_failed_candidate_does_not_hide_a_valid_one() -> None:
    text = f"réf. 1 85 03 42 218 123 65 puis {VALID}"
    assert nir_spans(text) == [(text.index(VALID), len(text))]
    assert len(nir_spans(f"{VALID} et 2 53 07 2B 073 004 70")) == 2


def test_the_validator_refuses_it_in_french() -> None:
    with pytest.raises(ValidationError) as refused:
        validate_no_nir("Né à Saint-Étienne, NIR 1 85 03 42 218 123 64.")
    assert refused.value.code == NIR_CODE
    assert refused.value.messages == [
        "Ce texte semble contenir un numéro de sécurité sociale : il ne doit pas être saisi ici."
    ]
    assert str(NIR_MESSAGE) == refused.value.messages[0]
    validate_no_nir("Rendez-vous le 12/03 à 14 h, tél. 06 12 34 56 78.")
    validate_no_nir(None)


class _ExampleForm(FreeTextGuard, forms.Form):
    title = forms.CharField(max_length=200)
    body = forms.CharField(widget=forms.Textarea, required=False)
    email = forms.EmailField(required=False)
    secret = forms.CharField(widget=forms.PasswordInput, required=False)
    count = forms.IntegerField(required=False)

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["added_later"] = forms.CharField(required=False)


def test_the_guard_reaches_every_free_text_field_even_one_added_in_init() -> None:
    form = _ExampleForm(
        data={"title": f"Titre {VALID}", "body": VALID, "added_later": VALID, "secret": VALID}
    )
    assert not form.is_valid()
    assert set(form.errors) == {"title", "body", "added_later"}
    for name in ("title", "body", "added_later"):
        assert form.errors[name] == [str(NIR_MESSAGE)]
    # Validating twice adds the validator once.
    form.full_clean()
    assert form.fields["title"].validators.count(validate_no_nir) == 1
    # The class's fields are not changed (each form copies them).
    assert validate_no_nir not in _ExampleForm.base_fields["title"].validators


def test_an_ordinary_text_passes() -> None:
    form = _ExampleForm(data={"title": "Permis B", "body": "Tél. 06 12 34 56 78", "count": "3"})
    assert form.is_valid(), form.errors


def test_what_is_free_text() -> None:
    fields = _ExampleForm().fields
    assert [name for name, field in fields.items() if is_free_text(field)] == [
        "title",
        "body",
        "added_later",
    ]
    opted_out = forms.CharField()
    opted_out.free_text = False  # type: ignore[attr-defined]
    assert not is_free_text(opted_out)
