"""Forms of the commission pages."""

from __future__ import annotations

from typing import Any

from django import forms

from microcredit.accounts.models import User
from microcredit.commissions.enums import CommitteeDecision
from microcredit.commissions.selectors import (
    agenda_choice_labeller,
    dossiers_ready,
    member_choices,
)
from microcredit.core.forms import FreeTextGuard
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _member_label(user: User) -> str:
    return user.get_full_name() or user.username


class SessionForm(FreeTextGuard, forms.Form):
    date = forms.DateField(label="Date de la séance", widget=DATE_WIDGET)
    place = forms.CharField(label="Lieu", max_length=200)
    members = forms.ModelMultipleChoiceField(
        label="Membres de la séance",
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choisissez au moins un membre."},
    )

    def __init__(
        self, *args: Any, organisation_id: int, session_id: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["members"]
        field.queryset = member_choices(organisation_id, session_id=session_id)  # type: ignore[attr-defined]
        field.label_from_instance = _member_label  # type: ignore[attr-defined]


class SessionUpdateForm(SessionForm):
    """The session's date, place, members and who is present; who already sits on it stays
    choosable even once their membership has ended."""

    present = forms.ModelMultipleChoiceField(
        label="Présents", queryset=User.objects.none(), required=False
    )

    def __init__(self, *args: Any, organisation_id: int, session_id: int, **kwargs: Any) -> None:
        super().__init__(*args, organisation_id=organisation_id, session_id=session_id, **kwargs)
        self.fields["present"].queryset = member_choices(  # type: ignore[attr-defined]
            organisation_id, session_id=session_id
        )


class DecisionForm(FreeTextGuard, forms.Form):
    decision = forms.ChoiceField(
        label="Décision",
        choices=CommitteeDecision.choices,
        error_messages={
            "required": "Choisissez une décision.",
            "invalid_choice": "Choisissez une décision.",
        },
    )
    reason = forms.CharField(
        label="Motif ou informations demandées",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
    )
    reorientation_scheme = forms.CharField(required=False, max_length=100)
    expected_state = forms.ChoiceField(choices=DossierState.choices, widget=forms.HiddenInput)


# The agenda's candidates offered in the list: the dossiers ready the longest (the order of
# `dossiers_ready`), AGENDA_CHOICES at most; any ready dossier stays valid when sent.
AGENDA_CHOICES = 50


class FirstChoices(forms.models.ModelChoiceIterator[Dossier]):
    """The field's first AGENDA_CHOICES objects: one bounded query, whatever the queryset."""

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset[:AGENDA_CHOICES]:
            yield self.choice(obj)

    def __len__(self) -> int:
        return AGENDA_CHOICES + (1 if self.field.empty_label is not None else 0)


class FirstChoicesField(forms.ModelChoiceField[Dossier]):
    iterator = FirstChoices


class AgendaAddForm(FreeTextGuard, forms.Form):
    dossier = FirstChoicesField(label="Dossier", queryset=Dossier.objects.none())

    def __init__(self, *args: Any, organisation_id: int, session_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["dossier"]
        field.queryset = dossiers_ready(  # type: ignore[attr-defined]
            organisation_id, session_id=session_id
        ).select_related("applicant")
        field.label_from_instance = agenda_choice_labeller(organisation_id)  # type: ignore[attr-defined]

    def candidates_total(self) -> int:
        """How many dossiers may be added (one count)."""
        return int(self.fields["dossier"].queryset.count())  # type: ignore[attr-defined]
