"""Enumerations with a French label, in pure Python (no Django), for one vocabulary per concept.

The pure rules need a concept's values; the models and forms need its choices (values and
labels). A ``LabelledChoices`` serves both from one declaration: members are written as Django's
``TextChoices`` are (``SALARIES = "salaries", "salaires"``), compare equal to their value (they
are ``str``), and the class offers the same ``choices``, ``values`` and ``labels`` as
``TextChoices``, so a model field or a form takes ``ResourceType.choices``.
"""

from __future__ import annotations

import enum
from typing import Self, TypeVar

__all__ = ["LabelledChoices", "sentence_labels"]

_L = TypeVar("_L", bound="LabelledChoices")


class _LabelledChoicesType(enum.EnumType):
    """Class-level ``choices``, ``values`` and ``labels``, as Django's ``ChoicesType`` has."""

    def _labelled(cls) -> list[LabelledChoices]:
        return list(cls.__members__.values())

    @property
    def choices(cls) -> list[tuple[str, str]]:
        return [(member.value, member.label) for member in cls._labelled()]

    @property
    def values(cls) -> list[str]:
        return [member.value for member in cls._labelled()]

    @property
    def labels(cls) -> list[str]:
        return [member.label for member in cls._labelled()]


class LabelledChoices(enum.StrEnum, metaclass=_LabelledChoicesType):
    """A ``StrEnum`` whose members carry a French ``label`` (lower-case, as ``verbose_name``)."""

    _value_: str
    label: str
    do_not_call_in_templates = enum.nonmember(True)  # as Django's Choices: usable in templates

    def __new__(cls, value: str, label: str = "") -> Self:
        # Called once per declared member, with its (value, label); a look-up by value,
        # ``ResourceType("salaries")``, goes through the enum's own machinery, not here.
        if not label:
            raise TypeError(f"{cls.__name__} {value!r}: a member needs a label")
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member


def sentence_labels(choices: type[_L]) -> dict[_L, str]:
    """Each member's label with a capital first letter, for the start of a French sentence or
    a quoted name (« Salaires »)."""
    return {member: member.label[:1].upper() + member.label[1:] for member in choices}
