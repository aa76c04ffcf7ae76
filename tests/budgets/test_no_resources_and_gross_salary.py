"""A household without any resource is a budget like another, declared as such (« aucune
ressource »), and its diagnostic says what is true (no debt ratio, no capacity); salaries are
net, the gross salary of the pay slip may be given next to each person's net salary and is kept
for the rights estimate (``BudgetData.gross_salaries``), never counted in the budget.

The figures of the household without resource are derived by hand in ``TestNoResources``."""

from __future__ import annotations

import html
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from microcredit.accounts.enums import Role
from microcredit.accounts.models import User
from microcredit.applicants.models import HouseholdMember
from microcredit.budgets import rules, selectors
from microcredit.budgets.forms import BudgetForm, form_persons
from microcredit.budgets.models import Budget, BudgetLine, BudgetPerson
from microcredit.budgets.rules import (
    CapacityLimit,
    HousingStatus,
    LoanRequest,
    ResourceType,
    Verdict,
)
from microcredit.budgets.services import BudgetRefused, budget_create_version, budget_lines
from microcredit.core.models import AuditEvent
from microcredit.dossiers.models import Dossier
from microcredit.rights.models import RsaBaseAmount
from tests.budgets.helpers import (
    APPLICANT,
    LONE_PARENT_CHARGES,
    MONTH,
    SCHEME,
    THRESHOLDS,
    D,
    charges,
    lone_parent,
    lone_parent_dossier,
    member,
)
from tests.budgets.test_pages import FORM, page
from tests.factories import membership_of as membership

NO_RESOURCE = (
    "Aucune ressource n'est renseignée : indiquez les ressources du foyer, ou cochez « Le foyer "
    "n'a aucune ressource » si c'est le cas."
)


def without_resources(**changes: object) -> rules.Budget:
    """A single adult of 32, hosted for free, with no resource at all in April 2026; charges
    telephone 20 € and insurance 15 € = 35 €."""
    budget = rules.Budget(
        month=MONTH,
        members=(member(APPLICANT, date(1994, 2, 15)),),
        resources=(),
        charges=charges(telecom="20", insurance="15"),
        housing=HousingStatus.HOSTED_FREE,
        no_resources=True,
    )
    return replace(budget, **changes)  # type: ignore[arg-type]


class TestNoResources:
    # UC 1; reste à vivre 0 − 35 = −35,00 €, per UC per day −35 / 1 / 30 = −1,1666… → −1,17
    # Floor 1 × 651,69 = 651,69. Limits: debt ratio 0 × 35 % − 0 = 0,00; reste à vivre
    # −35 − 10 × 1 × 30 = −335,00; floor 0 − 0 − 651,69 = −651,69; capacity 0,00 (no resource).
    # Request 600 € × 12 months: installment 50,48 (tests/budgets/test_rules.py), after
    # (−35 − 50,48) / 30 = −2,849… → −2,85 per UC per day. Debt ratio: none (no resource).
    def test_the_diagnostic_says_what_is_true(self) -> None:
        budget = without_resources()
        assert rules.validate_budget(budget) == []
        a = rules.assess_budget(budget, THRESHOLDS, SCHEME, LoanRequest(D("600"), 12))
        assert a.total_resources == D("0.00")
        assert a.remaining_income == D("-35.00")
        assert a.remaining_per_uc_per_day == D("-1.17")
        assert a.rsa_floor == D("651.69")
        assert a.debt_ratio_before_percent is None
        assert a.debt_ratio_after_percent is None
        assert a.capacity.amount == D("0.00")
        assert a.capacity.limit is CapacityLimit.NO_RESOURCES
        assert (
            a.capacity.by_debt_ratio,
            a.capacity.by_remaining_income,
            a.capacity.by_rsa_floor,
        ) == (D("0.00"), D("-335.00"), D("-651.69"))
        assert a.requested.max_payment == D("50.48")
        assert a.remaining_per_uc_per_day_after == D("-2.85")
        assert a.verdict is Verdict.NOT_SUITABLE
        assert a.reasons[0].startswith("Le foyer n'a aucune ressource ce mois-ci")
        assert (
            "Taux d'endettement : sans objet (aucune ressource) "
            "(maximum du dispositif : 35,00\xa0%)." in a.reasons
        )
        assert a.recommended is None
        assert not any(o.carried for o in a.options)
        assert all(o.debt_ratio_after_percent is None for o in a.options)

    def test_existing_credits_do_not_make_a_ratio_without_resource(self) -> None:
        budget = without_resources(charges=charges(telecom="20", credit_installments="40"))
        capacity = rules.repayment_capacity(budget, THRESHOLDS)
        assert capacity.amount == D("0.00")
        assert capacity.by_debt_ratio == D("-40.00")  # 0 × 35 % − 40
        assert capacity.limit is CapacityLimit.NO_RESOURCES
        assert rules.debt_ratio_percent(budget.credit_installments, budget.total_resources) is None

    def test_without_the_declaration_it_is_refused_and_not_computed(self) -> None:
        budget = without_resources(no_resources=False)
        assert rules.validate_budget(budget) == [NO_RESOURCE]
        with pytest.raises(rules.BudgetError):
            rules.repayment_capacity(budget, THRESHOLDS)


class TestGrossSalaryRule:
    def test_the_gross_needs_the_net_and_is_not_below_it(self) -> None:
        assert rules.validate_gross_salary("Nadia", None, D("0")) == []
        assert rules.validate_gross_salary("Nadia", D("1230.00"), D("950.00")) == []
        assert rules.validate_gross_salary("Nadia", D("950.00"), D("950.00")) == []
        assert rules.validate_gross_salary("Nadia", D("1230"), D("0")) == [
            "Indiquez aussi le salaire net versé à Nadia : un salaire brut (1\u202f230,00\xa0€) "
            "est renseigné sans salaire net, et le budget compte le net."
        ]
        assert rules.validate_gross_salary("Nadia", D("900"), D("950")) == [
            "Le salaire brut de Nadia (900,00\xa0€) est inférieur à son salaire net "
            "(950,00\xa0€) : vérifiez les deux montants sur la fiche de paie (le brut est avant "
            "cotisations, le net est le montant versé)."
        ]
        assert rules.validate_gross_salary("Nadia", D("-1"), D("950")) == [
            "Le montant « salaire brut de Nadia » ne peut pas être négatif."
        ]
        assert rules.validate_gross_salary("Nadia", D("1230.001"), D("950")) == [
            "Le montant « salaire brut de Nadia » ne peut pas avoir plus de deux décimales."
        ]

    def test_salaries_are_said_to_be_net(self) -> None:
        assert rules.RESOURCE_LABELS[ResourceType.SALARIES] == "Salaires nets (montant versé)"

    def test_budget_data_aligns_the_gross_salaries_with_the_members(self) -> None:
        data = selectors.BudgetData(budget=lone_parent(), personal=({}, {}))
        assert data.gross_salaries == (None, None)
        with pytest.raises(ValueError):
            selectors.BudgetData(budget=lone_parent(), personal=({}, {}), gross_salaries=(None,))


# --- Through the service and the pages ----------------------------------------------------------


@pytest.fixture
def referent(make_user):  # type: ignore[no-untyped-def]
    return make_user(Role.REFERENT)


def _create(referent: User, dossier: Dossier, **values: Any) -> Budget:
    arguments: dict[str, Any] = {
        "actor": referent,
        "membership": membership(referent),
        "dossier_id": dossier.pk,
        "month": MONTH,
        "housing_status": "tenant_private",
        "lines": budget_lines(
            personal={None: {"salaries": D("950")}},
            resources={"housing_aid": D("250")},
            charges=LONE_PARENT_CHARGES,
        ),
    }
    arguments.update(values)
    return budget_create_version(**arguments)


@pytest.mark.django_db
class TestService:
    def test_a_declared_household_without_resource_is_stored(self, referent: User) -> None:
        dossier = lone_parent_dossier(referent)
        budget = _create(
            referent,
            dossier,
            housing_status="hosted_free",
            lines=budget_lines(charges={"telecom": D("20")}),
            no_resources=True,
        )
        assert Budget.objects.get().no_resources is True
        data = selectors.budget_data(budget)
        assert data.budget.no_resources is True
        assert data.budget.total_resources == D("0.00")
        assert data.personal == ({}, {})
        event = AuditEvent.objects.get(action="budget_version_created")
        assert event.new_values["no_resources"] is True

    def test_the_gross_salaries_are_kept_per_person_and_never_counted(self, referent: User) -> None:
        dossier = lone_parent_dossier(referent)
        spouse = HouseholdMember.objects.create(
            applicant=dossier.applicant,
            first_name="Karim",
            birth_date=date(1988, 3, 3),
            relationship="spouse",
        )
        budget = _create(
            referent,
            dossier,
            lines=budget_lines(
                personal={None: {"salaries": D("950")}, spouse.pk: {"salaries": D("1400")}},
                resources={"housing_aid": D("250")},
                charges=LONE_PARENT_CHARGES,
            ),
            gross_salaries={None: D("1230"), spouse.pk: D("1812.45")},
        )
        persons = list(budget.persons.order_by("position"))
        data = selectors.budget_data(budget)
        # The applicant first, then the members by birth date (the applicant's file's order).
        assert [p.first_name for p in persons] == ["Nadia", "Karim", "Léa"]
        assert data.gross_salaries == (D("1230.00"), D("1812.45"), None)
        assert data.personal[1] == {ResourceType.SALARIES: D("1400.00")}
        # The budget counts the net salaries: 950 + 1 400 + 250.
        assert data.budget.total_resources == D("2600.00")
        snapshot = AuditEvent.objects.get(action="budget_version_created").new_values
        assert [p.get("gross_salary") for p in snapshot["persons"]] == ["1230.00", "1812.45", None]

    @pytest.mark.parametrize(
        ("lines", "gross", "message"),
        [
            (
                {"personal": {None: {"unemployment_benefits": D("800")}}},
                D("1230"),
                "Indiquez aussi le salaire net versé à Nadia",
            ),
            ({}, D("900"), "Le salaire brut de Nadia (900,00\xa0€) est inférieur"),
            ({}, D("-5"), "Le montant « salaire brut de Nadia » ne peut pas être négatif."),
        ],
    )
    def test_a_wrong_gross_salary_is_refused_and_nothing_is_written(
        self, referent: User, lines: dict[str, Any], gross: Decimal, message: str
    ) -> None:
        dossier = lone_parent_dossier(referent)
        values: dict[str, Any] = {}
        if lines:
            values["lines"] = budget_lines(
                **lines, resources={"housing_aid": D("250")}, charges=LONE_PARENT_CHARGES
            )
        with pytest.raises(BudgetRefused) as refusal:
            _create(referent, dossier, gross_salaries={None: gross}, **values)
        assert any(m.startswith(message) for m in refusal.value.messages), refusal.value.messages
        assert not Budget.objects.exists() and not BudgetPerson.objects.exists()
        assert not AuditEvent.objects.filter(action="budget_version_created").exists()

    def test_a_gross_salary_for_a_stranger_is_refused(self, referent: User) -> None:
        dossier = lone_parent_dossier(referent)
        with pytest.raises(BudgetRefused) as refusal:
            _create(referent, dossier, gross_salaries={999999: D("1230")})
        assert refusal.value.messages == [
            "Un salaire brut est attribué à une personne absente du ménage."
        ]
        assert not Budget.objects.exists()

    def test_without_gross_salaries_nothing_changes_for_the_other_callers(
        self, referent: User
    ) -> None:
        dossier = lone_parent_dossier(referent)
        budget = _create(referent, dossier)
        assert budget.no_resources is False
        assert selectors.budget_data(budget).gross_salaries == (None, None)


@pytest.mark.django_db
class TestPages:
    ZERO_FORM = {
        "month": "2026-04",
        "housing_status": "hosted_free",
        "charge__telecom": "20",
        "charge__insurance": "15",
    }

    def test_a_budget_without_resource_is_accepted_with_the_checkbox(
        self, client: Client, referent: User
    ) -> None:
        RsaBaseAmount.objects.create(month=MONTH, amount=D("651.69"), openfisca_france_version="x")
        dossier = lone_parent_dossier(referent)
        client.force_login(referent)
        url = reverse("budgets:edit", args=[dossier.pk])
        form_page = html.unescape(client.get(url).content.decode())
        assert "Le foyer n'a aucune ressource ce mois-ci" in form_page
        response = client.post(url, {**self.ZERO_FORM, "no_resources": "on"})
        assert response.status_code == 302
        budget = Budget.objects.get()
        assert budget.no_resources and not budget.lines.filter(kind="resource").exists()
        body = page(client, dossier)
        # UC 1,3 (a child of 7); reste à vivre −35,00 €, −35 / 1,3 / 30 = −0,897… → −0,90 €.
        for text in (
            "Aucune ressource (déclaré)",
            "-35,00\xa0€ par mois, soit -0,90\xa0€ par jour et par UC",
            "sans objet (aucune ressource)",
            "0,00\xa0€ par mois (le foyer n'a aucune ressource)",
            "Non adapté",
            "Le foyer n'a aucune ressource ce mois-ci : il ne peut rembourser aucune échéance",
        ):
            assert text in body, text
        # The next version starts from this one: the box is still checked.
        form = client.get(url).context["form"]
        assert form.initial["no_resources"] is True

    def test_without_the_checkbox_it_is_refused_in_french_and_nothing_saved(
        self, client: Client, referent: User
    ) -> None:
        dossier = lone_parent_dossier(referent)
        client.force_login(referent)
        response = client.post(reverse("budgets:edit", args=[dossier.pk]), self.ZERO_FORM)
        assert response.status_code == 200
        assert NO_RESOURCE in html.unescape(response.content.decode())
        assert not Budget.objects.exists()

    def test_the_checkbox_with_a_resource_is_a_contradiction(
        self, client: Client, referent: User
    ) -> None:
        dossier = lone_parent_dossier(referent)
        client.force_login(referent)
        response = client.post(
            reverse("budgets:edit", args=[dossier.pk]), {**FORM, "no_resources": "on"}
        )
        assert response.status_code == 200
        assert (
            "Le foyer est déclaré sans aucune ressource, mais des ressources sont renseignées "
            "(1\u202f200,00\xa0€)" in html.unescape(response.content.decode())
        )
        assert not Budget.objects.exists()

    def test_the_gross_salary_round_trip(self, client: Client, referent: User) -> None:
        dossier = lone_parent_dossier(referent)
        client.force_login(referent)
        url = reverse("budgets:edit", args=[dossier.pk])
        form_page = html.unescape(client.get(url).content.decode())
        assert "Salaires nets (montant versé)" in form_page
        assert "Salaire brut mensuel (facultatif, sur la fiche de paie)" in form_page
        response = client.post(url, {**FORM, "gross_salary__demandeur": "1 230,50"})
        assert response.status_code == 302
        budget = Budget.objects.get()
        applicant = budget.persons.get(role="applicant")
        assert applicant.gross_salary == D("1230.50")
        data = selectors.budget_data(budget)
        assert data.gross_salaries == (D("1230.50"), None)
        assert data.budget.total_resources == D("1200.00")  # the net 950 + 250
        assert "(salaire brut : 1\u202f230,50\xa0€)" in page(client, dossier)
        # The next version's form starts with it, next to the net salary.
        form = client.get(url).context["form"]
        assert form.initial["gross_salary__demandeur"] == D("1230.50")
        assert form.initial["salaries__demandeur"] == D("950.00")
        fields = [f.name for f in form.personal_groups()[0][1]]
        assert fields[:2] == ["salaries__demandeur", "gross_salary__demandeur"]
        persons = form_persons(dossier.applicant, [], MONTH)
        initial = BudgetForm.initial_from(budget, dossier.applicant, persons, MONTH)
        assert initial["gross_salary__demandeur"] == D("1230.50")
        # Saved again as it is shown: the gross is carried into version 2.
        client.post(url, {**FORM, "gross_salary__demandeur": "1230.50"})
        assert [
            p.gross_salary for p in BudgetPerson.objects.filter(role="applicant").order_by("id")
        ] == [D("1230.50"), D("1230.50")]

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            (
                {"gross_salary__demandeur": "900"},
                "Le salaire brut de Nadia (900,00\xa0€) est inférieur à son salaire net "
                "(950,00\xa0€)",
            ),
            (
                {"gross_salary__demandeur": "1230", "salaries__demandeur": ""},
                "Indiquez aussi le salaire net versé à Nadia",
            ),
            (
                {"gross_salary__demandeur": "-1230"},
                "Le montant « salaire brut de Nadia » ne peut pas être négatif.",
            ),
        ],
    )
    def test_a_wrong_gross_salary_is_refused_and_nothing_saved(
        self, client: Client, referent: User, change: dict[str, str], message: str
    ) -> None:
        dossier = lone_parent_dossier(referent)
        client.force_login(referent)
        response = client.post(reverse("budgets:edit", args=[dossier.pk]), {**FORM, **change})
        assert response.status_code == 200
        assert message in html.unescape(response.content.decode())
        assert not Budget.objects.exists() and not BudgetLine.objects.exists()
