"""Pure rules of the budget diagnostic: consumption units, reste à vivre, debt ratio, repayment
capacity, the RSA floor, the suitability verdict and the table of loan options.

No Django here (an import-linter contract checks it) and no clock: the budget's month is part of
the budget, every threshold is a parameter. Money is ``Decimal`` everywhere; each rounding point
is stated where it happens (half-up to the cent unless said otherwise). Installments come from
the loan engine (``loan_engine.build_schedule``), never from a formula of their own.

Conventions (a référent can read them on the page):

* a month counts ``DAYS_PER_MONTH`` = 30 days for the "per day" figures;
* ages are taken on the first day of the budget's month;
* the rent is the full rent (charges included); housing aid paid to the landlord is counted as a
  resource, so the reste à vivre does not depend on who receives the aid;
* every declared resource counts in the debt ratio's denominator; salaries are net (the amount
  paid), the gross salary is only for the rights estimate;
* a household may declare it has no resource at all (``Budget.no_resources``): the debt ratio is
  then « sans objet », the capacity 0 and the verdict "not suitable";
* existing credit installments (a mortgage included) are a charge of their own type: they count
  in the debt ratio and in the floor's "all credits".

The rules are split by job: ``data`` (the dataclasses and constants), ``validation``,
``figures`` (units, floor, reste à vivre, debt ratio, capacity), ``options`` (the options table
and the recommendation) and ``verdict`` (the assessment and its French reasons); the vocabulary
(roles, resource and charge types, verdicts) is ``budgets.vocabulary`` and the housing status
``applicants.vocabulary``, shared with the models. Import from here:
``from microcredit.budgets.rules import assess_budget``.
"""

from __future__ import annotations

from microcredit.applicants.rules import age_on
from microcredit.applicants.vocabulary import HousingStatus
from microcredit.budgets.rules.data import (
    ADULT_AGE,
    DAYS_PER_MONTH,
    DEBT_RATIO_NOT_APPLICABLE,
    OPTION_DURATIONS,
    Budget,
    BudgetAssessment,
    BudgetError,
    Capacity,
    CapacityLimit,
    Charge,
    LoanOption,
    LoanRequest,
    Member,
    Resource,
    Scheme,
    Thresholds,
)
from microcredit.budgets.rules.figures import (
    consumption_units,
    debt_ratio_percent,
    remaining_income,
    remaining_per_uc_per_day,
    repayment_capacity,
    rsa_floor,
    rsa_scale_rate,
)
from microcredit.budgets.rules.options import loan_options, recommend_option
from microcredit.budgets.rules.validation import (
    NO_RESOURCE_MESSAGE,
    validate_budget,
    validate_gross_salary,
    validate_request,
)
from microcredit.budgets.rules.verdict import assess_budget
from microcredit.budgets.vocabulary import (
    CHARGE_LABELS,
    HOUSING_STATUS_LABELS,
    MEMBER_ROLE_LABELS,
    RESOURCE_LABELS,
    VERDICT_LABELS,
    ChargeType,
    MemberRole,
    ResourceType,
    Verdict,
)

__all__ = [
    "ADULT_AGE",
    "CHARGE_LABELS",
    "DAYS_PER_MONTH",
    "DEBT_RATIO_NOT_APPLICABLE",
    "HOUSING_STATUS_LABELS",
    "MEMBER_ROLE_LABELS",
    "NO_RESOURCE_MESSAGE",
    "OPTION_DURATIONS",
    "RESOURCE_LABELS",
    "VERDICT_LABELS",
    "Budget",
    "BudgetAssessment",
    "BudgetError",
    "Capacity",
    "CapacityLimit",
    "Charge",
    "ChargeType",
    "HousingStatus",
    "LoanOption",
    "LoanRequest",
    "Member",
    "MemberRole",
    "Resource",
    "ResourceType",
    "Scheme",
    "Thresholds",
    "Verdict",
    "age_on",
    "assess_budget",
    "consumption_units",
    "debt_ratio_percent",
    "loan_options",
    "recommend_option",
    "remaining_income",
    "remaining_per_uc_per_day",
    "repayment_capacity",
    "rsa_floor",
    "rsa_scale_rate",
    "validate_budget",
    "validate_gross_salary",
    "validate_request",
]
