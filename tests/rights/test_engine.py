"""OpenFisca-France adapter (no database). The tax-benefit system is loaded once for the whole
module by the engine's own cache; each fixture below runs its simulations once (module scope).

The five archetypes are those of tests/budgets/test_rules.py, for April 2026 (legislation
covered by openfisca-france 176.1.8: RSA, prime d'activité and AF bases to 2026-04).
"""

from __future__ import annotations

import random
import subprocess
import sys
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from microcredit.budgets.rules import HousingStatus, MemberRole
from microcredit.rights import engine
from microcredit.rights.engine import (
    Activity,
    CoupleKind,
    HouseholdSituation,
    InvalidSituationError,
    PersonSituation,
    RightsAssessment,
    RightsComputationError,
)
from microcredit.rights.rules import COVERAGE_CAVEATS

D = Decimal
MONTH = date(2026, 4, 1)
SAINT_ETIENNE = "42218"

APPLICANT = MemberRole.APPLICANT
SPOUSE = MemberRole.SPOUSE
CHILD = MemberRole.CHILD
OTHER = MemberRole.OTHER_ADULT


def person(role: MemberRole, born: date, activity: Activity = Activity.INACTIVE, **kw: object):  # type: ignore[no-untyped-def]
    return PersonSituation(role=role, birth_date=born, activity=activity, **kw)  # type: ignore[arg-type]


ARCHETYPES: dict[str, HouseholdSituation] = {
    # Lone parent, part time, 950 € net a month for years, one child aged 7; receives housing aid.
    "lone_parent": HouseholdSituation(
        month=MONTH,
        members=(
            person(APPLICANT, date(1990, 5, 1), Activity.EMPLOYED, net_salary=D("950")),
            person(CHILD, date(2018, 9, 10)),
        ),
        housing=HousingStatus.TENANT_PRIVATE,
        rent=D("550"),
        commune_insee=SAINT_ETIENNE,
        receives_housing_aid=True,
    ),
    # Single job seeker, 32, no income at all, no housing aid claimed.
    "job_seeker": HouseholdSituation(
        month=MONTH,
        members=(person(APPLICANT, date(1994, 2, 15), Activity.UNEMPLOYED),),
        housing=HousingStatus.TENANT_PRIVATE,
        rent=D("380"),
        commune_insee=SAINT_ETIENNE,
    ),
    # Couple, one salary of 1 900 €, children aged 10 and 15, social housing.
    "couple": HouseholdSituation(
        month=MONTH,
        members=(
            person(APPLICANT, date(1984, 6, 20), Activity.EMPLOYED, net_salary=D("1900")),
            person(SPOUSE, date(1986, 11, 2)),
            person(CHILD, date(2015, 8, 30)),
            person(CHILD, date(2011, 1, 12)),
        ),
        housing=HousingStatus.TENANT_SOCIAL,
        rent=D("700"),
        commune_insee=SAINT_ETIENNE,
        receives_housing_aid=True,
    ),
    # Retired owner living alone, pension 980 €.
    "retired": HouseholdSituation(
        month=MONTH,
        members=(person(APPLICANT, date(1955, 3, 3), Activity.RETIRED, pension=D("980")),),
        housing=HousingStatus.OWNER,
        commune_insee=SAINT_ETIENNE,
    ),
    # Couple with five children (16, 12, 9, 5, 2), one salary of 1 600 €.
    "large_family": HouseholdSituation(
        month=MONTH,
        members=(
            person(APPLICANT, date(1982, 4, 10), Activity.EMPLOYED, net_salary=D("1600")),
            person(SPOUSE, date(1985, 7, 7)),
            *(
                person(CHILD, born)
                for born in (
                    date(2010, 1, 20),
                    date(2013, 9, 5),
                    date(2017, 3, 15),
                    date(2020, 11, 30),
                    date(2023, 6, 18),
                )
            ),
        ),
        housing=HousingStatus.TENANT_SOCIAL,
        rent=D("850"),
        commune_insee=SAINT_ETIENNE,
        receives_housing_aid=True,
    ),
}

# Households that exercise the other layouts: an adult of the household with a CAF file and a
# tax return of their own, a cohabiting couple (two tax returns), a salary history, a recent
# separation, housing aid not claimed.
EXTRA: dict[str, HouseholdSituation] = {
    "with_other_adult": HouseholdSituation(
        month=MONTH,
        members=(
            person(OTHER, date(1996, 8, 1), Activity.EMPLOYED, net_salary=D("2000")),
            person(APPLICANT, date(1968, 10, 5), Activity.UNEMPLOYED),
        ),
        housing=HousingStatus.TENANT_PRIVATE,
        rent=D("600"),
        commune_insee=SAINT_ETIENNE,
    ),
    "cohabiting": HouseholdSituation(
        month=MONTH,
        members=(
            person(APPLICANT, date(1992, 1, 1), Activity.EMPLOYED, net_salary=D("1300")),
            person(SPOUSE, date(1993, 1, 1), Activity.EMPLOYED, net_salary=D("700")),
            person(CHILD, date(2021, 6, 1)),
        ),
        housing=HousingStatus.TENANT_FURNISHED,
        rent=D("650"),
        commune_insee="42095",
        couple=CoupleKind.COHABITING,
    ),
    "new_job": replace(
        ARCHETYPES["lone_parent"],
        members=(
            person(
                APPLICANT,
                date(1990, 5, 1),
                Activity.EMPLOYED,
                net_salary=D("950"),
                # Out of work until this month: no salary in the previous three months.
                salary_history=(
                    (date(2026, 1, 1), D(0)),
                    (date(2026, 2, 1), D(0)),
                    (date(2026, 3, 1), D(0)),
                ),
            ),
            person(CHILD, date(2018, 9, 10)),
        ),
    ),
    "job_seeker_with_aah": replace(
        ARCHETYPES["job_seeker"],
        members=(person(APPLICANT, date(1994, 2, 15), Activity.INACTIVE, aah=D("1033.32")),),
    ),
    "lone_parent_not_claiming": replace(ARCHETYPES["lone_parent"], receives_housing_aid=False),
    "lone_parent_recently_separated": replace(ARCHETYPES["lone_parent"], separation_recent=True),
}

ALL = {**ARCHETYPES, **EXTRA}


@pytest.fixture(scope="module")
def singles() -> dict[str, RightsAssessment]:
    return {name: engine.assess_household(situation) for name, situation in ALL.items()}


@pytest.fixture(scope="module")
def batch() -> dict[str, RightsAssessment]:
    names = list(ALL)
    random.Random(5).shuffle(names)
    results = engine.assess_households([ALL[n] for n in names])
    return dict(zip(names, results, strict=True))


def amounts(a: RightsAssessment) -> tuple[object, ...]:
    return (
        a.ppa,
        a.rsa,
        a.asf,
        a.aide_logement,
        a.af,
        a.cmu_c,
        a.css_participation_forfaitaire,
        a.cheque_energie,
    )


def test_importing_the_engine_does_not_load_openfisca() -> None:
    code = (
        "import sys; from microcredit.rights import engine; "
        "assert not engine.is_loaded() and engine.load_count() == 0; "
        "assert 'openfisca_france' not in sys.modules and 'openfisca_core' not in sys.modules; "
        "assert engine.assess_households([]) == [] and not engine.is_loaded()"
    )
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr


def test_rsa_base_amount_matches_the_published_decrees() -> None:
    # 646,52 € from 1 April 2025 (décret n° 2025-293 du 29 mars 2025); 651,69 € from 1 April
    # 2026 (décret n° 2026-220 du 30 mars 2026), the amount the budget tests use by hand.
    assert engine.rsa_base_amount(date(2026, 3, 1)) == D("646.52")
    assert engine.rsa_base_amount(date(2026, 4, 1)) == D("651.69")
    assert engine.RSA_BASE_PARAMETER.endswith("rsa_m.montant_de_base_du_rsa")


class TestArchetypes:
    def test_lone_parent_earning_950_gets_ppa_and_an_asf_to_check(
        self, singles: dict[str, RightsAssessment]
    ) -> None:
        a = singles["lone_parent"]
        assert a.ppa > 0
        assert a.rsa == 0
        # ASF for one child, nothing received from the other parent: about 200 € a month.
        assert D("150") < a.asf < D("250")
        assert a.af == 0  # one child: no allocations familiales
        assert a.aide_logement > 0

    def test_single_job_seeker_without_income_gets_rsa(
        self, singles: dict[str, RightsAssessment]
    ) -> None:
        a = singles["job_seeker"]
        # At most the base amount for one person (the housing forfait may be deducted).
        assert D("0") < a.rsa <= D("651.69")
        assert a.ppa == 0
        assert a.asf == 0
        assert a.aide_logement > 0
        assert a.cmu_c is True
        assert a.css_participation_forfaitaire == 0

    def test_couple_with_two_children_gets_af(self, singles: dict[str, RightsAssessment]) -> None:
        a = singles["couple"]
        # AF for two children under 14... and one of 15: 32 % of the BMAF plus an age
        # majoration, roughly 150-230 € (BMAF ≈ 480 €).
        assert D("140") < a.af < D("230")
        assert a.rsa == 0
        assert a.asf == 0  # a couple never gets the ASF

    def test_retired_person_alone_with_small_pension_gets_no_ppa(
        self, singles: dict[str, RightsAssessment]
    ) -> None:
        a = singles["retired"]
        assert a.ppa == 0
        assert a.rsa == 0
        assert a.af == 0
        assert a.aide_logement == 0  # owner without a loan
        assert a.cmu_c is False
        assert a.css_participation_forfaitaire > 0  # the paying CSS: about 30 € at 71

    def test_large_family_gets_more_af_than_the_couple(
        self, singles: dict[str, RightsAssessment]
    ) -> None:
        a = singles["large_family"]
        assert a.af > singles["couple"].af + D("400")
        assert a.asf == 0

    def test_metadata(self, singles: dict[str, RightsAssessment]) -> None:
        a = singles["couple"]
        assert a.month == MONTH
        assert a.openfisca_france_version == "176.1.8"
        assert a.rsa_base_amount == D("651.69")
        assert a.cheque_energie_year == 2026
        assert a.caveats[: len(COVERAGE_CAVEATS)] == COVERAGE_CAVEATS
        for value in (a.ppa, a.rsa, a.asf, a.aide_logement, a.af, a.cheque_energie):
            assert isinstance(value, Decimal)
            assert value == value.quantize(D("0.01"))


class TestPitfalls:
    def test_salary_history_is_used(self, singles: dict[str, RightsAssessment]) -> None:
        # No salary in the three months before: the quarter's activity income is 0, so the
        # estimate is RSA, not the prime d'activité of a stable 950 € (pitfall 1).
        stable, new_job = singles["lone_parent"], singles["new_job"]
        assert stable.ppa > 0 and stable.rsa == 0
        assert new_job.rsa > 0
        assert new_job.ppa < stable.ppa

    def test_housing_aid_not_claimed_is_not_assumed(
        self, singles: dict[str, RightsAssessment]
    ) -> None:
        # Housing aid not received: the PPA is given in both cases, and the case "not received"
        # has no housing forfait lowering it (pitfall 6); the case "received" is the figure of
        # a household that receives it.
        claimed, not_claimed = singles["lone_parent"], singles["lone_parent_not_claiming"]
        assert claimed.ppa_without_housing_aid is None
        assert not_claimed.ppa == claimed.ppa
        assert not_claimed.ppa_without_housing_aid is not None
        assert not_claimed.ppa_without_housing_aid > not_claimed.ppa
        assert not_claimed.aide_logement == claimed.aide_logement > 0

    def test_declared_aah_is_a_resource_and_never_computed(
        self, singles: dict[str, RightsAssessment]
    ) -> None:
        # The AAH (set as an input, never estimated) exceeds the RSA base amount: no RSA.
        assert singles["job_seeker"].rsa > 0
        assert singles["job_seeker_with_aah"].rsa == 0

    def test_recent_separation_raises_the_ppa(self, singles: dict[str, RightsAssessment]) -> None:
        # An isolated parent separated less than 18 months ago gets the PPA's majoration.
        assert singles["lone_parent_recently_separated"].ppa > singles["lone_parent"].ppa

    def test_other_adult_is_not_in_the_applicants_caf_file(
        self, singles: dict[str, RightsAssessment]
    ) -> None:
        # The 29-year-old's 2 000 € salary is not the applicant's resource for RSA purposes.
        assert singles["with_other_adult"].rsa > 0


class TestBatch:
    def test_batch_equals_single_assessments(
        self, singles: dict[str, RightsAssessment], batch: dict[str, RightsAssessment]
    ) -> None:
        assert len(batch) == len(ALL) == 11
        for name in ALL:
            assert amounts(batch[name]) == amounts(singles[name]), name
            assert batch[name] == singles[name]

    def test_the_system_is_loaded_once(
        self, singles: dict[str, RightsAssessment], batch: dict[str, RightsAssessment]
    ) -> None:
        assert engine.is_loaded()
        assert engine.load_count() == 1
        system = engine.tax_benefit_system()
        engine.assess_household(ARCHETYPES["retired"])
        assert engine.tax_benefit_system() is system
        assert engine.load_count() == 1


class TestErrors:
    def test_incomplete_situation_is_refused_in_french(self) -> None:
        with pytest.raises(InvalidSituationError) as err:
            engine.assess_household(replace(ARCHETYPES["lone_parent"], rent=D(0)))
        assert err.value.messages == ("Le foyer est locataire mais aucun loyer n'est renseigné.",)
        with pytest.raises(InvalidSituationError) as err:
            engine.assess_households(
                [ARCHETYPES["retired"], replace(ARCHETYPES["retired"], members=())]
            )
        assert err.value.messages == ("Foyer n° 2 : Aucun membre du foyer n'est renseigné.",)

    def test_openfisca_failure_raises_a_french_error(self, monkeypatch: pytest.MonkeyPatch) -> None:
        def broken(month: date, situations: object) -> None:
            raise KeyError("statut_occupation_logement")

        monkeypatch.setattr(engine, "_simulate", broken)
        with pytest.raises(RightsComputationError) as err:
            engine.assess_household(ARCHETYPES["retired"])
        assert str(err.value).startswith("Le calcul des droits par OpenFisca-France a échoué")
        assert "relancé" in str(err.value)
        assert isinstance(err.value.__cause__, KeyError)
