"""OpenFisca-France adapter: estimate a household's rights for one month.

No Django here. OpenFisca-France is imported and its tax-benefit system loaded lazily, once per
process, the first time an estimate (or the RSA base amount) is asked for, never at import
(loading takes seconds and ~120 MiB). Every call then builds a new simulation on that shared
system: one simulation per call, whether it is for one household or for thousands
(:func:`assess_households` puts them all in the same vectorised simulation).

How the situation is given to OpenFisca (see ``shared/docs/OPENFISCA_NOTES.md``):

* incomes for every month from January of year N-2 to the month studied (the benefits look
  back over different windows); past months default to the current month's amounts;
* salaries from the gross (``salaire_de_base``), as a hand-built situation would give them:
  the gross when the budget gives it, otherwise the gross OpenFisca-France turns into the net
  salary declared (:func:`_salaries`, a small person-only simulation solved to the cent); the
  net and the taxable salaries are OpenFisca's from that gross (a private-sector employee);
* unemployment benefits and pensions given as net and taxable alike; the pension is also given
  as the gross pension (``retraite_brute``, read by the ASPA and through it by the
  complémentaire santé solidaire): exact for the small pensions exempt of CSG, an
  approximation above;
* rent, occupancy status and commune set for every month from January N-2 to December N;
* housing aid, two cases: the RSA (forfait logement), the prime d'activité (housing aid of
  the last three months) and, through the RSA, the complémentaire santé solidaire depend on it.
  The household is simulated with the housing aid paid (the model's for the month and each of
  the three before, each under its own scale since the aid is revalued every 1 October; the
  earliest of the four for older months); a household that does not receive it yet is
  simulated a second time, in the same simulation, with ``aide_logement`` = 0 for the month
  and every past month (the ``*_without_housing_aid`` fields). The family benefits estimated
  are taken as paid in both cases (the CAF opens them with the RSA or the prime d'activité);
* the AAH is the declared amount and the ASS and the AAH complement are 0, all given as inputs:
  the estimate does not screen disability benefits (they need the CDAPH's decision), and
  letting the model evaluate them over twelve-month windows was most of the cost of a
  simulation (about 1 s of the 1.25 s of one household, 14 s of 17 s for 10,000);
* every person belongs to a famille, a foyer fiscal and a ménage, joined by group *ids*; an
  "other adult" has a famille and a foyer fiscal of their own in the household's ménage, so
  does a cohabiting (not married, not pacsed) spouse's foyer fiscal.

Amounts come out of OpenFisca as float32 and are converted to ``Decimal`` rounded half-up to the
cent: they are estimates. The allocations familiales, the ASF and the prime d'activité are then
given as the household receives them, net of the 0.5 % CRDS (:func:`net_of_crds`); OpenFisca's
housing aid is already net of it; the RSA and the ASPA bear none.
"""

from __future__ import annotations

import gc
import importlib.metadata
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from microcredit.budgets.rules import HousingStatus, MemberRole
from microcredit.core.formatting import format_month
from microcredit.rights.rules import (
    COVERAGE_CAVEATS,
    PUBLISHED_ASF_PER_CHILD,
    Activity,
    CoupleKind,
    HouseholdSituation,
    PersonSituation,
    RightsAssessment,
    Scales,
    coverage_caveats,
    validate_situation,
)

__all__ = [
    "COVERAGE_CAVEATS",
    "GC_THRESHOLD",
    "RSA_BASE_PARAMETER",
    "Activity",
    "CoupleKind",
    "HouseholdSituation",
    "InvalidSituationError",
    "PersonSituation",
    "RightsAssessment",
    "RightsComputationError",
    "Skipped",
    "assess_household",
    "assess_households",
    "assess_households_isolated",
    "is_loaded",
    "load_count",
    "net_of_crds",
    "openfisca_france_version",
    "probe_situation",
    "rsa_base_amount",
    "scales",
    "tax_benefit_system",
]

RSA_BASE_PARAMETER = (
    "prestations_sociales.solidarite_insertion.minima_sociaux.rsa.rsa_m.montant_de_base_du_rsa"
)
GC_THRESHOLD = 100
"""``gc.collect()`` runs after a batch of at least this many households."""

REFERENCE_GROSS = 1000.0
"""A gross salary simulated with every salary derivation, for its net/gross ratio."""
FIRST_NET_TO_GROSS = 0.79
"""The first guess of net / gross (a private-sector employee below the social-security ceiling);
:func:`_salaries` then solves each gross on OpenFisca's own net."""
SALARY_PASSES = 5
"""At most this many person-only simulations to find every gross salary to the cent."""

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

_lock = threading.Lock()
_system: Any = None
_loads = 0


class RightsComputationError(RuntimeError):
    """OpenFisca-France failed; ``str(err)`` is a French message for the page."""


class InvalidSituationError(ValueError):
    """The situation is incomplete or invalid; ``messages`` are French sentences."""

    def __init__(self, messages: Sequence[str]) -> None:
        self.messages: tuple[str, ...] = tuple(messages)
        super().__init__(" ".join(self.messages))


def tax_benefit_system() -> Any:
    """The OpenFisca-France tax-benefit system, loaded on first call, once per process."""
    global _system, _loads
    if _system is None:
        with _lock:
            if _system is None:
                try:
                    from openfisca_france import (  # type: ignore[import-untyped]
                        FranceTaxBenefitSystem,
                    )

                    system = FranceTaxBenefitSystem()
                except Exception as exc:
                    raise RightsComputationError(
                        "Le moteur OpenFisca-France n'a pas pu être chargé : l'estimation des "
                        "droits est indisponible pour le moment (réessayer plus tard)."
                    ) from exc
                _loads += 1
                _system = system
    return _system


def is_loaded() -> bool:
    """Whether the tax-benefit system is loaded in this process."""
    return _system is not None


def load_count() -> int:
    """How many times the tax-benefit system was loaded in this process (0 or 1)."""
    return _loads


def openfisca_france_version() -> str:
    """The installed openfisca-france version (read from the package metadata, no import)."""
    return importlib.metadata.version("openfisca-france")


def _month_text(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def _parameters(month: date) -> Any:
    system = tax_benefit_system()
    return system.get_parameters_at_instant(date(month.year, month.month, 1).isoformat())


def _decimal(value: Any) -> Decimal:
    """A parameter (a float) as the decimal it is written as in OpenFisca's YAML."""
    return Decimal(repr(float(value)))


def rsa_base_amount(month: date) -> Decimal:
    """The RSA montant forfaitaire for one person in force on the first day of ``month``,
    read from OpenFisca-France's parameter ``RSA_BASE_PARAMETER`` (Decimal, 2 decimals)."""
    try:
        node: Any = _parameters(month)
        for part in RSA_BASE_PARAMETER.split("."):
            node = node[part]
        return _money(float(node))
    except RightsComputationError:
        raise
    except Exception as exc:
        raise RightsComputationError(
            f"Le montant de base du RSA de {format_month(month)} est introuvable dans "
            "OpenFisca-France."
        ) from exc


def crds_rate(month: date) -> Decimal:
    """The CRDS rate in force in ``month`` (0.005), from OpenFisca-France's parameters."""
    return _decimal(_parameters(month).prelevements_sociaux.contributions_sociales.crds)


def net_of_crds(amount: Decimal, rate: Decimal) -> Decimal:
    """``amount`` minus its CRDS, the CRDS rounded down to the cent, as the CAF deducts it: the
    amounts it publishes follow that rule (allocations familiales for two children 148,52 € in
    April 2024 = 149,26 − 0,74), and OpenFisca-France applies it to the housing aid."""
    return amount - (amount * rate).quantize(CENT, rounding=ROUND_DOWN)


def _in_force_since(values: Any, month: date) -> date | None:
    """The first day of the value of an OpenFisca parameter in force in ``month``."""
    first_day = date(month.year, month.month, 1).isoformat()
    for value in values.values_list:  # newest first
        if value.instant_str <= first_day:
            return date.fromisoformat(value.instant_str)
    return None


def asf_per_child_gross(month: date) -> Decimal:
    """The ASF at the full rate for one child, before CRDS: the amount published for the BMAF in
    force (``PUBLISHED_ASF_PER_CHILD``) when there is one, otherwise OpenFisca's BMAF × the
    rate rounded half-up to the cent per child (the CAF pays so much per child)."""
    family = tax_benefit_system().parameters.prestations_sociales.prestations_familiales
    since = _in_force_since(family.bmaf.bmaf, month)
    for published in PUBLISHED_ASF_PER_CHILD:
        if published.valid_from == since:
            return published.amount
    at_month = _parameters(month).prestations_sociales.prestations_familiales
    share = at_month.education_presence_parentale.asf.montant_asf.orphelin_assimile_seul_parent
    bmaf = _decimal(at_month.bmaf.bmaf)
    return (bmaf * _decimal(share)).quantize(CENT, rounding=ROUND_HALF_UP)


def scales(month: date) -> Scales:
    """The month's published scales (:class:`Scales`) from OpenFisca-France's parameters."""
    try:
        parameters = _parameters(month)
        social = parameters.prestations_sociales
        minima = social.solidarite_insertion.minima_sociaux
        family = social.prestations_familiales
        aspa = social.solidarite_insertion.minimum_vieillesse.aspa.montant_maximum_annuel
        bmaf = _decimal(family.bmaf.bmaf)
        rate = crds_rate(month)

        def of_bmaf(share: Any) -> Decimal:
            return net_of_crds(
                (bmaf * _decimal(share)).quantize(CENT, rounding=ROUND_HALF_UP), rate
            )

        def monthly(yearly: Any) -> Decimal:
            return (_decimal(yearly) / 12).quantize(CENT, rounding=ROUND_DOWN)

        return Scales(
            rsa_single=_decimal(minima.rsa.rsa_m.montant_de_base_du_rsa).quantize(CENT),
            ppa_single=_decimal(minima.ppa.pa_m.montant_de_base).quantize(CENT),
            af_two_children=of_bmaf(family.prestations_generales.af.af_cm.taux.enf2),
            asf_per_child=net_of_crds(asf_per_child_gross(month), rate),
            aspa_single=monthly(aspa.personnes_seules),
            aspa_couple=monthly(aspa.couples),
        )
    except RightsComputationError:
        raise
    except Exception as exc:
        raise RightsComputationError(
            f"Les barèmes de {format_month(month)} sont introuvables dans OpenFisca-France."
        ) from exc


def _money(value: float) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _money_down(value: float) -> Decimal:
    """Rounded down to the cent, once the float32 noise is gone (4 decimals half-up)."""
    return (
        Decimal(value)
        .quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
        .quantize(CENT, rounding=ROUND_DOWN)
    )


def _months(first: date, last: date) -> list[date]:
    out = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        out.append(date(year, month, 1))
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return out


_ACTIVITY = {
    Activity.EMPLOYED: "actif",
    Activity.UNEMPLOYED: "chomeur",
    Activity.STUDENT: "etudiant",
    Activity.RETIRED: "retraite",
    Activity.INACTIVE: "inactif",
}

_OCCUPANCY = {
    HousingStatus.TENANT_PRIVATE: "locataire_vide",
    HousingStatus.TENANT_SOCIAL: "locataire_hlm",
    HousingStatus.TENANT_FURNISHED: "locataire_meuble",
    HousingStatus.TENANT_RESIDENCE: "locataire_foyer",
    HousingStatus.OWNER: "proprietaire",
    HousingStatus.OWNER_REPAYING: "primo_accedant",
    HousingStatus.HOSTED_FREE: "loge_gratuitement",
    HousingStatus.HOMELESS: "sans_domicile",
}

_MARITAL = {
    CoupleKind.MARRIED: "marie",
    CoupleKind.PACS: "pacse",
    CoupleKind.COHABITING: "celibataire",
}


@dataclass
class _Layout:
    """Arrays of one vectorised simulation: persons in household order, group ids."""

    persons: list[PersonSituation] = field(default_factory=list)
    person_household: list[int] = field(default_factory=list)
    famille_ids: list[int] = field(default_factory=list)
    foyer_ids: list[int] = field(default_factory=list)
    person_famille: list[int] = field(default_factory=list)
    person_foyer: list[int] = field(default_factory=list)
    person_menage: list[int] = field(default_factory=list)
    famille_roles: list[str] = field(default_factory=list)
    foyer_roles: list[str] = field(default_factory=list)
    menage_roles: list[str] = field(default_factory=list)
    marital: list[str] = field(default_factory=list)
    main_famille_position: list[int] = field(default_factory=list)
    famille_household: list[int] = field(default_factory=list)


def _layout(situations: Sequence[HouseholdSituation]) -> _Layout:
    """Group ids for every person; ids are not positions (extra groups get ids ≥ N)."""
    lay = _Layout()
    n = len(situations)
    extra = n  # ids of additional familles / foyers fiscaux start after the households'
    for h, situation in enumerate(situations):
        lay.main_famille_position.append(len(lay.famille_ids))
        lay.famille_ids.append(h)
        lay.famille_household.append(h)
        lay.foyer_ids.append(h)
        couple_marital = _MARITAL[situation.couple]
        ordered = sorted(
            situation.members,
            key=lambda p: (
                [MemberRole.APPLICANT, MemberRole.SPOUSE, MemberRole.CHILD, MemberRole.OTHER_ADULT]
            ).index(p.role),
        )
        for person in ordered:
            lay.persons.append(person)
            lay.person_household.append(h)
            lay.person_menage.append(h)
            if person.role is MemberRole.APPLICANT:
                famille, foyer = h, h
                roles = ("demandeur", "declarant_principal", "personne_de_reference")
                marital = (
                    couple_marital
                    if any(m.role is MemberRole.SPOUSE for m in situation.members)
                    else "celibataire"
                )
            elif person.role is MemberRole.SPOUSE:
                famille = h
                marital = couple_marital
                if situation.couple is CoupleKind.COHABITING:
                    foyer = extra
                    lay.foyer_ids.append(extra)
                    extra += 1
                    roles = ("conjoint", "declarant_principal", "conjoint")
                else:
                    foyer = h
                    roles = ("conjoint", "conjoint", "conjoint")
            elif person.role is MemberRole.CHILD:
                famille, foyer = h, h
                roles = ("enfant", "personne_a_charge", "enfant")
                marital = "celibataire"
            else:  # other adult: own famille and foyer fiscal, same ménage
                famille = foyer = extra
                lay.famille_ids.append(extra)
                lay.famille_household.append(h)
                lay.foyer_ids.append(extra)
                extra += 1
                roles = ("demandeur", "declarant_principal", "autre")
                marital = "celibataire"
            lay.person_famille.append(famille)
            lay.person_foyer.append(foyer)
            lay.famille_roles.append(roles[0])
            lay.foyer_roles.append(roles[1])
            lay.menage_roles.append(roles[2])
            lay.marital.append(marital)
    return lay


def _check(situations: Sequence[HouseholdSituation]) -> None:
    problems: list[str] = []
    for number, situation in enumerate(situations, 1):
        found = validate_situation(situation)
        if len(situations) > 1:
            found = [f"Foyer n° {number} : {p}" for p in found]
        problems.extend(found)
    if problems:
        raise InvalidSituationError(problems)


def _person_simulation(count: int) -> Any:
    """A simulation of ``count`` people, each alone in their famille, foyer fiscal, ménage."""
    import numpy as np
    from openfisca_core.simulation_builder import (  # type: ignore[import-untyped]
        SimulationBuilder,
    )

    system = tax_benefit_system()
    builder = SimulationBuilder()
    builder.create_entities(system)
    builder.declare_person_entity("individu", np.arange(count))
    ids = np.arange(count)
    for key, role in (
        ("famille", "demandeur"),
        ("foyer_fiscal", "declarant_principal"),
        ("menage", "personne_de_reference"),
    ):
        population = builder.declare_entity(key, ids)
        builder.join_with_persons(population, ids, np.array([role] * count))
    return builder.build(system)


def _net_and_taxable(month: date, gross: Any) -> tuple[Any, Any]:
    """OpenFisca's net and taxable salaries of each gross salary of ``month`` (float64)."""
    import numpy as np

    simulation = _person_simulation(len(gross))
    period = _month_text(month)
    simulation.set_input("salaire_de_base", period, np.asarray(gross, dtype=np.float64))
    net = simulation.calculate("salaire_net", period).astype(np.float64)
    taxable = simulation.calculate("salaire_imposable", period).astype(np.float64)
    del simulation
    return net, taxable


def _salaries(month: date, persons: Sequence[PersonSituation]) -> tuple[Any, Any, Any]:
    """Each person's gross, net and taxable salaries of ``month`` (arrays, in euros).

    A gross the budget gives is taken as is. Otherwise the gross is the one, to the cent, whose
    net salary by OpenFisca-France is the net declared: a few person-only simulations, each
    correcting the gross by the net/gross ratio just found (linear below the social-security
    ceiling, so one correction is usually enough). The net and taxable salaries are then
    OpenFisca's for that gross, as a situation built from the gross salary would have them.
    The last element of each array is a reference gross (``REFERENCE_GROSS``) giving the
    ratios for past months whose salary differs from the month's.
    """
    import numpy as np

    target = np.array([float(p.net_salary) for p in persons] + [0.0])
    given = np.array([p.gross_salary is not None for p in persons] + [True])
    gross = np.array(
        [float(p.gross_salary) if p.gross_salary is not None else 0.0 for p in persons]
        + [REFERENCE_GROSS]
    )
    solve = ~given & (target > 0)
    gross = np.where(solve, np.round(target / FIRST_NET_TO_GROSS, 2), gross)
    for _ in range(SALARY_PASSES):
        net, taxable = _net_and_taxable(month, gross)
        off = solve & (np.abs(np.round(net, 2) - target) > 0.001)
        if not off.any():
            break
        ratio = np.where(net > 0, gross / np.where(net > 0, net, 1.0), 1 / FIRST_NET_TO_GROSS)
        step = np.round(gross + (target - np.round(net, 2)) * ratio, 2)
        # Never stuck on one cent of gross: move by at least a cent in the right direction.
        nudge = np.where(target > net, 0.01, -0.01)
        step = np.where(step == gross, gross + nudge, step)
        gross = np.where(off, step, gross)
    return gross, net, taxable


def _simulate(month: date, situations: Sequence[HouseholdSituation]) -> list[RightsAssessment]:
    import numpy as np
    from openfisca_core.simulation_builder import SimulationBuilder

    system = tax_benefit_system()
    n = len(situations)
    # Each household once with its housing aid paid; a second time, without it, when it does
    # not receive it yet (the RSA and the prime d'activité depend on it).
    cases: list[HouseholdSituation] = list(situations)
    without_aid: list[bool] = [False] * n
    second: dict[int, int] = {}
    for h, situation in enumerate(situations):
        if not situation.receives_housing_aid:
            second[h] = len(cases)
            cases.append(situation)
            without_aid.append(True)
    lay = _layout(cases)
    n_cases = len(cases)
    n_persons = len(lay.persons)

    builder = SimulationBuilder()
    builder.create_entities(system)
    builder.declare_person_entity("individu", np.arange(n_persons))
    groups = (
        ("famille", lay.famille_ids, lay.person_famille, lay.famille_roles),
        ("foyer_fiscal", lay.foyer_ids, lay.person_foyer, lay.foyer_roles),
        ("menage", list(range(n_cases)), lay.person_menage, lay.menage_roles),
    )
    for key, ids, assignment, roles in groups:
        population = builder.declare_entity(key, np.array(ids))
        builder.join_with_persons(population, np.array(assignment), np.array(roles))
    simulation = builder.build(system)

    def each(values: list[float]) -> Any:
        return np.array(values, dtype=np.float64)

    simulation.set_input(
        "date_naissance",
        "ETERNITY",
        np.array([p.birth_date.isoformat() for p in lay.persons], dtype="datetime64[D]"),
    )
    income_months = _months(date(month.year - 2, 1, 1), month)
    housing_months = _months(date(month.year - 2, 1, 1), date(month.year, 12, 1))
    index = {m: k for k, m in enumerate(income_months)}
    gross_now, net_now, taxable_now = _salaries(month, lay.persons)
    reference = (gross_now[-1] / net_now[-1], taxable_now[-1] / net_now[-1])
    gross_now, net_now, taxable_now = gross_now[:-1], net_now[:-1], taxable_now[:-1]
    rows = len(income_months)
    gross = np.tile(gross_now, (rows, 1))
    salaries = np.tile(net_now, (rows, 1))
    taxable = np.tile(taxable_now, (rows, 1))
    for column, person in enumerate(lay.persons):
        if net_now[column] > 0:
            ratios = (gross_now[column] / net_now[column], taxable_now[column] / net_now[column])
        else:
            ratios = reference
        for when, amount in person.salary_history:
            row = index[date(when.year, when.month, 1)]
            salaries[row, column] = float(amount)
            gross[row, column] = round(float(amount) * ratios[0], 2)
            taxable[row, column] = float(amount) * ratios[1]
    unemployment = each([float(p.unemployment_benefit) for p in lay.persons])
    pension = each([float(p.pension) for p in lay.persons])
    alimony = each([float(p.alimony_received) for p in lay.persons])
    disability = each([float(p.aah) for p in lay.persons])
    zeros = np.zeros(n_persons)
    activity = np.array([_ACTIVITY[p.activity] for p in lay.persons])
    marital = np.array(lay.marital)
    isolation = np.array([cases[h].separation_recent for h in lay.famille_household])
    for k, when in enumerate(income_months):
        period = _month_text(when)
        simulation.set_input("salaire_de_base", period, gross[k])
        simulation.set_input("salaire_net", period, salaries[k])
        simulation.set_input("salaire_imposable", period, taxable[k])
        simulation.set_input("chomage_net", period, unemployment)
        simulation.set_input("chomage_imposable", period, unemployment)
        simulation.set_input("retraite_nette", period, pension)
        simulation.set_input("retraite_imposable", period, pension)
        simulation.set_input("retraite_brute", period, pension)
        simulation.set_input("pensions_alimentaires_percues", period, alimony)
        simulation.set_input("aah", period, disability)
        simulation.set_input("ass", period, zeros)
        simulation.set_input("caah", period, zeros)
        simulation.set_input("activite", period, activity)
        simulation.set_input("statut_marital", period, marital)
        simulation.set_input("rsa_isolement_recent", period, isolation)
    rent = each([float(s.rent) for s in cases])
    occupancy = np.array([_OCCUPANCY[s.housing] for s in cases])
    commune = np.array([s.commune_insee for s in cases])
    for when in housing_months:
        period = _month_text(when)
        simulation.set_input("loyer", period, rent)
        simulation.set_input("statut_occupation_logement", period, occupancy)
        simulation.set_input("depcom", period, commune)
    # Housing aid, first case ("paid"): the model's for the month and the three before (the
    # prime d'activité's quarter, each with its own scale: the aid is revalued in October),
    # the earliest of them before; second case ("not received yet"): 0 for every month.
    period = _month_text(month)
    quarter = income_months[-4:]
    computed = {when: simulation.calculate("aide_logement", _month_text(when)) for when in quarter}
    unpaid = np.array([without_aid[h] for h in lay.famille_household], dtype=bool)
    for when in income_months:
        past = _month_text(when)
        simulation.delete_arrays("aide_logement", past)
        simulation.set_input(
            "aide_logement", past, np.where(unpaid, 0.0, computed.get(when, computed[quarter[0]]))
        )

    main = np.array(lay.main_famille_position)
    names = ("ppa", "rsa", "asf", "af", "css_participation_forfaitaire", "aspa")
    results = {name: simulation.calculate(name, period)[main] for name in names}
    aid = computed[month][main]
    cmu_c = simulation.calculate("cmu_c", period)[main]
    cheque = simulation.calculate("cheque_energie", str(month.year))
    # Children for whom the ASF is due, per main famille (ids 0..n_cases-1).
    asf_child = simulation.calculate("asf_elig_enfant", period)
    asf_children = np.zeros(n_cases, dtype=int)
    for position, famille in enumerate(lay.person_famille):
        if lay.famille_roles[position] == "enfant" and famille < n_cases and asf_child[position]:
            asf_children[famille] += 1
    version = openfisca_france_version()
    base = rsa_base_amount(month)
    rate = crds_rate(month)
    month_scales = scales(month)
    per_child = asf_per_child_gross(month)
    caveats = coverage_caveats(month, version)

    def gross_of(name: str, case: int) -> Decimal:
        return _money(float(results[name][case]))

    def net_of(name: str, case: int) -> Decimal:
        return net_of_crds(gross_of(name, case), rate)

    def asf(case: int) -> Decimal:
        """OpenFisca's ASF (eligibility, threshold) counted per child at the rounded rate,
        minus the alimony received, as the CAF pays it; then net of CRDS."""
        if results["asf"][case] <= 0:
            return ZERO
        alimony = sum(
            (
                p.alimony_received
                for p in cases[case].members
                if p.role is not MemberRole.OTHER_ADULT
            ),
            ZERO,
        )
        children = int(asf_children[case])
        if alimony <= 0:  # so much per child, as the scale says
            return net_of_crds(per_child, rate) * children
        return net_of_crds(max(per_child * children - alimony, ZERO), rate)

    out = []
    for h in range(n):
        without = second.get(h)
        out.append(
            RightsAssessment(
                month=month,
                openfisca_france_version=version,
                ppa=net_of("ppa", h),
                rsa=gross_of("rsa", h),
                asf=asf(h),
                aide_logement=_money(float(aid[h])),
                af=net_of("af", h),
                cmu_c=bool(cmu_c[h]),
                css_participation_forfaitaire=gross_of("css_participation_forfaitaire", h),
                cheque_energie=_money(float(cheque[h])),
                cheque_energie_year=month.year,
                rsa_base_amount=base,
                caveats=caveats,
                aspa=_money_down(float(results["aspa"][h])),
                rsa_without_housing_aid=None if without is None else gross_of("rsa", without),
                ppa_without_housing_aid=None if without is None else net_of("ppa", without),
                cmu_c_without_housing_aid=None if without is None else bool(cmu_c[without]),
                css_participation_without_housing_aid=(
                    None if without is None else gross_of("css_participation_forfaitaire", without)
                ),
                scales=month_scales,
            )
        )
    del simulation, builder
    return out


def assess_households(situations: Sequence[HouseholdSituation]) -> list[RightsAssessment]:
    """Estimate the rights of many households, in input order.

    Households of the same month share ONE vectorised OpenFisca simulation (group ids joined
    with ``SimulationBuilder.join_with_persons``); a batch spanning several months runs one
    simulation per month. ``gc.collect()`` runs after a batch of ``GC_THRESHOLD`` households
    or more.

    Raises:
        InvalidSituationError: a situation is incomplete (French messages, "Foyer n° k : …").
        RightsComputationError: OpenFisca-France failed (French message; the cause is chained).
    """
    situations = list(situations)
    if not situations:
        return []
    _check(situations)
    by_month: dict[date, list[int]] = {}
    for position, situation in enumerate(situations):
        by_month.setdefault(situation.month, []).append(position)
    out: list[RightsAssessment | None] = [None] * len(situations)
    try:
        for month, positions in by_month.items():
            assessed = _simulate(month, [situations[p] for p in positions])
            for position, assessment in zip(positions, assessed, strict=True):
                out[position] = assessment
    except (RightsComputationError, InvalidSituationError):
        raise
    except Exception as exc:
        raise RightsComputationError(
            "Le calcul des droits par OpenFisca-France a échoué "
            f"({type(exc).__name__}) : le dossier reste utilisable, le calcul peut être relancé."
        ) from exc
    finally:
        if len(situations) >= GC_THRESHOLD:
            gc.collect()
    return [a for a in out if a is not None]


def assess_household(situation: HouseholdSituation) -> RightsAssessment:
    """Estimate the rights of one household for ``situation.month`` (one simulation).

    Raises:
        InvalidSituationError: incomplete situation (French messages).
        RightsComputationError: OpenFisca-France failed (French message).
    """
    return assess_households([situation])[0]


@dataclass(frozen=True)
class Skipped:
    """A household OpenFisca-France could not compute, and why.

    ``message`` is the French sentence for the record and the page; ``cause`` the technical
    reason (exception type and text, shortened) for the scan's report; ``whole_month`` says
    that no household of that month could be computed (the month itself fails)."""

    month: date
    message: str
    cause: str
    whole_month: bool = False


CAUSE_LENGTH = 240
"""The technical reason of a skip is cut to this many characters."""


def _cause(error: BaseException) -> str:
    root = (
        error.__cause__ if isinstance(error, RightsComputationError) and error.__cause__ else error
    )
    text = " ".join(str(root).split())
    cause = f"{type(root).__name__}: {text}" if text else type(root).__name__
    return cause if len(cause) <= CAUSE_LENGTH else cause[: CAUSE_LENGTH - 1] + "…"


def probe_situation(month: date) -> HouseholdSituation:
    """A plain household (one adult, 1,000 € net salary, private tenant in Saint-Étienne)
    that OpenFisca-France computes in any month it covers: when a batch fails and this one
    fails too, the month is what OpenFisca cannot compute, not a household of the batch."""
    return HouseholdSituation(
        month=month,
        members=(
            PersonSituation(
                MemberRole.APPLICANT,
                date(month.year - 40, 1, 1),
                Activity.EMPLOYED,
                net_salary=Decimal("1000.00"),
            ),
        ),
        housing=HousingStatus.TENANT_PRIVATE,
        rent=Decimal("450.00"),
        commune_insee="42218",
        receives_housing_aid=True,
    )


def _month_failure(month: date, error: BaseException) -> Skipped:
    return Skipped(
        month=month,
        message=(
            f"OpenFisca-France ne sait pas calculer les droits de {format_month(month)} "
            f"({_cause(error)[:120]}) : l'estimation de ce mois n'est pas disponible ; le "
            "dossier reste utilisable, une estimation d'un budget plus récent peut être demandée."
        ),
        cause=_cause(error),
        whole_month=True,
    )


def _household_failure(month: date, error: BaseException) -> Skipped:
    if isinstance(error, RightsComputationError | InvalidSituationError):
        message = str(error)
    else:
        message = (
            "Le calcul des droits par OpenFisca-France a échoué "
            f"({type(error).__name__}) : le dossier reste utilisable, le calcul peut être relancé."
        )
    return Skipped(month=month, message=message, cause=_cause(error))


def _assess_or_bisect(
    month: date, situations: Sequence[HouseholdSituation]
) -> list[RightsAssessment | Skipped]:
    try:
        return list(_simulate(month, situations))
    except Exception as error:
        if len(situations) == 1:
            return [_household_failure(month, error)]
    return _bisect(month, situations)


def _bisect(
    month: date, situations: Sequence[HouseholdSituation]
) -> list[RightsAssessment | Skipped]:
    """Assess the two halves of ``situations`` (which failed together, in a month that
    computes) apart, and so on until each household that fails is alone: about 2·log2(n)
    simulations per household OpenFisca cannot compute."""
    half = len(situations) // 2
    return _assess_or_bisect(month, situations[:half]) + _assess_or_bisect(month, situations[half:])


def assess_households_isolated(
    situations: Sequence[HouseholdSituation], *, failed_months: dict[date, Skipped] | None = None
) -> list[RightsAssessment | Skipped]:
    """Like :func:`assess_households`, but never fails as a whole: each household gets its
    estimate or a :class:`Skipped` saying why OpenFisca-France could not compute it.

    One simulation per month of the batch. When it fails, a plain household of the same month
    (:func:`probe_situation`) is simulated alone: if it fails too, every household of that
    month is skipped (and the month is remembered in ``failed_months``, so that the next
    batches of a scan skip it without simulating); otherwise the batch is bisected until each
    household that fails is alone, and only those are skipped. An incomplete situation is
    skipped with its French messages. ``gc.collect()`` runs after a batch of ``GC_THRESHOLD``
    households or more.
    """
    failed_months = {} if failed_months is None else failed_months
    out: list[RightsAssessment | Skipped | None] = [None] * len(situations)
    by_month: dict[date, list[int]] = {}
    for position, situation in enumerate(situations):
        problems = validate_situation(situation)
        if problems:
            out[position] = _household_failure(situation.month, InvalidSituationError(problems))
        else:
            by_month.setdefault(situation.month, []).append(position)
    try:
        for month, positions in by_month.items():
            group = [situations[p] for p in positions]
            results: list[RightsAssessment | Skipped]
            if month in failed_months:
                results = [failed_months[month]] * len(group)
            else:
                try:
                    results = list(_simulate(month, group))
                except Exception as error:
                    try:
                        _simulate(month, [probe_situation(month)])
                    except Exception as probe_error:
                        failed_months[month] = _month_failure(month, probe_error)
                        results = [failed_months[month]] * len(group)
                    else:
                        results = (
                            _bisect(month, group)
                            if len(group) > 1
                            else [_household_failure(month, error)]
                        )
            for position, result in zip(positions, results, strict=True):
                out[position] = result
    finally:
        if len(situations) >= GC_THRESHOLD:
            gc.collect()
    return [r for r in out if r is not None]
