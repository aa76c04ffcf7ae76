"""Pure eligibility rules of a dossier (no database)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from microcredit.dossiers import rules
from microcredit.dossiers.rules import EligibilityInput, SchemeBounds
from microcredit.programmes.schemes import saint_etienne as _scheme
from microcredit.simulator.rules import Outcome

BOUNDS = SchemeBounds(
    territory=_scheme.TERRITORY,
    purposes=_scheme.PURPOSES,
    excluded=_scheme.EXCLUDED,
    min_amount=Decimal("300"),
    max_amount=Decimal("3000"),
    min_months=3,
    max_months=36,
    max_deferral_months=12,
    allow_interest_only_deferral=True,
    allow_capitalised_deferral=False,
)

GOOD = EligibilityInput(
    application_date=date(2026, 3, 10),
    birth_date=date(1988, 5, 17),
    commune_code="42218",
    postcode="42000",
    purpose_category="mobilite",
    purpose_subcategory="permis_de_conduire",
    requested_amount=Decimal("1200"),
    requested_months=24,
    deferral_months=0,
    deferral_kind="none",
    no_ordinary_credit=True,
    no_ordinary_credit_evidence="Refus de la banque habituelle.",
)


def by_key(data: EligibilityInput) -> dict[str, rules.Criterion]:
    return {c.key: c for c in rules.check_dossier_eligibility(data, BOUNDS)[1]}


def test_a_complete_dossier_is_eligible_with_a_reason_for_each_criterion() -> None:
    outcome, criteria = rules.check_dossier_eligibility(GOOD, BOUNDS)
    assert outcome == Outcome.OK
    assert [c.key for c in criteria] == [
        "adult",
        "territory",
        "purpose",
        "amount",
        "duration",
        "deferral",
        "no_ordinary_credit",
    ]
    assert all(c.outcome == Outcome.OK and c.reason and c.label for c in criteria)
    reasons = {c.key: c.reason for c in criteria}
    assert reasons["adult"] == "Le demandeur a 37 ans à la date de la demande (10/03/2026)."
    assert reasons["territory"] == "Le demandeur réside à Saint-Étienne, dans le territoire."
    assert reasons["purpose"] == "« Mobilité (permis de conduire) » est un projet éligible."
    assert reasons["duration"] == "24 mensualités, de 3 à 36 mensualités."


# --- adult ------------------------------------------------------------------------------------


def test_eighteen_on_the_application_date_is_adult() -> None:
    criterion = rules.check_adult(replace(GOOD, birth_date=date(2008, 3, 10)))
    assert criterion.outcome == Outcome.OK
    assert "18 ans" in criterion.reason


def test_the_day_before_the_eighteenth_birthday_is_not_adult() -> None:
    criterion = rules.check_adult(replace(GOOD, birth_date=date(2008, 3, 11)))
    assert criterion.outcome == Outcome.KO
    assert criterion.reason == "Le demandeur a 17 ans à la date de la demande (10/03/2026)."


def test_born_on_29_february_is_adult_on_1_march() -> None:
    data = replace(GOOD, birth_date=date(2008, 2, 29))
    assert rules.check_adult(replace(data, application_date=date(2026, 2, 28))).outcome == "ko"
    assert rules.check_adult(replace(data, application_date=date(2026, 3, 1))).outcome == "ok"


def test_a_missing_birth_date_is_unknown() -> None:
    criterion = rules.check_adult(replace(GOOD, birth_date=None))
    assert criterion.outcome == Outcome.UNKNOWN
    assert "date de naissance" in criterion.reason


# --- territory --------------------------------------------------------------------------------


def test_a_commune_outside_the_territory_is_ko() -> None:
    criterion = rules.check_territory(replace(GOOD, commune_code="69123"), BOUNDS)
    assert criterion.outcome == Outcome.KO
    assert "69123" in criterion.reason
    assert "n'est pas dans le territoire du dispositif (Saint-Étienne)" in criterion.reason


def test_a_postcode_that_is_not_the_communes_is_unknown() -> None:
    criterion = rules.check_territory(replace(GOOD, postcode="42400"), BOUNDS)
    assert criterion.outcome == Outcome.UNKNOWN
    assert "le code postal 42400 n'est pas l'un des siens (42000, 42100)" in criterion.reason
    assert "vérifiez l'adresse" in criterion.reason


def test_the_second_postcode_of_the_commune_is_fine() -> None:
    assert rules.check_territory(replace(GOOD, postcode="42100"), BOUNDS).outcome == Outcome.OK


def test_a_missing_commune_code_is_unknown() -> None:
    criterion = rules.check_territory(replace(GOOD, commune_code=""), BOUNDS)
    assert criterion.outcome == Outcome.UNKNOWN
    assert "code commune" in criterion.reason


# --- purpose ----------------------------------------------------------------------------------


def test_an_excluded_purpose_is_ko_with_its_label() -> None:
    data = replace(GOOD, purpose_category="rachat_de_credit", purpose_subcategory="")
    criterion = rules.check_purpose(data, BOUNDS)
    assert criterion.outcome == Outcome.KO
    assert criterion.reason == "« Rachat de crédit » est exclu du dispositif."


def test_a_purpose_not_in_the_list_is_ko() -> None:
    criterion = rules.check_purpose(replace(GOOD, purpose_category="vacances"), BOUNDS)
    assert criterion.outcome == Outcome.KO
    assert "ne fait pas partie des projets éligibles" in criterion.reason


def test_a_subcategory_no_longer_in_the_parameters_is_unknown() -> None:
    criterion = rules.check_purpose(replace(GOOD, purpose_subcategory="trottinette"), BOUNDS)
    assert criterion.outcome == Outcome.UNKNOWN
    assert "n'est plus prévue pour « Mobilité »" in criterion.reason


def test_a_category_without_subcategory_is_fine() -> None:
    criterion = rules.check_purpose(replace(GOOD, purpose_subcategory=""), BOUNDS)
    assert criterion.outcome == Outcome.OK
    assert criterion.reason == "« Mobilité » est un projet éligible."


# --- amount, duration, deferral ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "outcome"),
    [("299.99", "ko"), ("300", "ok"), ("3000", "ok"), ("3000.01", "ko")],
)
def test_amount_bounds(amount: str, outcome: str) -> None:
    criterion = rules.check_amount(replace(GOOD, requested_amount=Decimal(amount)), BOUNDS)
    assert criterion.outcome == outcome
    if outcome == "ko":
        assert "le dispositif prête entre" in criterion.reason


def test_a_missing_amount_is_unknown() -> None:
    criterion = rules.check_amount(replace(GOOD, requested_amount=None), BOUNDS)
    assert criterion.outcome == Outcome.UNKNOWN
    assert "montant demandé n'est pas renseigné" in criterion.reason


@pytest.mark.parametrize(("months", "outcome"), [(2, "ko"), (3, "ok"), (36, "ok"), (37, "ko")])
def test_duration_bounds(months: int, outcome: str) -> None:
    criterion = rules.check_duration(replace(GOOD, requested_months=months), BOUNDS)
    assert criterion.outcome == outcome
    if outcome == "ko":
        assert (
            criterion.reason
            == f"{months} mensualités : le dispositif prévoit de 3 à 36 mensualités."
        )


def test_a_missing_duration_is_unknown() -> None:
    assert rules.check_duration(replace(GOOD, requested_months=None), BOUNDS).outcome == "unknown"


def test_deferral() -> None:
    def check(months: int, kind: str) -> rules.Criterion:
        return rules.check_deferral(
            replace(GOOD, deferral_months=months, deferral_kind=kind), BOUNDS
        )

    assert check(0, "none").reason == "Pas de différé demandé."
    assert check(12, "interest_only").outcome == Outcome.OK
    too_long = check(13, "interest_only")
    assert too_long.outcome == Outcome.KO
    assert too_long.reason == "13 mois de différé : au plus 12."
    not_allowed = check(6, "capitalised")
    assert not_allowed.outcome == Outcome.KO
    assert "Ce type de différé n'est pas prévu" in not_allowed.reason
    assert check(6, "none").outcome == Outcome.KO  # a deferral without a kind


# --- no ordinary credit -----------------------------------------------------------------------


def test_no_ordinary_credit() -> None:
    undeclared = rules.check_no_ordinary_credit(replace(GOOD, no_ordinary_credit=False))
    assert undeclared.outcome == Outcome.UNKNOWN
    assert "n'est pas recueillie" in undeclared.reason
    no_evidence = rules.check_no_ordinary_credit(replace(GOOD, no_ordinary_credit_evidence="  "))
    assert no_evidence.outcome == Outcome.UNKNOWN
    assert "la justification manque" in no_evidence.reason


# --- overall ----------------------------------------------------------------------------------


def test_one_ko_makes_the_whole_ko_even_with_unknowns() -> None:
    data = replace(GOOD, requested_amount=Decimal("5000"), no_ordinary_credit=False)
    outcome, criteria = rules.check_dossier_eligibility(data, BOUNDS)
    assert outcome == Outcome.KO
    outcomes = {c.key: c.outcome for c in criteria}
    assert outcomes["amount"] == Outcome.KO
    assert outcomes["no_ordinary_credit"] == Outcome.UNKNOWN


def test_one_unknown_without_ko_makes_the_whole_unknown() -> None:
    outcome, _ = rules.check_dossier_eligibility(replace(GOOD, postcode="42400"), BOUNDS)
    assert outcome == Outcome.UNKNOWN


def test_every_criterion_can_fail_on_its_own() -> None:
    failing = {
        "adult": replace(GOOD, birth_date=date(2010, 1, 1)),
        "territory": replace(GOOD, commune_code="75056"),
        "purpose": replace(GOOD, purpose_category="avance_de_tresorerie"),
        "amount": replace(GOOD, requested_amount=Decimal("100")),
        "duration": replace(GOOD, requested_months=48),
        "deferral": replace(GOOD, deferral_months=24, deferral_kind="interest_only"),
    }
    for key, data in failing.items():
        criteria = by_key(data)
        assert criteria[key].outcome == Outcome.KO, key
        assert [k for k, c in criteria.items() if c.outcome != Outcome.OK] == [key]


def test_dossier_number_format() -> None:
    assert rules.format_dossier_number("MC", 2026, 42) == "MC-2026-00042"
    assert rules.format_dossier_number("MC", 2026, 123456) == "MC-2026-123456"
