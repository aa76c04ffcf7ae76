"""Forms of the budget pages: the budget of a month (one amount per type, the personal
resources per person) and the référent's opinion."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms

from microcredit.applicants.models import Applicant, HouseholdMember
from microcredit.budgets import rules
from microcredit.budgets.enums import (
    HOUSEHOLD_RESOURCES,
    PERSONAL_RESOURCES,
    ChargeType,
    HousingStatus,
    LineKind,
    MemberRole,
    ResourceType,
    Verdict,
)
from microcredit.budgets.models import Budget
from microcredit.budgets.rules.validation import amount_problem
from microcredit.budgets.services import LineInput
from microcredit.core.forms import AmountField, FreeTextGuard

# From this age a child of the household gets fields for their own resources (apprentices).
PERSONAL_FIELDS_FROM_AGE = 16
APPLICANT_KEY = "demandeur"


class MonthField(forms.Field):
    """A month typed « 04/2026 » or given by the browser's month picker « 2026-04 »."""

    widget = forms.TextInput(
        attrs={"type": "month", "placeholder": "MM/AAAA", "autocomplete": "off"}
    )

    def to_python(self, value: Any) -> date | None:
        if isinstance(value, date):
            return date(value.year, value.month, 1)
        text = str(value or "").strip()
        if not text:
            return None
        if match := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
            year, month = int(match[1]), int(match[2])
        elif match := re.fullmatch(r"(\d{1,2})/(\d{4})", text):
            year, month = int(match[2]), int(match[1])
        else:
            raise forms.ValidationError("Indiquez le mois sous la forme 04/2026.")
        if not (1 <= month <= 12 and 2000 <= year <= 2100):
            raise forms.ValidationError("Ce mois n'existe pas : indiquez-le sous la forme 04/2026.")
        return date(year, month, 1)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, date):
            return f"{value:%Y-%m}"
        return value


@dataclass(frozen=True)
class FormPerson:
    key: str  # APPLICANT_KEY or the household member's id
    label: str
    member_id: int | None
    first_name: str = ""


def form_persons(
    applicant: Applicant, members: list[HouseholdMember], today: date
) -> list[FormPerson]:
    """Who gets fields for personal resources: the applicant, every adult of the household and
    the children aged 16 or more."""
    persons = [
        FormPerson(APPLICANT_KEY, f"{applicant.first_name} (demandeur)", None, applicant.first_name)
    ]
    for member in members:
        old_enough = rules.age_on(member.birth_date, today) >= PERSONAL_FIELDS_FROM_AGE
        if member.relationship != "child" or old_enough:
            persons.append(
                FormPerson(
                    str(member.pk),
                    f"{member.first_name} ({member.get_relationship_display()})",
                    member.pk,
                    member.first_name,
                )
            )
    return persons


def _resource_label(kind: str) -> str:
    return rules.RESOURCE_LABELS[rules.ResourceType(kind)]


def _amount(label: str, what: str = "") -> AmountField:
    # A negative amount gets the rules' French sentence, which names the amount (``what``, the
    # label by default), on its field.
    def check(value: Decimal | None) -> None:
        problem = None if value is None else amount_problem(value, what or label)
        if problem is not None:
            raise forms.ValidationError(problem)

    return AmountField(label=label, required=False, min_value=None, validators=[check])


GROSS_SALARY_LABEL = "Salaire brut mensuel (facultatif, sur la fiche de paie)"


def _gross_name(person: FormPerson) -> str:
    return f"gross_salary__{person.key}"


class BudgetForm(FreeTextGuard, forms.Form):
    month = MonthField(label="Mois décrit par le budget")
    housing_status = forms.ChoiceField(label="Logement", choices=HousingStatus.choices)
    separation_recent = forms.BooleanField(
        label="Séparation ou veuvage depuis moins de 18 mois", required=False
    )
    housing_aid_to_landlord = forms.BooleanField(
        label="L'aide au logement est versée directement au bailleur", required=False
    )
    no_resources = forms.BooleanField(
        label="Le foyer n'a aucune ressource ce mois-ci",
        required=False,
        help_text="Cochez cette case plutôt que de laisser les ressources vides : zéro est "
        "alors une réponse, pas un oubli.",
    )

    def __init__(self, *args: Any, persons: list[FormPerson], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.persons = persons
        for person in persons:
            for kind in PERSONAL_RESOURCES:
                self.fields[f"{kind}__{person.key}"] = _amount(_resource_label(kind))
                if kind == ResourceType.SALARIES:  # the gross right after the net salary
                    self.fields[_gross_name(person)] = _amount(
                        GROSS_SALARY_LABEL, f"salaire brut de {person.first_name}"
                    )
        for kind in HOUSEHOLD_RESOURCES:
            self.fields[f"resource__{kind}"] = _amount(_resource_label(kind))
        for charge in ChargeType:
            self.fields[f"charge__{charge}"] = _amount(
                rules.CHARGE_LABELS[rules.ChargeType(charge)]
            )

    # The template's groups of fields.
    def personal_groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        groups = []
        for person in self.persons:
            fields = []
            for kind in PERSONAL_RESOURCES:
                fields.append(self[f"{kind}__{person.key}"])
                if kind == ResourceType.SALARIES:
                    fields.append(self[_gross_name(person)])
            groups.append((person.label, fields))
        return groups

    def household_fields(self) -> list[forms.BoundField]:
        return [self[f"resource__{kind}"] for kind in HOUSEHOLD_RESOURCES]

    def charge_fields(self) -> list[forms.BoundField]:
        return [self[f"charge__{charge}"] for charge in ChargeType]

    def lines(self) -> list[LineInput]:
        data = self.cleaned_data
        lines = []
        for person in self.persons:
            for kind in PERSONAL_RESOURCES:
                amount = data.get(f"{kind}__{person.key}")
                if amount:
                    lines.append(LineInput(LineKind.RESOURCE, kind, amount, person.member_id))
        for kind in HOUSEHOLD_RESOURCES:
            amount = data.get(f"resource__{kind}")
            if amount:
                lines.append(
                    LineInput(
                        LineKind.RESOURCE,
                        kind,
                        amount,
                        paid_to_landlord=kind == ResourceType.HOUSING_AID
                        and data["housing_aid_to_landlord"],
                    )
                )
        for charge in ChargeType:
            amount = data.get(f"charge__{charge}")
            if amount:
                lines.append(LineInput(LineKind.CHARGE, charge, amount))
        return lines

    def gross_salaries(self) -> dict[int | None, Decimal]:
        """The gross salaries given, by household member id (None: the applicant)."""
        data = self.cleaned_data
        return {
            person.member_id: data[_gross_name(person)]
            for person in self.persons
            if data.get(_gross_name(person))
        }

    @staticmethod
    def initial_from(
        budget: Budget | None, applicant: Applicant, persons: list[FormPerson], today: date
    ) -> dict[str, Any]:
        """The previous version's values (a new version starts as a copy of the last one)."""
        if budget is None:
            return {
                "month": date(today.year, today.month, 1),
                "housing_status": applicant.housing_status,  # the same HousingStatus
            }
        initial: dict[str, Any] = {
            "month": budget.month,
            "housing_status": budget.housing_status,
            "separation_recent": budget.separation_recent,
            "no_resources": budget.no_resources,
        }
        keys = {p.member_id: p.key for p in persons}
        stored = [
            p
            for p in budget.persons.all()
            if p.role == MemberRole.APPLICANT or p.household_member_id is not None
        ]
        members = {p.pk: p.household_member_id for p in stored}
        for person in stored:
            if person.gross_salary is not None and person.household_member_id in keys:
                initial[f"gross_salary__{keys[person.household_member_id]}"] = person.gross_salary
        totals: dict[str, Decimal] = {}
        for line in budget.lines.all():
            if line.kind == LineKind.CHARGE:
                name = f"charge__{line.type}"
            elif line.type in PERSONAL_RESOURCES:
                if line.person_id is not None and line.person_id not in members:
                    continue  # the person left the household since
                member_id = members[line.person_id] if line.person_id is not None else None
                if member_id not in keys:
                    continue
                name = f"{line.type}__{keys[member_id]}"
            else:
                name = f"resource__{line.type}"
                if line.paid_to_landlord:
                    initial["housing_aid_to_landlord"] = True
            totals[name] = totals.get(name, Decimal(0)) + line.amount
        initial.update(totals)
        return initial


class OpinionForm(FreeTextGuard, forms.Form):
    budget_id = forms.IntegerField(widget=forms.HiddenInput)
    verdict = forms.ChoiceField(label="Votre avis", choices=Verdict.choices)
    reason = forms.CharField(
        label="Motif", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
