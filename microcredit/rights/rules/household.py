"""The household situation given to OpenFisca-France (people, resources, housing) and its
checks before a run (French messages)."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from microcredit.budgets.rules import HousingStatus, MemberRole, age_on
from microcredit.core.formatting import format_month

ZERO = Decimal("0.00")


class Activity(enum.StrEnum):
    EMPLOYED = "employed"
    UNEMPLOYED = "unemployed"
    STUDENT = "student"
    RETIRED = "retired"
    INACTIVE = "inactive"


class CoupleKind(enum.StrEnum):
    """How a couple lives together: married and pacsed couples file one tax return."""

    MARRIED = "married"
    PACS = "pacs"
    COHABITING = "cohabiting"


@dataclass(frozen=True, slots=True)
class PersonSituation:
    """One person of the household for the month studied (monthly amounts in euros).

    Attributes:
        role: applicant, spouse, child at charge or other adult (own CAF file and tax return).
        birth_date: date of birth.
        activity: employed, unemployed, student, retired or inactive.
        net_salary: net salary of the month studied (what is paid into the account).
        gross_salary: gross salary of the month studied, when known (the payslip's « salaire
            brut »); otherwise the engine derives the gross that gives ``net_salary``.
        salary_history: ``(first of month, net salary)`` for past months back to January of
            year N-2; a month not given is taken equal to ``net_salary`` (stable income).
        unemployment_benefit: net unemployment benefit of the month (stable over the window).
        pension: net retirement or invalidity pension of the month (stable over the window).
        aah: allocation aux adultes handicapés received for the month (stable over the
            window). The estimate never computes the AAH itself (it needs the disability rate
            the CDAPH decides): it takes what is declared, 0 by default.
        alimony_received: alimony received for the month (stable over the window).
    """

    role: MemberRole
    birth_date: date
    activity: Activity = Activity.INACTIVE
    net_salary: Decimal = ZERO
    gross_salary: Decimal | None = None
    salary_history: tuple[tuple[date, Decimal], ...] = ()
    unemployment_benefit: Decimal = ZERO
    pension: Decimal = ZERO
    aah: Decimal = ZERO
    alimony_received: Decimal = ZERO

    def __post_init__(self) -> None:
        object.__setattr__(self, "salary_history", tuple(self.salary_history))


@dataclass(frozen=True, slots=True)
class HouseholdSituation:
    """A household for the month studied (``month`` is the first day of the month).

    Attributes:
        housing: occupancy status (tenant, owner, hosted free...).
        rent: monthly rent (0 when not a tenant).
        commune_insee: commune INSEE code (Saint-Étienne: ``"42218"``).
        receives_housing_aid: the household already receives housing aid. When it does not,
            the estimate assumes no housing aid in past months (the model would otherwise assume
            it was claimed and lower the prime d'activité and RSA accordingly).
        other_parent_pays_alimony: for a lone parent, whether the other parent pays the
            alimony (``None``: not asked); the ASF sentence depends on it.
        separation_recent: separated (or widowed) less than 18 months ago.
        couple: how the applicant and the spouse live together, when there is a spouse.
    """

    month: date
    members: tuple[PersonSituation, ...]
    housing: HousingStatus
    rent: Decimal = ZERO
    commune_insee: str = ""
    receives_housing_aid: bool = False
    other_parent_pays_alimony: bool | None = None
    separation_recent: bool = False
    couple: CoupleKind = CoupleKind.MARRIED

    def __post_init__(self) -> None:
        object.__setattr__(self, "members", tuple(self.members))

    @property
    def is_lone_parent(self) -> bool:
        roles = [m.role for m in self.members]
        return MemberRole.SPOUSE not in roles and MemberRole.CHILD in roles


_INSEE = re.compile(r"^(\d{5}|2[AB]\d{3})$")


def _money_problem(value: object, what: str) -> str | None:
    if isinstance(value, bool) or not isinstance(value, Decimal) or not value.is_finite():
        return f"Le montant « {what} » n'est pas un nombre valide."
    if value < 0:
        return f"Le montant « {what} » ne peut pas être négatif."
    return None


def validate_situation(situation: HouseholdSituation) -> list[str]:
    """French sentences describing what is missing or wrong (empty list: the estimate can run)."""
    problems: list[str] = []
    month = situation.month
    month_ok = isinstance(month, date) and month.day == 1
    if not month_ok:
        problems.append("Le mois étudié doit être indiqué par le premier jour du mois.")
    if not situation.members:
        problems.append("Aucun membre du foyer n'est renseigné.")
    applicants = [m for m in situation.members if m.role is MemberRole.APPLICANT]
    if situation.members and len(applicants) != 1:
        problems.append("Le foyer doit comporter un et un seul demandeur.")
    if sum(1 for m in situation.members if m.role is MemberRole.SPOUSE) > 1:
        problems.append("Le foyer ne peut comporter qu'un seul conjoint.")
    for number, person in enumerate(situation.members, 1):
        who = f"la personne n° {number}"
        if (
            isinstance(person.gross_salary, Decimal)
            and isinstance(person.net_salary, Decimal)
            and person.gross_salary.is_finite()
            and person.net_salary.is_finite()
            and 0 <= person.gross_salary < person.net_salary
        ):
            problems.append(f"Le salaire brut de {who} est inférieur à son salaire net.")
        if not isinstance(person.birth_date, date):
            problems.append(f"La date de naissance de {who} manque.")
        elif month_ok and person.birth_date > month:
            problems.append(f"La date de naissance de {who} est postérieure au mois étudié.")
        elif (
            month_ok
            and person.role is MemberRole.APPLICANT
            and age_on(person.birth_date, month) < 18
        ):
            problems.append("Le demandeur doit être majeur.")
        fields = {
            "salaire net": person.net_salary,
            "pension alimentaire reçue": person.alimony_received,
            "allocation chômage": person.unemployment_benefit,
            "pension de retraite": person.pension,
            "AAH": person.aah,
        }
        if person.gross_salary is not None:
            fields["salaire brut"] = person.gross_salary
        for what, value in fields.items():
            problem = _money_problem(value, f"{what} de {who}")
            if problem:
                problems.append(problem)
        for when, amount in person.salary_history:
            problem = _money_problem(amount, f"salaire de {who} en {format_month(when)}")
            if problem:
                problems.append(problem)
            if month_ok and not date(month.year - 2, 1, 1) <= when < month:
                problems.append(
                    f"L'historique de salaire de {who} ({format_month(when)}) doit porter sur "
                    f"les mois de janvier {month.year - 2} au mois précédant le mois étudié."
                )
    problem = _money_problem(situation.rent, "loyer")
    if problem:
        problems.append(problem)
    elif situation.housing.is_tenant and situation.rent <= 0:
        problems.append("Le foyer est locataire mais aucun loyer n'est renseigné.")
    if not _INSEE.match(situation.commune_insee or ""):
        problems.append("Le code commune INSEE du logement manque ou est invalide (5 caractères).")
    return problems
