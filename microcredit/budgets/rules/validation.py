"""Validation of a budget and of a loan request: French sentences for the page."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from loan_engine import DeferralKind
from microcredit.applicants.rules import age_on
from microcredit.budgets.rules.data import (
    ADULT_AGE,
    CENT,
    Budget,
    BudgetError,
    LoanRequest,
    Scheme,
)
from microcredit.budgets.vocabulary import CHARGE_LABELS, RESOURCE_LABELS, ChargeType, MemberRole
from microcredit.core.formatting import format_eur


def amount_problem(value: object, what: str) -> str | None:
    """The French sentence saying why the amount ``what`` is wrong (not a number, negative, more
    than two decimals), or None. The budget form checks each of its fields with it, so that the
    error sits on the field (and links to it from the error summary)."""
    if isinstance(value, bool) or not isinstance(value, Decimal) or not value.is_finite():
        return f"Le montant « {what} » n'est pas un nombre valide."
    if value < 0:
        return f"Le montant « {what} » ne peut pas être négatif."
    if value != value.quantize(CENT, rounding=ROUND_HALF_UP):
        return f"Le montant « {what} » ne peut pas avoir plus de deux décimales."
    return None


NO_RESOURCE_MESSAGE = (
    "Aucune ressource n'est renseignée : indiquez les ressources du foyer, ou cochez « Le foyer "
    "n'a aucune ressource » si c'est le cas."
)


def validate_budget(budget: Budget) -> list[str]:
    """French sentences describing what is missing or wrong; an empty list means valid.

    Checked: the month is a first of month; at least one member, exactly one applicant (adult),
    at most one spouse, no birth date after the month; amounts are non-negative ``Decimal`` with
    at most two decimals; a tenant declares a rent; at least one resource is positive, unless
    the household is declared without any resource (``no_resources``), in which case none may
    be positive.
    """
    problems: list[str] = []
    month: date | None = budget.month
    if not isinstance(month, date) or month.day != 1:
        problems.append("Le mois du budget doit être indiqué par le premier jour du mois.")
        month = None
    if not budget.members:
        problems.append("Aucun membre du foyer n'est renseigné : ajoutez au moins le demandeur.")
    else:
        applicants = [m for m in budget.members if m.role is MemberRole.APPLICANT]
        if not applicants:
            problems.append("Le foyer doit comporter un demandeur.")
        elif len(applicants) > 1:
            problems.append("Le foyer ne peut comporter qu'un seul demandeur.")
        if sum(1 for m in budget.members if m.role is MemberRole.SPOUSE) > 1:
            problems.append("Le foyer ne peut comporter qu'un seul conjoint.")
        for number, member in enumerate(budget.members, 1):
            who = member.name or f"la personne n° {number}"
            if not isinstance(member.birth_date, date):
                problems.append(f"La date de naissance de {who} manque.")
            elif month is not None and member.birth_date > month:
                problems.append(f"La date de naissance de {who} est postérieure au mois du budget.")
        if (
            month is not None
            and len(applicants) == 1
            and isinstance(applicants[0].birth_date, date)
            and age_on(applicants[0].birth_date, month) < ADULT_AGE
        ):
            problems.append("Le demandeur doit être majeur au mois du budget.")
    amount_problems = [
        amount_problem(r.amount, RESOURCE_LABELS[r.type]) for r in budget.resources
    ] + [amount_problem(c.amount, CHARGE_LABELS[c.type]) for c in budget.charges]
    problems.extend(p for p in amount_problems if p)
    amounts_ok = not any(amount_problems)
    if budget.housing.is_tenant and not any(
        c.type is ChargeType.RENT and isinstance(c.amount, Decimal) and c.amount > 0
        for c in budget.charges
    ):
        problems.append("Le foyer est locataire mais aucun loyer n'est renseigné.")
    if amounts_ok and budget.no_resources and budget.total_resources > 0:
        problems.append(
            "Le foyer est déclaré sans aucune ressource, mais des ressources sont renseignées "
            f"({format_eur(budget.total_resources)}) : décochez « Le foyer n'a aucune ressource » "
            "ou retirez ces montants."
        )
    elif amounts_ok and not budget.no_resources and budget.total_resources <= 0:
        problems.append(NO_RESOURCE_MESSAGE)
    return problems


def validate_gross_salary(who: str, gross: Decimal | None, net: Decimal) -> list[str]:
    """French sentences for a person's gross monthly salary against their net one (the amount
    paid, which the budget counts); an empty list means valid.

    The gross salary is optional (``None``: not given). When given, it is a non-negative amount
    with at most two decimals, the person has a net salary too, and the gross is not below the
    net. ``who`` names the person in the sentences (« Nadia »).
    """
    if gross is None:
        return []
    problem = amount_problem(gross, f"salaire brut de {who}")
    if problem:
        return [problem]
    if net <= 0:
        return [
            f"Indiquez aussi le salaire net versé à {who} : un salaire brut "
            f"({format_eur(gross)}) est renseigné sans salaire net, et le budget compte le net."
        ]
    if gross < net:
        return [
            f"Le salaire brut de {who} ({format_eur(gross)}) est inférieur à son salaire net "
            f"({format_eur(net)}) : vérifiez les deux montants sur la fiche de paie (le brut est "
            "avant cotisations, le net est le montant versé)."
        ]
    return []


def validate_request(request: LoanRequest, scheme: Scheme) -> list[str]:
    """French sentences for a request outside the scheme's bounds (empty list: valid)."""
    problems: list[str] = []
    problem = amount_problem(request.amount, "montant demandé")
    if problem:
        problems.append(problem)
    elif not scheme.min_amount <= request.amount <= scheme.max_amount:
        problems.append(
            f"Le montant demandé doit être compris entre {format_eur(scheme.min_amount)} "
            f"et {format_eur(scheme.max_amount)}."
        )
    if not scheme.min_months <= request.months <= scheme.max_months:
        problems.append(
            f"La durée demandée doit être comprise entre {scheme.min_months} "
            f"et {scheme.max_months} mois."
        )
    if not 0 <= request.deferral_months <= scheme.max_deferral_months:
        problems.append(f"Le différé ne peut pas dépasser {scheme.max_deferral_months} mois.")
    elif request.deferral_months > 0 and request.deferral_kind is DeferralKind.NONE:
        problems.append("Précisez le type de différé : partiel (intérêts seuls) ou total.")
    return problems


def require_valid(budget: Budget) -> None:
    problems = validate_budget(budget)
    if problems:
        raise BudgetError(problems)
