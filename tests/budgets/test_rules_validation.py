"""Budget diagnostic rules (pure, no database): the validation of a budget and of a loan request,
with the messages shown to the referent; computations refuse invalid data."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from microcredit.budgets import rules
from microcredit.budgets.rules import (
    Budget,
    BudgetError,
    HousingStatus,
    LoanRequest,
    Resource,
    ResourceType,
)
from tests.budgets.helpers import (
    APPLICANT,
    CHILD,
    SCHEME,
    SPOUSE,
    THRESHOLDS,
    D,
    charges,
    couple_one_salary,
    job_seeker,
    large_family,
    lone_parent,
    member,
    resources,
    retired_alone,
)


class TestValidation:
    def test_valid_archetypes_have_no_problem(self) -> None:
        for make in (lone_parent, job_seeker, couple_one_salary, retired_alone, large_family):
            assert rules.validate_budget(make()) == []

    def test_no_member(self) -> None:
        budget = replace(retired_alone(), members=())
        assert rules.validate_budget(budget) == [
            "Aucun membre du foyer n'est renseigné : ajoutez au moins le demandeur."
        ]

    def test_tenant_without_rent(self) -> None:
        budget = replace(lone_parent(), charges=charges(energy="80"))
        assert rules.validate_budget(budget) == [
            "Le foyer est locataire mais aucun loyer n'est renseigné."
        ]

    def test_owner_needs_no_rent(self) -> None:
        assert rules.validate_budget(retired_alone()) == []

    def test_negative_amounts(self) -> None:
        budget = replace(
            retired_alone(),
            resources=resources(pensions="980", other="-20"),
            charges=charges(energy="-5"),
        )
        assert rules.validate_budget(budget) == [
            "Le montant « Autres ressources » ne peut pas être négatif.",
            "Le montant « Énergie (électricité, gaz, chauffage) » ne peut pas être négatif.",
        ]

    def test_no_resources_is_refused_unless_declared(self) -> None:
        budget = replace(retired_alone(), resources=())
        assert rules.validate_budget(budget) == [
            "Aucune ressource n'est renseignée : indiquez les ressources du foyer, ou cochez "
            "« Le foyer n'a aucune ressource » si c'est le cas."
        ]
        # Zero amounts are no resource either.
        zero = replace(retired_alone(), resources=resources(pensions="0"))
        assert rules.validate_budget(zero) == [rules.NO_RESOURCE_MESSAGE]
        assert rules.validate_budget(replace(budget, no_resources=True)) == []
        assert rules.validate_budget(replace(zero, no_resources=True)) == []

    def test_declared_without_resources_but_with_one_is_a_contradiction(self) -> None:
        budget = replace(retired_alone(), no_resources=True)
        assert rules.validate_budget(budget) == [
            "Le foyer est déclaré sans aucune ressource, mais des ressources sont renseignées "
            "(980,00\xa0€) : décochez « Le foyer n'a aucune ressource » ou retirez ces montants."
        ]

    def test_several_problems_at_once(self) -> None:
        budget = Budget(
            month=date(2026, 4, 15),
            members=(member(SPOUSE, date(1980, 1, 1)), member(CHILD, date(2027, 1, 1))),
            resources=(Resource(ResourceType.SALARIES, D("10.005")),),
            charges=(),
            housing=HousingStatus.TENANT_SOCIAL,
        )
        assert rules.validate_budget(budget) == [
            "Le mois du budget doit être indiqué par le premier jour du mois.",
            "Le foyer doit comporter un demandeur.",
            "Le montant « Salaires nets (montant versé) » ne peut pas avoir plus de deux "
            "décimales.",
            "Le foyer est locataire mais aucun loyer n'est renseigné.",
        ]

    def test_minor_applicant_and_birth_after_the_month(self) -> None:
        budget = replace(
            retired_alone(),
            members=(member(APPLICANT, date(2010, 1, 1)), member(CHILD, date(2026, 5, 1))),
        )
        assert rules.validate_budget(budget) == [
            "La date de naissance de la personne n° 2 est postérieure au mois du budget.",
            "Le demandeur doit être majeur au mois du budget.",
        ]

    def test_a_float_is_not_an_amount(self) -> None:
        budget = replace(retired_alone(), resources=(Resource(ResourceType.PENSIONS, 980.0),))  # type: ignore[arg-type]
        assert rules.validate_budget(budget) == [
            "Le montant « Pensions de retraite ou d'invalidité » n'est pas un nombre valide."
        ]

    def test_computations_refuse_invalid_data_with_the_messages(self) -> None:
        budget = replace(lone_parent(), charges=charges(energy="80"))
        with pytest.raises(BudgetError) as err:
            rules.assess_budget(budget, THRESHOLDS, SCHEME, LoanRequest(D("600"), 12))
        assert err.value.messages == ("Le foyer est locataire mais aucun loyer n'est renseigné.",)
        assert isinstance(err.value, ValueError)
        with pytest.raises(BudgetError):
            rules.repayment_capacity(budget, THRESHOLDS)
        with pytest.raises(BudgetError):
            rules.loan_options(budget, THRESHOLDS, SCHEME)

    def test_request_outside_the_scheme(self) -> None:
        request = LoanRequest(D("5000"), 48, deferral_months=13)
        assert rules.validate_request(request, SCHEME) == [
            "Le montant demandé doit être compris entre 300,00\xa0€ et 3\u202f000,00\xa0€.",
            "La durée demandée doit être comprise entre 3 et 36 mois.",
            "Le différé ne peut pas dépasser 12 mois.",
        ]
        with pytest.raises(BudgetError) as err:
            rules.assess_budget(retired_alone(), THRESHOLDS, SCHEME, request)
        assert len(err.value.messages) == 3

    def test_deferral_needs_a_kind(self) -> None:
        assert rules.validate_request(LoanRequest(D("1000"), 12, 3), SCHEME) == [
            "Précisez le type de différé : partiel (intérêts seuls) ou total."
        ]
