"""Budget services: each save is a new version, the old one never changes; incomplete data are
refused in French with nothing written; the référent's opinion needs a reason."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.http import Http404

from microcredit.accounts.enums import Role
from microcredit.applicants.models import HouseholdMember
from microcredit.budgets import rules, selectors
from microcredit.budgets.models import Budget, BudgetLine, BudgetPerson, ReferentOpinion
from microcredit.budgets.services import (
    BudgetRefused,
    LineInput,
    budget_create_version,
    budget_lines,
    referent_opinion_record,
)
from microcredit.core.models import AuditEvent
from microcredit.dossiers.enums import DossierState
from microcredit.organisations.models import Organisation
from microcredit.programmes.models import Programme
from tests.budgets.helpers import (
    LONE_PARENT_CHARGES,
    MONTH,
    lone_parent_budget,
    lone_parent_dossier,
    membership,
)
from tests.factories import make_dossier

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def referent(make_user):  # type: ignore[no-untyped-def]
    return make_user(Role.REFERENT)


def test_a_change_is_a_new_version_and_the_old_one_stays_as_it_was(referent) -> None:  # type: ignore[no-untyped-def]
    dossier = lone_parent_dossier(referent)
    first = lone_parent_budget(referent, dossier)
    second = lone_parent_budget(referent, dossier, salary=D("1100"))
    assert (first.version, second.version) == (1, 2)
    salaries = dict(
        BudgetLine.objects.filter(type="salaries").values_list("budget__version", "amount")
    )
    assert salaries == {1: D("950.00"), 2: D("1100.00")}
    assert selectors.latest_budget(dossier).pk == second.pk
    # The household is copied into each version: the applicant first, then the child.
    assert list(first.persons.values_list("role", "first_name")) == [
        ("applicant", "Nadia"),
        ("child", "Léa"),
    ]
    actions = AuditEvent.objects.filter(action="budget_version_created").order_by("id")
    assert [a.new_values["version"] for a in actions] == [1, 2]
    assert actions[0].new_values["lines"][0] == {
        "kind": "resource",
        "type": "salaries",
        "amount": "950.00",
        "person": "Nadia",
    }


def test_the_pure_budget_of_a_version_gives_the_hand_derived_figures(referent) -> None:  # type: ignore[no-untyped-def]
    budget = lone_parent_budget(referent, lone_parent_dossier(referent))
    data = selectors.budget_data(budget)
    assert data.budget.total_resources == D("1200.00")
    assert data.budget.total_charges == D("755.00")
    assert data.budget.housing_aid_paid_to_landlord
    assert rules.consumption_units(data.budget.members, MONTH) == D("1.3")
    assert data.personal[0] == {rules.ResourceType.SALARIES: D("950.00")}
    assert data.personal[1] == {}


def test_a_salary_belongs_to_its_person_and_a_removed_member_does_not_change_old_versions(
    referent,
) -> None:  # type: ignore[no-untyped-def]
    dossier = lone_parent_dossier(referent)
    spouse = HouseholdMember.objects.create(
        applicant=dossier.applicant,
        first_name="Karim",
        birth_date=date(1988, 2, 2),
        relationship="spouse",
    )
    budget = budget_create_version(
        actor=referent,
        membership=membership(referent),
        dossier_id=dossier.pk,
        month=MONTH,
        housing_status="tenant_private",
        lines=budget_lines(
            personal={None: {"salaries": D("950")}, spouse.pk: {"salaries": D("700")}},
            charges=LONE_PARENT_CHARGES,
        ),
    )
    owners = dict(
        BudgetLine.objects.filter(budget=budget, type="salaries").values_list(
            "person__first_name", "amount"
        )
    )
    assert owners == {"Nadia": D("950.00"), "Karim": D("700.00")}
    spouse.delete()  # Karim moves out
    budget = Budget.objects.get(pk=budget.pk)
    data = selectors.budget_data(budget)
    assert [m.role for m in data.budget.members] == [
        rules.MemberRole.APPLICANT,
        rules.MemberRole.SPOUSE,
        rules.MemberRole.CHILD,
    ]
    assert data.personal[1] == {rules.ResourceType.SALARIES: D("700.00")}
    assert BudgetPerson.objects.get(budget=budget, first_name="Karim").household_member is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"rent": D("0")}, "Le foyer est locataire mais aucun loyer n'est renseigné."),
        ({"energy": D("-80")}, "ne peut pas être négatif"),
    ],
)
def test_incomplete_or_wrong_data_are_refused_in_french_and_nothing_is_saved(
    referent, change, message
) -> None:  # type: ignore[no-untyped-def]
    dossier = lone_parent_dossier(referent)
    with pytest.raises(BudgetRefused) as refusal:
        lone_parent_budget(referent, dossier, **change)
    assert any(message in m for m in refusal.value.messages), refusal.value.messages
    assert not Budget.objects.exists()
    assert not BudgetPerson.objects.exists()
    assert not AuditEvent.objects.filter(action="budget_version_created").exists()


def test_a_budget_without_resources_or_with_a_stranger_is_refused(referent) -> None:  # type: ignore[no-untyped-def]
    dossier = lone_parent_dossier(referent)
    with pytest.raises(BudgetRefused) as refusal:
        budget_create_version(
            actor=referent,
            membership=membership(referent),
            dossier_id=dossier.pk,
            month=MONTH,
            housing_status="owner",
            lines=[LineInput("resource", "salaries", D("900"), member_id=999999)],
        )
    assert refusal.value.messages == [
        "Une ressource est attribuée à une personne absente du ménage."
    ]
    with pytest.raises(BudgetRefused) as refusal:
        budget_create_version(
            actor=referent,
            membership=membership(referent),
            dossier_id=dossier.pk,
            month=MONTH,
            housing_status="owner",
            lines=budget_lines(charges={"energy": D("50")}),
        )
    assert refusal.value.messages == [
        "Aucune ressource n'est renseignée : indiquez les ressources du foyer, ou cochez "
        "« Le foyer n'a aucune ressource » si c'est le cas."
    ]
    assert not Budget.objects.exists()


def test_a_closed_dossier_keeps_its_budget(referent) -> None:  # type: ignore[no-untyped-def]
    dossier = lone_parent_dossier(referent, state=DossierState.WITHDRAWN)
    with pytest.raises(BudgetRefused, match="ne change plus"):
        lone_parent_budget(referent, dossier)


def test_only_the_staff_of_the_dossiers_ccas_writes_a_budget(make_user, referent) -> None:  # type: ignore[no-untyped-def]
    dossier = lone_parent_dossier(referent)
    other_ccas = Organisation.objects.create(kind="ccas", name="CCAS de Roanne", slug="roanne")
    stranger = make_user(Role.REFERENT, username="roanne", organisation=other_ccas)
    with pytest.raises(Http404):
        lone_parent_budget(stranger, dossier)
    committee = make_user(Role.COMMITTEE_MEMBER)
    with pytest.raises(Http404):  # not on an agenda: the funnel does not show it
        lone_parent_budget(committee, dossier)
    agent = make_user(Role.AGENT)
    assert lone_parent_budget(agent, dossier).version == 1  # an agent may type the budget


def test_the_referent_records_a_different_opinion_with_a_reason(make_user, referent) -> None:  # type: ignore[no-untyped-def]
    dossier = lone_parent_dossier(referent)
    budget = lone_parent_budget(referent, dossier)
    common = {
        "actor": referent,
        "membership": membership(referent),
        "dossier_id": dossier.pk,
        "budget_id": budget.pk,
    }
    with pytest.raises(BudgetRefused) as refusal:
        referent_opinion_record(**common, verdict="suitable", reason="  ")
    assert refusal.value.messages == ["Indiquez le motif de votre avis."]
    opinion = referent_opinion_record(
        **common, verdict="suitable", reason="Emploi stable depuis trois ans, épargne de 300 €."
    )
    assert (opinion.verdict, opinion.by) == ("suitable", referent)
    assert AuditEvent.objects.filter(action="budget_opinion_recorded").count() == 1
    agent = make_user(Role.AGENT)
    with pytest.raises(BudgetRefused):
        referent_opinion_record(
            actor=agent,
            membership=membership(agent),
            dossier_id=dossier.pk,
            budget_id=budget.pk,
            verdict="fragile",
            reason="…",
        )
    other = make_dossier(created_by=referent)
    with pytest.raises(Http404):  # a budget of another dossier
        referent_opinion_record(**{**common, "dossier_id": other.pk}, verdict="fragile", reason="x")
    assert ReferentOpinion.objects.count() == 1


def test_scheme_and_thresholds_come_from_the_parameter_version(referent) -> None:  # type: ignore[no-untyped-def]
    programme = Programme.objects.get(slug="micro-credit-personnel")
    version = programme.versions.order_by("valid_from").first()
    scheme = selectors.scheme_for(version)
    assert (scheme.min_amount, scheme.max_amount) == (version.min_amount, version.max_amount)
    assert scheme.annual_rate == version.nominal_rate
    thresholds = selectors.thresholds_for(version, D("651.69"))
    assert thresholds.max_debt_ratio_percent == version.max_debt_ratio_percent
    assert thresholds.rsa_base_amount == D("651.69")
