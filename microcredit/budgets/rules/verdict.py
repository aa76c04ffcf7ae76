"""The diagnostic's verdict and its reasons, in French: :func:`assess_budget`."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from loan_engine import DeferralKind
from microcredit.budgets.rules.data import (
    DAYS_PER_MONTH,
    DEBT_RATIO_NOT_APPLICABLE,
    HUNDRED,
    Budget,
    BudgetAssessment,
    BudgetError,
    CapacityLimit,
    LoanOption,
    LoanRequest,
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
)
from microcredit.budgets.rules.options import loan_options, recommend_option
from microcredit.budgets.rules.validation import validate_budget, validate_request
from microcredit.budgets.vocabulary import Verdict
from microcredit.core.formatting import format_eur, format_installment, format_percent


def _eur(value: Decimal) -> str:
    return format_eur(value)


def _units(value: Decimal) -> str:
    return f"{value:f}".replace(".", ",")


def _pct(value: Decimal) -> str:
    return format_percent(value)


def _installment(option: LoanOption) -> str:
    """« 85,60 € (dernière 85,62 €) », as every page states an installment."""
    return format_installment(option.installment, option.last_payment)


def _describe(option: LoanOption) -> str:
    text = f"{_eur(option.amount)} sur {option.months} mois"
    if option.deferral_months:
        kind = "partiel" if option.deferral_kind is DeferralKind.INTEREST_ONLY else "total"
        text += f" avec un différé {kind} de {option.deferral_months} mois"
    return text + f", mensualité {_installment(option)}"


_LIMIT_SENTENCES: Mapping[CapacityLimit, str] = {
    CapacityLimit.DEBT_RATIO: "le taux d'endettement maximal",
    CapacityLimit.REMAINING_INCOME: "le reste à vivre minimal par unité de consommation",
    CapacityLimit.RSA_FLOOR: "le plancher du RSA du foyer",
    CapacityLimit.NO_RESOURCES: "l'absence de toute ressource",
}


def assess_budget(
    budget: Budget,
    thresholds: Thresholds,
    scheme: Scheme,
    request: LoanRequest,
) -> BudgetAssessment:
    """The full diagnostic of ``budget`` for the requested loan.

    Verdict (the reasons say which rule applies, in French):

    * not suitable: the household has no resource at all (declared so), or the budget is
      already in deficit (reste à vivre < 0), or it carries no installment at all (capacity 0),
      or the requested loan's largest payment exceeds the capacity;
    * fragile: the largest payment is carried but takes more than ``fragile_share_percent`` of
      the capacity;
    * suitable: otherwise.

    The reasons state the requested installment as every page does, with the last one where it
    differs (« 85,60 € (dernière 85,62 €) »); the judgement is on the largest of the two. They
    always restate the reste à vivre per UC per day, the debt ratio and the floor
    against their thresholds after the requested loan (the debt ratio is « sans objet » without
    any resource), and end with the recommendation.

    Raises:
        BudgetError: invalid budget or a request outside the scheme's bounds (French messages).
    """
    problems = validate_budget(budget) + validate_request(request, scheme)
    if problems:
        raise BudgetError(problems)
    units = consumption_units(budget.members, budget.month)
    resources = budget.total_resources
    charges = budget.total_charges
    remaining = remaining_income(budget)
    floor = rsa_floor(budget.members, budget.month, thresholds.rsa_base_amount)
    capacity = repayment_capacity(budget, thresholds)
    options = loan_options(budget, thresholds, scheme, request)
    requested = next(o for o in options if o.requested)
    recommended = recommend_option(options, request)
    existing = budget.credit_installments
    ratio_before = debt_ratio_percent(existing, resources)
    ratio_after = requested.debt_ratio_after_percent
    per_day = remaining_per_uc_per_day(remaining, units)
    per_day_after = requested.remaining_per_uc_per_day_after
    left_after_credits = resources - existing - requested.max_payment

    reasons: list[str] = []
    if resources == 0:
        verdict = Verdict.NOT_SUITABLE
        reasons.append(
            "Le foyer n'a aucune ressource ce mois-ci : il ne peut rembourser aucune échéance, "
            "le micro-crédit n'est pas adapté en l'état."
        )
    elif remaining < 0:
        verdict = Verdict.NOT_SUITABLE
        reasons.append(
            f"Le budget est déjà déficitaire de {_eur(-remaining)} par mois avant tout nouveau "
            "crédit : un prêt l'aggraverait."
        )
    elif capacity.amount <= 0:
        verdict = Verdict.NOT_SUITABLE
        reasons.append(
            "Le budget ne dégage aucune capacité de remboursement : "
            f"{_LIMIT_SENTENCES[capacity.limit]} serait dépassé dès le premier euro d'échéance."
        )
    elif not requested.carried:
        verdict = Verdict.NOT_SUITABLE
        reasons.append(
            f"La mensualité demandée, {_installment(requested)}, dépasse la capacité de "
            f"remboursement du budget ({_eur(capacity.amount)} par mois, limitée par "
            f"{_LIMIT_SENTENCES[capacity.limit]})."
        )
    elif not requested.comfortable:
        verdict = Verdict.FRAGILE
        share = requested.max_payment * HUNDRED / capacity.amount
        reasons.append(
            f"La mensualité demandée, {_installment(requested)}, est supportable mais absorbe "
            f"{format_percent(share, places=0)} de la capacité de remboursement "
            f"({_eur(capacity.amount)} par mois) : la marge est faible face à un imprévu."
        )
    else:
        verdict = Verdict.SUITABLE
        reasons.append(
            f"La mensualité demandée, {_installment(requested)}, reste dans la capacité de "
            f"remboursement du budget ({_eur(capacity.amount)} par mois)."
        )
    minimum = thresholds.min_remaining_income_per_uc_day
    reasons.append(
        f"Reste à vivre : {_eur(remaining)} par mois, soit {_eur(per_day)} par jour et par unité "
        f"de consommation ({_units(units)} UC) ; {_eur(per_day_after)} après la mensualité "
        f"demandée (minimum du dispositif : {_eur(minimum)})."
    )
    if ratio_before is None or ratio_after is None:
        reasons.append(
            f"Taux d'endettement : {DEBT_RATIO_NOT_APPLICABLE} "
            f"(maximum du dispositif : {_pct(thresholds.max_debt_ratio_percent)})."
        )
    else:
        reasons.append(
            f"Taux d'endettement : {_pct(ratio_before)} avant le prêt, {_pct(ratio_after)} "
            f"après (maximum du dispositif : {_pct(thresholds.max_debt_ratio_percent)})."
        )
    floor_side = "au-dessus du" if left_after_credits >= floor else "en dessous du"
    reasons.append(
        f"Ressources après remboursement de tous les crédits : {_eur(left_after_credits)}, "
        f"{floor_side} plancher du RSA pour la composition du foyer ({_eur(floor)})."
    )
    if recommended is None:
        recommendation = (
            "Aucune option du dispositif n'est supportable par ce budget : "
            "le micro-crédit ne paraît pas adapté en l'état."
        )
    elif recommended.requested:
        recommendation = f"Option recommandée : la demande telle quelle, {_describe(recommended)}."
    else:
        recommendation = f"Option recommandée : {_describe(recommended)}."
        if not recommended.comfortable:
            recommendation += " La marge resterait faible."
    reasons.append(recommendation)
    return BudgetAssessment(
        month=budget.month,
        consumption_units=units,
        total_resources=resources,
        total_charges=charges,
        remaining_income=remaining,
        remaining_per_uc_per_day=per_day,
        rsa_floor=floor,
        debt_ratio_before_percent=ratio_before,
        capacity=capacity,
        requested=requested,
        debt_ratio_after_percent=ratio_after,
        remaining_per_uc_per_day_after=per_day_after,
        verdict=verdict,
        reasons=tuple(reasons),
        options=options,
        recommended=recommended,
        recommendation=recommendation,
        notices=_notices(budget),
    )


def _notices(budget: Budget) -> tuple[str, ...]:
    notices = [
        f"Calculs sur un mois de {DAYS_PER_MONTH} jours ; âges au premier jour du mois du budget."
    ]
    if budget.housing_aid_paid_to_landlord:
        notices.append(
            "L'aide au logement versée au bailleur est comptée dans les ressources et le loyer "
            "est compté en entier dans les charges."
        )
    return tuple(notices)
