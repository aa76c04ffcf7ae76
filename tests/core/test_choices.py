"""Labelled choices: one pure declaration gives the rules their values and the models and forms
the same ``choices``, ``values`` and ``labels`` as Django's ``TextChoices``."""

from __future__ import annotations

import pytest
from django.db import models

from microcredit.core.choices import LabelledChoices, sentence_labels


class Colour(LabelledChoices):
    RED = "red", "rouge vif"
    BLUE = "blue", "bleu"


class DjangoColour(models.TextChoices):
    RED = "red", "rouge vif"
    BLUE = "blue", "bleu"


def test_the_class_offers_what_textchoices_offer() -> None:
    assert Colour.choices == DjangoColour.choices
    assert Colour.values == DjangoColour.values
    assert Colour.labels == DjangoColour.labels
    assert Colour.RED.label == DjangoColour.RED.label


def test_a_member_is_its_value() -> None:
    assert Colour("blue") is Colour.BLUE
    stored: str = "blue"  # as a model field reads it
    assert stored == Colour.BLUE
    assert stored in Colour.values
    assert str(Colour.BLUE) == f"{Colour.BLUE}" == "blue"
    with pytest.raises(ValueError, match="'green' is not a valid Colour"):
        Colour("green")


def test_a_member_without_a_label_is_refused() -> None:
    with pytest.raises(TypeError, match="a member needs a label"):

        class Unlabelled(LabelledChoices):
            GREEN = "green"


def test_sentence_labels_start_with_a_capital() -> None:
    assert sentence_labels(Colour) == {Colour.RED: "Rouge vif", Colour.BLUE: "Bleu"}
