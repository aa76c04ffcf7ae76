"""Pure rules of the unclaimed-rights check: comparison with the budget, validation, caveats.

No OpenFisca here: the estimates are written by hand.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from microcredit.budgets.rules import ChargeType, HousingStatus, MemberRole, ResourceType
from microcredit.rights import rules
from microcredit.rights.rules import (
    COVERAGE_CAVEATS,
    Activity,
    HouseholdSituation,
    PersonSituation,
    RightCode,
    RightsAssessment,
)
from tests.budgets.helpers import lone_parent

D = Decimal
MONTH = date(2026, 4, 1)


def estimate(**amounts: object) -> RightsAssessment:
    values: dict[str, object] = {
        "ppa": D("0.00"),
        "rsa": D("0.00"),
        "asf": D("0.00"),
        "aide_logement": D("0.00"),
        "af": D("0.00"),
        "cmu_c": False,
        "css_participation_forfaitaire": D("0.00"),
        "cheque_energie": D("0.00"),
    }
    values.update(amounts)
    return RightsAssessment(
        month=MONTH,
        openfisca_france_version="176.1.8",
        cheque_energie_year=2026,
        rsa_base_amount=D("651.69"),
        **values,  # type: ignore[arg-type]
    )


LONE_PARENT_ESTIMATE = estimate(
    ppa=D("370.21"),
    asf=D("201.78"),
    aide_logement=D("386.00"),
    css_participation_forfaitaire=D("22.00"),
    cheque_energie=D("113.00"),
)


class TestRightsToCheck:
    def test_lone_parent_budget(self) -> None:
        budget = lone_parent()  # declares 950 € of salary and 250 € of housing aid
        found = rules.rights_to_check(
            LONE_PARENT_ESTIMATE,
            budget.resources_by_type(),
            health_cover_charge=budget.charge(ChargeType.HEALTH_COVER),
        )
        assert [r.code for r in found] == [
            RightCode.PPA,
            RightCode.AIDE_LOGEMENT,
            RightCode.ASF,
            RightCode.CSS,
            RightCode.CHEQUE_ENERGIE,
        ]
        ppa, housing, asf, css, cheque = found
        assert ppa.label == "Prime d'activité"
        assert ppa.estimated_monthly_amount == D("370.21")
        assert ppa.declared_monthly_amount == 0
        assert ppa.summary == (
            "Droit possible selon l'estimation, non déclaré dans le budget : à confirmer par la "
            "CAF."
        )  # housing aid is declared: one case only
        assert ppa.headline == "environ 370,21\xa0€ par mois selon l'estimation"
        assert ppa.without_housing_aid_amount is None
        assert "caf.fr" in ppa.how_to_claim
        # 386 − 250 = 136 > 10: received, but less than estimated.
        assert housing.declared_monthly_amount == D("250.00")
        assert housing.summary.startswith("Le budget déclare 250,00\xa0€ par mois")
        assert asf.estimated_monthly_amount == D("201.78")
        assert "l'autre parent verse-t-il une pension alimentaire" in asf.summary
        assert css.estimated_monthly_amount is None
        assert css.headline == (
            "avec une participation d'environ 22,00\xa0€ par mois selon l'estimation"
        )
        assert "25,00\xa0€ par mois de mutuelle" in css.summary
        # A yearly amount, never shown as a monthly one.
        assert cheque.estimated_monthly_amount is None
        assert cheque.estimated_yearly_amount == D("113.00")
        assert cheque.headline == "environ 113,00\xa0€ pour l'année 2026 selon l'estimation"
        assert "par mois" not in cheque.summary + cheque.headline
        # Since 2025 a household not identified must claim it.
        assert "chequeenergie.gouv.fr" in cheque.how_to_claim
        assert "Aucune demande à faire" not in cheque.how_to_claim

    def test_declared_amounts_within_tolerance_are_not_listed(self) -> None:
        declared = {
            ResourceType.PRIME_ACTIVITE: D("365.00"),  # 370,21 − 365 = 5,21 ≤ 10
            ResourceType.HOUSING_AID: D("376.00"),  # 386 − 376 = 10: not more than 10
            ResourceType.FAMILY_BENEFITS: D("201.78"),
        }
        found = rules.rights_to_check(
            LONE_PARENT_ESTIMATE,
            declared,
            already_has={RightCode.CSS, RightCode.CHEQUE_ENERGIE},
        )
        assert found == ()
        tighter = rules.rights_to_check(
            LONE_PARENT_ESTIMATE, declared, already_has={RightCode.CSS}, tolerance=D("5")
        )
        assert [r.code for r in tighter] == [
            RightCode.PPA,
            RightCode.AIDE_LOGEMENT,
            RightCode.CHEQUE_ENERGIE,
        ]

    def test_family_benefits_cover_af_first_then_asf(self) -> None:
        # Declared 160: AF 153,01 is covered, 6,99 is left for the ASF: 201,78 − 6,99 = 194,79.
        found = rules.rights_to_check(
            estimate(af=D("153.01"), asf=D("201.78")),
            {ResourceType.FAMILY_BENEFITS: D("160.00")},
        )
        assert [r.code for r in found] == [RightCode.ASF]
        assert found[0].declared_monthly_amount == D("6.99")
        # Nothing declared: both are listed.
        both = rules.rights_to_check(estimate(af=D("153.01"), asf=D("201.78")), {})
        assert [r.code for r in both] == [RightCode.AF, RightCode.ASF]

    def test_asf_sentence_follows_the_other_parent(self) -> None:
        paying = rules.rights_to_check(
            estimate(asf=D("120.00")), {}, other_parent_pays_alimony=True
        )
        assert "ne complète que si" in paying[0].summary
        not_paying = rules.rights_to_check(
            estimate(asf=D("201.78")), {}, other_parent_pays_alimony=False
        )
        assert "peut en poursuivre le recouvrement" in not_paying[0].summary

    def test_free_css_and_rsa(self) -> None:
        found = rules.rights_to_check(
            estimate(
                rsa=D("573.49"),
                rsa_without_housing_aid=D("651.69"),
                cmu_c=True,
                aide_logement=D("304.00"),
            ),
            {ResourceType.OTHER: D("200")},
        )
        assert [r.code for r in found] == [RightCode.RSA, RightCode.AIDE_LOGEMENT, RightCode.CSS]
        assert found[2].summary == (
            "Complémentaire santé solidaire possible selon l'estimation (à confirmer par la CPAM)."
        )
        assert found[2].headline == "sans participation selon l'estimation"
        assert "CPAM" in found[2].how_to_claim
        # Housing aid not received either: the RSA states both cases, the figure first.
        rsa = found[0]
        assert rsa.headline == (
            "environ 573,49\xa0€ par mois si l'aide au logement est versée ; 651,69\xa0€ tant "
            "qu'elle ne l'est pas"
        )
        assert rsa.estimated_monthly_amount == D("573.49")
        assert rsa.without_housing_aid_amount == D("651.69")
        assert "€" not in rsa.summary  # the figures are in the headline only
        assert "forfait logement" not in rsa.summary
        assert found[1].without_housing_aid_amount is None

    def test_css_in_both_cases_of_housing_aid(self) -> None:
        # Free while housing aid is not paid (an RSA then), paying once it is.
        found = rules.rights_to_check(
            estimate(
                css_participation_forfaitaire=D("30.00"),
                cmu_c_without_housing_aid=True,
                css_participation_without_housing_aid=D("0.00"),
            ),
            {},
        )
        assert found[0].headline == (
            "avec une participation d'environ 30,00\xa0€ par mois si l'aide au logement est "
            "versée ; sans participation tant qu'elle ne l'est pas"
        )
        # Not eligible once paid, eligible before: both cases said too.
        only_before = rules.rights_to_check(estimate(cmu_c_without_housing_aid=True), {})
        assert only_before[0].headline == (
            "aucune si l'aide au logement est versée ; sans participation tant qu'elle ne l'est pas"
        )

    def test_a_zero_first_case_is_said_in_words(self) -> None:
        found = rules.rights_to_check(
            estimate(rsa=D("0.00"), rsa_without_housing_aid=D("13.26")), {}
        )
        assert found[0].headline == (
            "rien si l'aide au logement est versée ; environ 13,26\xa0€ par mois tant qu'elle "
            "ne l'est pas"
        )

    def test_a_second_case_equal_to_the_first_is_not_shown(self) -> None:
        # Hosted free: the forfait applies either way, the two cases give the same figure.
        found = rules.rights_to_check(
            estimate(rsa=D("573.49"), rsa_without_housing_aid=D("573.49")), {}
        )
        assert found[0].without_housing_aid_amount is None
        assert "versée" not in found[0].headline

    def test_the_case_without_housing_aid_alone_can_list_the_right(self) -> None:
        # Declared 560 € of RSA: 573,49 is within the tolerance, 651,69 is not.
        found = rules.rights_to_check(
            estimate(rsa=D("573.49"), rsa_without_housing_aid=D("651.69")),
            {ResourceType.RSA: D("570.00")},
        )
        assert [r.code for r in found] == [RightCode.RSA]
        assert found[0].summary.startswith("Le budget déclare 570,00\xa0€ par mois, moins que")

    def test_aspa_is_listed_with_the_retirement_fund(self) -> None:
        found = rules.rights_to_check(estimate(aspa=D("143.60")), {ResourceType.PENSIONS: D("900")})
        assert [r.code for r in found] == [RightCode.ASPA]
        assert found[0].headline == "environ 143,60\xa0€ par mois selon l'estimation"
        assert "caisse de retraite" in found[0].summary
        assert "Carsat" in found[0].how_to_claim and "SASPA" in found[0].how_to_claim

    def test_nothing_estimated_nothing_listed(self) -> None:
        assert rules.rights_to_check(estimate(), {ResourceType.PENSIONS: D("980")}) == ()

    def test_sentences_are_estimates_never_certainties(self) -> None:
        found = rules.rights_to_check(
            estimate(
                ppa=D("100"),
                rsa=D("100"),
                asf=D("100"),
                aide_logement=D("100"),
                af=D("100"),
                cmu_c=True,
                cheque_energie=D("100"),
                aspa=D("100"),
            ),
            {ResourceType.RSA: D("50")},
        )
        assert {r.code for r in found} == set(RightCode)
        for right in found:
            assert "estimation" in right.summary
            assert "confirmer" in right.summary or "vérifier" in right.summary
            assert "vous avez droit" not in right.summary.lower()


class TestLabels:
    def test_every_right_has_a_label_and_a_way_to_claim(self) -> None:
        assert set(rules.RIGHT_LABELS) == set(RightCode)
        assert set(rules.HOW_TO_CLAIM) == set(RightCode)
        assert rules.RIGHT_OUTCOME_LABELS[rules.RightOutcome.CLAIM_STARTED] == "Démarche engagée"
        assert set(rules.RIGHT_OUTCOME_LABELS) == set(rules.RightOutcome)


class TestCaveats:
    def test_constant_caveats_are_true_for_every_month(self) -> None:
        text = " ".join(COVERAGE_CAVEATS)
        assert "CRDS" in text and "brut" in text
        assert "sous-estimés" not in text

    def test_month_specific_caveats(self) -> None:
        def extra(month: date, version: str = "176.1.8") -> tuple[str, ...]:
            return rules.coverage_caveats(month, version)[len(COVERAGE_CAVEATS) :]

        # April 2024: the CSS ceilings are in force; only the chèque énergie's 2021 thresholds.
        assert len(extra(date(2024, 4, 1))) == 1
        assert "2021" in extra(date(2024, 4, 1))[0]
        # December 2026: the April 2026 RSA/PPA/AF scales and the October 2026 housing aid
        # are in force, so no revaluation caveat; the CSS ceilings of April 2024 are stale.
        december = extra(date(2026, 12, 1))
        assert len(december) == 2
        assert "avril 2024" in december[0]
        assert not any("revalorisation" in c for c in december)
        # From January 2027 the ASPA, from April 2027 the RSA…, from October 2027 housing aid.
        assert any("ASPA" in c for c in extra(date(2027, 1, 1)))
        april = extra(date(2027, 4, 1))
        assert any("1er avril 2027" in c and "04/2027" in c for c in april)
        assert not any("logement" in c for c in april)
        october = extra(date(2027, 10, 1), "177.0.0")
        assert any("1er octobre 2027" in c for c in october)
        assert "177.0.0" in october[-1]


def situation(**changes: object) -> HouseholdSituation:
    base = HouseholdSituation(
        month=MONTH,
        members=(
            PersonSituation(
                MemberRole.APPLICANT, date(1990, 5, 1), Activity.EMPLOYED, net_salary=D("950")
            ),
            PersonSituation(MemberRole.CHILD, date(2018, 9, 10)),
        ),
        housing=HousingStatus.TENANT_PRIVATE,
        rent=D("550"),
        commune_insee="42218",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


class TestValidateSituation:
    def test_valid(self) -> None:
        assert rules.validate_situation(situation()) == []
        assert situation().is_lone_parent

    def test_missing_members_rent_and_commune(self) -> None:
        assert rules.validate_situation(situation(members=(), rent=D(0), commune_insee="")) == [
            "Aucun membre du foyer n'est renseigné.",
            "Le foyer est locataire mais aucun loyer n'est renseigné.",
            "Le code commune INSEE du logement manque ou est invalide (5 caractères).",
        ]

    def test_negative_amount_and_history_out_of_window(self) -> None:
        applicant = PersonSituation(
            MemberRole.APPLICANT,
            date(1990, 5, 1),
            net_salary=D("-1"),
            salary_history=((date(2023, 12, 1), D("900")), (date(2026, 4, 1), D("900"))),
        )
        assert rules.validate_situation(situation(members=(applicant,))) == [
            "Le montant « salaire net de la personne n° 1 » ne peut pas être négatif.",
            "L'historique de salaire de la personne n° 1 (12/2023) doit porter sur les mois de "
            "janvier 2024 au mois précédant le mois étudié.",
            "L'historique de salaire de la personne n° 1 (04/2026) doit porter sur les mois de "
            "janvier 2024 au mois précédant le mois étudié.",
        ]

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"month": date(2026, 4, 2)}, "Le mois étudié doit être indiqué par le premier jour"),
            ({"commune_insee": "4221"}, "Le code commune INSEE"),
            (
                {"members": (PersonSituation(MemberRole.CHILD, date(2018, 9, 10)),)},
                "Le foyer doit comporter un et un seul demandeur.",
            ),
        ],
    )
    def test_other_problems(self, changes: dict[str, object], message: str) -> None:
        problems = rules.validate_situation(situation(**changes))
        assert len(problems) == 1
        assert problems[0].startswith(message)

    def test_owner_needs_no_rent_and_corsican_codes_are_valid(self) -> None:
        assert (
            rules.validate_situation(
                situation(housing=HousingStatus.OWNER, rent=D(0), commune_insee="2A004")
            )
            == []
        )
