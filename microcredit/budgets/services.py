"""Writes of budgets: a new version of the household's budget, and the référent's opinion.

There is no update: a change is a new version, copied by the page from the previous one with
the changes, so that the version a decision read is never modified. Each function is one
transaction with its audit row; nothing is written when the data are refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.http import Http404

from microcredit.accounts.enums import DOSSIER_STAFF_ROLES, Role
from microcredit.accounts.models import Membership, User
from microcredit.applicants.models import Applicant, HouseholdMember
from microcredit.budgets import rules
from microcredit.budgets.enums import (
    PERSONAL_RESOURCES,
    ChargeType,
    HousingStatus,
    LineKind,
    MemberRole,
    ResourceType,
    Verdict,
)
from microcredit.budgets.models import Budget, BudgetLine, BudgetPerson, ReferentOpinion
from microcredit.core.enums import AuditAction
from microcredit.core.errors import Refused
from microcredit.core.services import audit_event_create
from microcredit.dossiers.models import Dossier
from microcredit.dossiers.selectors import dossier_for_user_or_404
from microcredit.dossiers.workflow import FINAL_STATES

# Who gives an opinion on the budget: the people who study the dossier.
OPINION_ROLES = frozenset({Role.REFERENT, Role.DIRECTOR})

CENT = Decimal("0.01")
_RELATIONSHIP_ROLES = {"spouse": MemberRole.SPOUSE, "child": MemberRole.CHILD}


class BudgetRefused(Refused):
    """The budget or the opinion is refused; ``messages`` are French sentences for the page."""

    def __init__(self, messages: Iterable[str]) -> None:
        super().__init__(*messages)


@dataclass(frozen=True)
class LineInput:
    """One line of a new version.

    ``member_id`` names the household member a personal resource (salaries, unemployment
    benefits, pensions, AAH) belongs to; None is the applicant. Other lines ignore it.
    """

    kind: str
    type: str
    amount: Decimal
    member_id: int | None = None
    paid_to_landlord: bool = False


def budget_lines(
    *,
    resources: Mapping[str, Decimal] | None = None,
    charges: Mapping[str, Decimal] | None = None,
    personal: Mapping[int | None, Mapping[str, Decimal]] | None = None,
    housing_aid_to_landlord: bool = False,
) -> list[LineInput]:
    """Lines from plain amounts by type (for the page and the demo data).

    ``resources`` are the household's (family benefits, housing aid...), ``personal`` maps a
    household member id (None: the applicant) to their personal resources, ``charges`` the
    charges; zero amounts are left out.
    """
    lines = [
        LineInput(LineKind.RESOURCE, kind, amount, member_id)
        for member_id, amounts in (personal or {}).items()
        for kind, amount in amounts.items()
        if amount != 0
    ]
    lines += [
        LineInput(
            LineKind.RESOURCE,
            kind,
            amount,
            paid_to_landlord=housing_aid_to_landlord and kind == ResourceType.HOUSING_AID,
        )
        for kind, amount in (resources or {}).items()
        if amount != 0
    ]
    lines += [
        LineInput(LineKind.CHARGE, kind, amount)
        for kind, amount in (charges or {}).items()
        if amount != 0
    ]
    return lines


def _require_staff(membership: Membership | None, dossier: Dossier, roles: Iterable[str]) -> None:
    if (
        membership is None
        or membership.role not in set(roles)
        or membership.organisation_id != dossier.organisation_id
    ):
        raise BudgetRefused(["Votre rôle ne permet pas de modifier le budget de ce dossier."])


def _household(
    applicant: Applicant, members: Sequence[HouseholdMember], month: date
) -> list[BudgetPerson]:
    """The household as the new version describes it: the applicant first, then the members."""
    persons = [
        BudgetPerson(
            position=0,
            role=MemberRole.APPLICANT,
            first_name=applicant.first_name,
            birth_date=applicant.birth_date,
        )
    ]
    for position, member in enumerate(members, start=1):
        role = _RELATIONSHIP_ROLES.get(member.relationship)
        if role is None:
            adult = member.birth_date <= month and rules.age_on(member.birth_date, month) >= 18
            role = MemberRole.OTHER_ADULT if adult else MemberRole.CHILD
        persons.append(
            BudgetPerson(
                position=position,
                role=role,
                first_name=member.first_name,
                birth_date=member.birth_date,
                household_member=member,
            )
        )
    return persons


def _check_line(line: LineInput) -> None:
    if line.kind == LineKind.RESOURCE:
        valid = line.type in ResourceType.values
    elif line.kind == LineKind.CHARGE:
        valid = line.type in ChargeType.values
    else:
        valid = False
    if not valid:
        raise ValueError(f"unknown budget line: {line.kind}/{line.type}")


def _pure_budget(
    month: date,
    housing_status: str,
    persons: Sequence[BudgetPerson],
    lines: Sequence[LineInput],
    no_resources: bool = False,
) -> rules.Budget:
    return rules.Budget(
        month=month,
        members=tuple(
            rules.Member(rules.MemberRole(p.role), p.birth_date, p.first_name) for p in persons
        ),
        resources=tuple(
            rules.Resource(rules.ResourceType(line.type), line.amount, line.paid_to_landlord)
            for line in lines
            if line.kind == LineKind.RESOURCE
        ),
        charges=tuple(
            rules.Charge(rules.ChargeType(line.type), line.amount)
            for line in lines
            if line.kind == LineKind.CHARGE
        ),
        housing=rules.HousingStatus(housing_status),
        no_resources=no_resources,
    )


def _gross_salaries(
    gross_salaries: Mapping[int | None, Decimal | None],
    persons: Sequence[BudgetPerson],
    by_member: Mapping[int, BudgetPerson],
    lines: Sequence[LineInput],
) -> list[str]:
    """Check the gross salaries against the net salary lines and set them on ``persons``
    (not saved yet); French sentences for what is wrong. A gross of 0 is not given."""
    problems: list[str] = []
    for member_id, gross in gross_salaries.items():
        if gross is None or gross == 0:
            continue
        person = persons[0] if member_id is None else by_member.get(member_id)
        if person is None:
            problems.append("Un salaire brut est attribué à une personne absente du ménage.")
            continue
        net = sum(
            (
                line.amount
                for line in lines
                if line.kind == LineKind.RESOURCE
                and line.type == ResourceType.SALARIES
                and line.member_id == member_id
            ),
            Decimal(0),
        )
        found = rules.validate_gross_salary(person.first_name, gross, net)
        problems += found
        if not found:
            person.gross_salary = gross.quantize(CENT)
    return problems


def _snapshot(budget: Budget, persons: Sequence[BudgetPerson], lines: Sequence[BudgetLine]) -> Any:
    names = {p.pk: p.first_name for p in persons}
    return {
        "version": budget.version,
        "month": budget.month.isoformat(),
        "housing_status": budget.housing_status,
        "separation_recent": budget.separation_recent,
        **({"no_resources": True} if budget.no_resources else {}),
        "persons": [
            {
                "role": p.role,
                "first_name": p.first_name,
                "birth_date": p.birth_date.isoformat(),
                **({"gross_salary": str(p.gross_salary)} if p.gross_salary is not None else {}),
            }
            for p in persons
        ],
        "lines": [
            {
                "kind": line.kind,
                "type": line.type,
                "amount": str(line.amount),
                **({"person": names[line.person_id]} if line.person_id else {}),
                **({"paid_to_landlord": True} if line.paid_to_landlord else {}),
            }
            for line in lines
        ],
    }


@transaction.atomic
def budget_create_version(
    *,
    actor: User,
    membership: Membership | None,
    dossier_id: int,
    month: date,
    housing_status: str,
    lines: Sequence[LineInput],
    separation_recent: bool = False,
    no_resources: bool = False,
    gross_salaries: Mapping[int | None, Decimal | None] | None = None,
) -> Budget:
    """Write a new version of the dossier's budget (number = last + 1) for ``month``.

    The household is copied from the applicant's file as it is now. Nothing is written when the
    data are incomplete or wrong (no rent for a tenant, a negative amount, no resource without
    ``no_resources``, a resource with it...).

    ``no_resources`` records that the household has no resource at all this month. Salary
    lines are net (the amount paid); ``gross_salaries`` maps a household member id (None: the
    applicant) to their gross monthly salary from the pay slip, for the rights estimate only:
    it needs a net salary line for that person and is not below it (None or 0: not given).

    Raises:
        Http404: the dossier is not visible to ``actor``.
        BudgetRefused: the role, the dossier's state or the data forbid it (French messages).
    """
    dossier = dossier_for_user_or_404(actor, membership, dossier_id, for_update=True)
    _require_staff(membership, dossier, DOSSIER_STAFF_ROLES)
    if dossier.state in FINAL_STATES:
        raise BudgetRefused(
            [f"Le dossier est « {dossier.get_state_display()} » : son budget ne change plus."]
        )
    if housing_status not in HousingStatus.values:
        raise BudgetRefused(["Indiquez la situation de logement du foyer."])
    applicant = dossier.applicant
    members = list(HouseholdMember.objects.filter(applicant=applicant))
    persons = _household(applicant, members, month)
    by_member = {p.household_member.pk: p for p in persons if p.household_member is not None}
    problems: list[str] = []
    for line in lines:
        _check_line(line)
        if line.member_id is not None and line.member_id not in by_member:
            problems.append("Une ressource est attribuée à une personne absente du ménage.")
    problems += rules.validate_budget(
        _pure_budget(month, housing_status, persons, lines, no_resources)
    )
    problems += _gross_salaries(gross_salaries or {}, persons, by_member, lines)
    if problems:
        raise BudgetRefused(dict.fromkeys(problems))  # in order, without repeats
    last = Budget.objects.filter(dossier=dossier).aggregate(last=Max("version"))["last"] or 0
    budget = Budget.objects.create(
        dossier=dossier,
        version=last + 1,
        month=month,
        housing_status=housing_status,
        separation_recent=separation_recent,
        no_resources=no_resources,
        created_by=actor,
    )
    for person in persons:
        person.budget = budget
    BudgetPerson.objects.bulk_create(persons)
    applicant_person = persons[0]
    rows = [
        BudgetLine(
            budget=budget,
            kind=line.kind,
            type=line.type,
            amount=line.amount.quantize(CENT),
            paid_to_landlord=line.paid_to_landlord and line.type == ResourceType.HOUSING_AID,
            person=(
                (by_member[line.member_id] if line.member_id is not None else applicant_person)
                if line.kind == LineKind.RESOURCE and line.type in PERSONAL_RESOURCES
                else None
            ),
        )
        for line in lines
        if line.amount != 0
    ]
    for row in rows:
        row.full_clean(exclude=["budget", "person"])
    BudgetLine.objects.bulk_create(rows)
    audit_event_create(
        actor=actor,
        action=AuditAction.BUDGET_VERSION_CREATED,
        obj=budget,
        new_values=_snapshot(budget, persons, rows),
    )
    return budget


@transaction.atomic
def referent_opinion_record(
    *,
    actor: User,
    membership: Membership | None,
    dossier_id: int,
    budget_id: int,
    verdict: str,
    reason: str,
) -> ReferentOpinion:
    """Record the référent's own opinion on a budget version, with its reason.

    Raises:
        Http404: the dossier is not visible to ``actor``, or the budget is not the dossier's.
        BudgetRefused: the role forbids it, or the verdict or the reason is missing.
    """
    dossier = dossier_for_user_or_404(actor, membership, dossier_id)
    _require_staff(membership, dossier, OPINION_ROLES)
    budget = Budget.objects.filter(dossier=dossier, pk=budget_id).first()
    if budget is None:
        raise Http404("Budget introuvable.")
    problems = []
    if verdict not in Verdict.values:
        problems.append("Choisissez votre avis : adapté, fragile ou non adapté.")
    if not reason.strip():
        problems.append("Indiquez le motif de votre avis.")
    if problems:
        raise BudgetRefused(problems)
    opinion = ReferentOpinion.objects.create(
        budget=budget, verdict=verdict, reason=reason.strip(), by=actor
    )
    audit_event_create(
        actor=actor,
        action=AuditAction.BUDGET_OPINION_RECORDED,
        obj=budget,
        reason=opinion.reason,
        new_values={"verdict": verdict, "version": budget.version},
    )
    return opinion
