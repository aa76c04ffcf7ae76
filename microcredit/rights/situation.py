"""From a budget to the household situation OpenFisca-France is given (pure: no Django).

The budget says what each person earns (salaries, unemployment benefits, pensions, AAH: the
personal resources) and what the household receives and pays; the applicant's file says their
activity, family situation and commune. What is not in the budget is not invented:

* past months' incomes are those of the budget's month (the engine's default: stable income);
* a member other than the applicant is "employed" when the budget gives them a salary,
  "unemployed" with an unemployment benefit, "retired" with a pension, otherwise inactive;
* salaries are the net salaries paid (the budget's lines); the gross from the pay slip, when the
  budget gives it, lets OpenFisca-France derive the rest exactly (otherwise the engine finds
  the gross that gives the net);
* the alimony received is the applicant's (it is paid for the children to the parent);
* the rent is given for tenants only; housing aid declared in the budget means it is received;
* when alimony is declared, the other parent pays it; otherwise nobody asked (``None``);
* the benefits the budget declares (RSA, prime d'activité, family benefits, housing aid) are
  not inputs: they are what the estimate is compared with (``rights.rules.rights_to_check``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from microcredit.budgets.rules import Budget, ChargeType, MemberRole, ResourceType
from microcredit.rights.rules import Activity, CoupleKind, HouseholdSituation, PersonSituation

ZERO = Decimal("0.00")

# The applicant's activity (applicants.enums.Activity values) as OpenFisca sees it.
APPLICANT_ACTIVITY: Mapping[str, Activity] = {
    "permanent_job": Activity.EMPLOYED,
    "part_time": Activity.EMPLOYED,
    "precarious": Activity.EMPLOYED,
    "self_employed": Activity.EMPLOYED,
    "job_seeker": Activity.UNEMPLOYED,
    "training": Activity.STUDENT,
    "retired": Activity.RETIRED,
    "disability": Activity.INACTIVE,
    "inactive": Activity.INACTIVE,
    "other": Activity.INACTIVE,
}

# The applicant's family situation (applicants.enums.FamilySituation values) when there is a
# spouse: married and pacsed couples file one tax return; anyone else lives together.
COUPLE_KIND: Mapping[str, CoupleKind] = {
    "married": CoupleKind.MARRIED,
    "civil_partnership": CoupleKind.PACS,
}


def member_activity(amounts: Mapping[ResourceType, Decimal]) -> Activity:
    """A household member's activity, read from their personal resources."""
    if amounts.get(ResourceType.SALARIES, ZERO) > 0:
        return Activity.EMPLOYED
    if amounts.get(ResourceType.UNEMPLOYMENT_BENEFITS, ZERO) > 0:
        return Activity.UNEMPLOYED
    if amounts.get(ResourceType.PENSIONS, ZERO) > 0:
        return Activity.RETIRED
    return Activity.INACTIVE


def household_situation(
    budget: Budget,
    personal: Sequence[Mapping[ResourceType, Decimal]],
    *,
    applicant_activity: str,
    family_situation: str,
    commune_insee: str,
    separation_recent: bool = False,
    gross_salaries: Sequence[Decimal | None] = (),
) -> HouseholdSituation:
    """The situation of ``budget``'s household for ``budget.month``.

    Args:
        budget: the budget (members in order, the applicant among them).
        personal: for each member of ``budget.members``, in the same order, their personal
            resources by type (salaries, unemployment benefits, pensions, AAH).
        applicant_activity: the applicant's activity (``applicants.enums.Activity`` value).
        family_situation: the applicant's family situation (``FamilySituation`` value).
        commune_insee: the commune INSEE code of the dwelling.
        separation_recent: separated or widowed less than 18 months ago.
        gross_salaries: for each member, in the same order, the gross monthly salary when the
            budget gives it (``None``: derive it from the net); empty: none given.
    """
    if len(personal) != len(budget.members):
        raise ValueError("one mapping of personal resources per member is expected")
    gross = tuple(gross_salaries) or (None,) * len(budget.members)
    if len(gross) != len(budget.members):
        raise ValueError("one gross salary (or None) per member is expected")
    alimony = budget.resource(ResourceType.ALIMONY_RECEIVED)
    persons = []
    for member, amounts, gross_salary in zip(budget.members, personal, gross, strict=True):
        is_applicant = member.role is MemberRole.APPLICANT
        persons.append(
            PersonSituation(
                role=member.role,
                birth_date=member.birth_date,
                activity=(
                    APPLICANT_ACTIVITY.get(applicant_activity, Activity.INACTIVE)
                    if is_applicant
                    else member_activity(amounts)
                ),
                net_salary=amounts.get(ResourceType.SALARIES, ZERO),
                gross_salary=gross_salary,
                unemployment_benefit=amounts.get(ResourceType.UNEMPLOYMENT_BENEFITS, ZERO),
                pension=amounts.get(ResourceType.PENSIONS, ZERO),
                aah=amounts.get(ResourceType.AAH, ZERO),
                alimony_received=alimony if is_applicant else ZERO,
            )
        )
    return HouseholdSituation(
        month=budget.month,
        members=tuple(persons),
        housing=budget.housing,
        rent=budget.charge(ChargeType.RENT) if budget.housing.is_tenant else ZERO,
        commune_insee=commune_insee,
        receives_housing_aid=budget.resource(ResourceType.HOUSING_AID) > 0,
        other_parent_pays_alimony=True if alimony > 0 else None,
        separation_recent=separation_recent,
        couple=COUPLE_KIND.get(family_situation, CoupleKind.COHABITING),
    )
