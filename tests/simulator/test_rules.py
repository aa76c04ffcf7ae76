"""Pure rules of the public simulator (no database, no Django)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from loan_engine import DeferralKind, Limits, LoanEngineError, UsuryThreshold
from microcredit.simulator import rules
from microcredit.simulator.rules import Outcome

TODAY = date(2026, 3, 15)
TERRITORY = [{"insee": "42218", "name": "Saint-Étienne", "postcodes": ["42000", "42100"]}]
COMMUNES = {
    "42218": "Saint-Étienne",
    "69123": "Lyon",
    "42095": "Firminy",
    "69002": "Aigueperse",
}
PURPOSES = [
    {"code": "mobilite", "label": "Mobilité", "subcategories": []},
    {"code": "logement", "label": "Logement", "subcategories": []},
]
EXCLUDED = [
    {
        "code": "creation_d_entreprise_ou_de_micro_entreprise",
        "label": "Création d'entreprise ou de micro-entreprise",
    },
    {"code": "rachat_de_credit", "label": "Rachat de crédit"},
]


class TestAge:
    def test_seventeen_year_old_is_refused_with_their_age(self) -> None:
        criterion = rules.check_age(today=TODAY, birth_date=date(2008, 3, 16))
        assert criterion.outcome is Outcome.KO
        assert criterion.reason == (
            "Vous avez 17 ans : le micro-crédit est réservé aux personnes majeures."
        )

    def test_eighteen_on_the_day_is_adult(self) -> None:
        criterion = rules.check_age(today=TODAY, birth_date=date(2008, 3, 15))
        assert criterion.outcome is Outcome.OK
        assert "18 ans" in criterion.reason

    def test_declared_age_is_used_without_a_birth_date(self) -> None:
        assert rules.check_age(today=TODAY, age=17).outcome is Outcome.KO
        assert rules.check_age(today=TODAY, age=45).outcome is Outcome.OK

    def test_birth_date_wins_over_declared_age(self) -> None:
        criterion = rules.check_age(today=TODAY, birth_date=date(2010, 1, 1), age=40)
        assert criterion.outcome is Outcome.KO

    def test_nothing_given_is_unknown(self) -> None:
        assert rules.check_age(today=TODAY).outcome is Outcome.UNKNOWN

    def test_born_29_february_turns_a_year_older_on_1_march(self) -> None:
        birth = date(2008, 2, 29)
        assert rules.age_on(birth, date(2026, 2, 28)) == 17
        assert rules.age_on(birth, date(2026, 3, 1)) == 18


class TestResidence:
    def check(self, query: str) -> rules.Criterion:
        return rules.check_residence(
            query=query, territory=TERRITORY, commune_names=rules.commune_names_by_fold(COMMUNES)
        )

    @pytest.mark.parametrize("postcode", ["42000", "42100", " 42 000 "])
    def test_territory_postcodes_are_ok(self, postcode: str) -> None:
        criterion = self.check(postcode)
        assert criterion.outcome is Outcome.OK
        assert "fait partie du territoire du CCAS" in criterion.reason

    def test_postcode_reason_names_the_commune(self) -> None:
        assert self.check("42000").reason == (
            "Saint-Étienne (42000) fait partie du territoire du CCAS."
        )

    def test_commune_name_typed_by_hand_is_ok(self) -> None:
        assert self.check("saint etienne").outcome is Outcome.OK

    def test_a_postcode_is_never_read_as_an_insee_code(self) -> None:
        # 69002 is a postcode of Lyon and the INSEE code of Aigueperse (Rhône).
        criterion = self.check("69002")
        assert criterion.outcome is Outcome.KO
        assert "Aigueperse" not in criterion.reason
        assert "code commune" not in criterion.reason
        assert criterion.reason.startswith(
            "Le code postal 69002 ne fait pas partie du territoire du CCAS, qui couvre : "
            "Saint-Étienne (42000, 42100)."
        )

    def test_the_territory_insee_code_is_not_a_postcode(self) -> None:
        assert self.check("42218").outcome is Outcome.KO

    def test_other_commune_by_name_is_ko_and_named(self) -> None:
        criterion = self.check("lyon")
        assert criterion.outcome is Outcome.KO
        assert criterion.reason.startswith("Lyon ne fait pas partie du territoire du CCAS")
        assert "Le CCAS de Lyon peut vous renseigner" in criterion.reason

    def test_other_commune_starting_with_a_vowel_is_elided(self) -> None:
        assert "Le CCAS d'Aigueperse peut" in self.check("Aigueperse").reason

    def test_unknown_postcode_outside_territory_is_ko(self) -> None:
        assert self.check("75011").outcome is Outcome.KO

    @pytest.mark.parametrize("query", ["", "abc", "420", "2A004"])
    def test_missing_or_unreadable_is_unknown(self, query: str) -> None:
        assert self.check(query).outcome is Outcome.UNKNOWN

    def test_too_few_digits_says_what_a_postcode_is(self) -> None:
        assert self.check("420").reason.startswith(
            "« 420 » n'est pas un code postal : un code postal a 5 chiffres, par exemple 42000."
        )

    def test_postcode_example_comes_from_the_territory(self) -> None:
        other = [{"insee": "69123", "name": "Lyon", "postcodes": ["69001", "69002"]}]
        assert rules.postcode_example(other) == "69001"
        assert rules.postcode_example([]) == "42000"


class TestDeCommune:
    @pytest.mark.parametrize(
        ("name", "expected"),
        [
            ("Lyon", "de Lyon"),
            ("Saint-Étienne", "de Saint-Étienne"),
            ("Aigueperse", "d'Aigueperse"),
            ("Étrat", "d'Étrat"),
            ("Œting", "d'Œting"),
            ("Yssingeaux", "d'Yssingeaux"),
            ("Unieux", "d'Unieux"),
            ("Le Chambon-Feugerolles", "du Chambon-Feugerolles"),
            ("Les Abymes", "des Abymes"),
            ("La Ricamarie", "de La Ricamarie"),
            ("L'Horme", "de L'Horme"),
            ("Haguenau", "de Haguenau"),
            ("Lens", "de Lens"),
        ],
    )
    def test_elision_and_contraction(self, name: str, expected: str) -> None:
        assert rules.de_commune(name) == expected


class TestPurpose:
    def check(self, code: str) -> rules.Criterion:
        return rules.check_purpose(code=code, purposes=PURPOSES, excluded=EXCLUDED)

    def test_eligible_purpose(self) -> None:
        criterion = self.check("mobilite")
        assert criterion.outcome is Outcome.OK
        assert "Mobilité" in criterion.reason

    def test_business_creation_points_to_professional_microcredit(self) -> None:
        criterion = self.check("creation_d_entreprise_ou_de_micro_entreprise")
        assert criterion.outcome is Outcome.KO
        assert "exclu du micro-crédit personnel" in criterion.reason
        assert "microcrédit professionnel" in criterion.reason

    def test_credit_buy_back_points_to_budget_advice(self) -> None:
        criterion = self.check("rachat_de_credit")
        assert criterion.outcome is Outcome.KO
        assert "Point conseil budget" in criterion.reason

    def test_missing_or_unknown_code_is_unknown(self) -> None:
        assert self.check("").outcome is Outcome.UNKNOWN
        assert self.check("voyage").outcome is Outcome.UNKNOWN


class TestOverall:
    def run(self, **overrides: object) -> rules.Eligibility:
        values: dict[str, object] = {
            "today": TODAY,
            "birth_date": date(1980, 5, 1),
            "age": None,
            "commune": "42100",
            "purpose_code": "logement",
            "territory": TERRITORY,
            "commune_names": rules.commune_names_by_fold(COMMUNES),
            "purposes": PURPOSES,
            "excluded": EXCLUDED,
        }
        values.update(overrides)
        return rules.check_eligibility(**values)  # type: ignore[arg-type]

    def test_all_criteria_met(self) -> None:
        result = self.run()
        assert result.outcome is Outcome.OK
        assert [c.outcome for c in result.criteria] == [Outcome.OK] * 3
        assert result.notice == (
            "Ce résultat est indicatif : seul l'entretien avec le référent permet d'étudier "
            "votre demande."
        )

    def test_one_ko_makes_it_ko_even_with_unknowns(self) -> None:
        assert self.run(commune="69002", purpose_code="").outcome is Outcome.KO

    def test_unknown_without_ko(self) -> None:
        assert self.run(purpose_code="").outcome is Outcome.UNKNOWN


class TestContactLimits:
    def test_sixth_request_of_a_client_is_refused(self) -> None:
        assert not rules.contact_rate_limited(
            client_requests_last_hour=4, contact_requests_last_hour=0
        )
        assert rules.contact_rate_limited(client_requests_last_hour=5, contact_requests_last_hour=0)

    def test_fourth_request_for_the_same_contact_is_refused(self) -> None:
        assert not rules.contact_rate_limited(
            client_requests_last_hour=0, contact_requests_last_hour=2
        )
        assert rules.contact_rate_limited(client_requests_last_hour=0, contact_requests_last_hour=3)

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("06 12 34 56 78", "0612345678"),
            ("06.12.34.56.78", "0612345678"),
            ("+33 6 12 34 56 78", "0612345678"),
            ("0033612345678", "0612345678"),
            ("+32 470 12 34 56", "+32470123456"),
            ("0612", None),
            ("bonjour", None),
            ("00 12 34 56 78", None),
        ],
    )
    def test_phone_normalisation(self, text: str, expected: str | None) -> None:
        assert rules.normalise_phone(text) == expected


class TestSimulate:
    """The simulation only assembles engine figures; these check the assembly, not the maths."""

    def simulate(self, **overrides: object) -> rules.Simulation:
        values: dict[str, object] = {
            "amount": Decimal("3000"),
            "months": 36,
            "annual_rate": Decimal("0.0175"),
            "disbursement_date": date(2026, 1, 1),
            "usury_table": [UsuryThreshold(date(2026, 1, 1), Decimal("3000"), Decimal("23.56"))],
        }
        values.update(overrides)
        return rules.simulate(**values)  # type: ignore[arg-type]

    def test_bonification_is_the_last_installment_paid(self) -> None:
        simulation = self.simulate()
        last = simulation.schedule.rows[-1].payment
        assert simulation.bonification == last
        assert simulation.net_cost == simulation.schedule.total_interest - last
        assert not simulation.bonification_capped

    def test_bonification_cap_and_switch(self) -> None:
        capped = self.simulate(bonification_cap=Decimal("50.00"))
        assert capped.bonification == Decimal("50.00")
        assert capped.bonification_capped
        off = self.simulate(bonification_enabled=False)
        assert off.bonification == Decimal("0.00")
        assert off.net_cost == off.schedule.total_interest

    def test_usury_ok_below_threshold_and_failing_above(self) -> None:
        assert self.simulate().usury.ok
        assert not self.simulate().usury_exceeded
        low = [UsuryThreshold(date(2026, 1, 1), None, Decimal("1.00"))]
        assert self.simulate(usury_table=low).usury_exceeded
        # No threshold for the date: not the borrower's concern, nothing shown.
        assert not self.simulate(usury_table=[]).usury_exceeded

    def test_scheme_limits_are_enforced_by_the_engine(self) -> None:
        with pytest.raises(LoanEngineError):
            self.simulate(amount=Decimal("100"), limits=Limits(min_amount=Decimal("300")))

    def test_deferral_rows_come_first(self) -> None:
        simulation = self.simulate(deferral_months=3, deferral_kind=DeferralKind.INTEREST_ONLY)
        assert simulation.has_deferral
        assert len(simulation.schedule.rows) == 39
        assert [r.kind for r in simulation.schedule.rows[:3]] == ["deferral"] * 3
