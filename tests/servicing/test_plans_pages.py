"""The plan section of the loan's follow-up page: the référent previews (nothing stored) and
proposes; the bank adviser sees the plan with its preview and agrees or refuses; both see past
plans. Access: a commission member 403, another bank 404. Queries do not grow with the plans.

Figures by hand in plan_helpers.py and test_plans.py: 100.95 € unpaid on 20/03/2026; on top
over 3 months the next installment is 100.95 + 33.21 + 0.53 = 134.69 €."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from microcredit.accounts.enums import Role
from microcredit.core.formatting import format_eur
from microcredit.loans.models import ScheduleVersion
from microcredit.servicing.enums import PlanState
from microcredit.servicing.hooks import letter_due
from microcredit.servicing.models import RepaymentPlan
from tests.factories import make_second_bank
from tests.servicing.plan_helpers import PROPOSED, D, late_loan, on

pytestmark = pytest.mark.django_db

PROPOSAL = {"months": "3", "mode": "on_top", "note": "Accord au rendez-vous du 20/03."}


@pytest.fixture
def referent(make_user):  # type: ignore[no-untyped-def]
    return make_user(Role.REFERENT)


@pytest.fixture
def adviser(make_user):  # type: ignore[no-untyped-def]
    return make_user(Role.BANK_ADVISER, username="conseiller")


@pytest.fixture
def loan(referent, adviser):  # type: ignore[no-untyped-def]
    return late_loan(referent, adviser)


@pytest.fixture(autouse=True)
def no_letters(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(letter_due, "send", lambda *args: None)


def client_of(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def page(client: Client, loan) -> str:  # type: ignore[no-untyped-def]
    with on(PROPOSED):
        response = client.get(reverse("servicing:loan", args=[loan.pk]))
    assert response.status_code == 200
    return response.content.decode()


def post(client: Client, name: str, arg: int, data: dict[str, Any], follow: bool = False) -> Any:
    with on(PROPOSED):
        return client.post(reverse(f"servicing:{name}", args=[arg]), data, follow=follow)


def flashed(response: Any, loan) -> list[str]:  # type: ignore[no-untyped-def]
    """The messages of the follow-up page the POST came back to."""
    assert response.redirect_chain == [(reverse("servicing:loan", args=[loan.pk]), 302)]
    return [str(m) for m in response.context["messages"]]


def test_the_referent_previews_then_proposes(referent, loan) -> None:  # type: ignore[no-untyped-def]
    client = client_of(referent)
    html = page(client, loan)
    assert "Impayés au 20/03/2026" in html and format_eur(D("100.95")) in html
    assert "5 jours de retard" in html
    assert "Prévisualiser" in html and "Proposer le plan à la banque" not in html
    response = post(client, "plan_preview", loan.pk, PROPOSAL)
    assert response.status_code == 200
    html = response.content.decode()
    # 100.95 + 33.21 + 0.53 and 100.95 + 33.21 + 0.55 (by hand in test_plans.py)
    assert format_eur(D("134.69")) in html and format_eur(D("134.71")) in html
    assert "aperçu, non enregistré" in html and "Proposer le plan à la banque" in html
    assert 'value="3"' in html and "Accord au rendez-vous du 20/03." in html
    assert not RepaymentPlan.objects.exists()
    response = post(client, "plan_propose", loan.pk, PROPOSAL, follow=True)
    assert flashed(response, loan) == [
        "Le plan de reprise est proposé à la banque ; il prendra effet quand elle l'acceptera."
    ]
    plan = RepaymentPlan.objects.get()
    assert (plan.months, plan.mode, plan.overdue_amount) == (3, "on_top", D("100.95"))
    html = page(client, loan)
    assert "Plan proposé à la banque" in html and "Un plan de reprise est déjà" in html
    assert "Accepter le plan" not in html  # the bank's


def test_a_wrong_proposal_is_shown_on_the_form_and_nothing_is_stored(referent, loan) -> None:  # type: ignore[no-untyped-def]
    client = client_of(referent)
    for name in ("plan_preview", "plan_propose"):
        response = post(client, name, loan.pk, {**PROPOSAL, "months": "40"})
        assert response.status_code == 200
        html = response.content.decode()
        assert 'aria-invalid="true"' in html
        assert "inférieure ou égale à 36" in html
    response = post(client, "plan_propose", loan.pk, {**PROPOSAL, "mode": "parfois"})
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert not RepaymentPlan.objects.exists()


def test_the_bank_sees_the_preview_and_agrees(referent, adviser, loan) -> None:  # type: ignore[no-untyped-def]
    post(client_of(referent), "plan_propose", loan.pk, PROPOSAL)
    plan = RepaymentPlan.objects.get()
    client = client_of(adviser)
    html = page(client, loan)
    assert "Plan proposé à la banque" in html and "Accord au rendez-vous du 20/03." in html
    assert format_eur(D("134.69")) in html
    assert "Accepter le plan" in html and "Refuser" in html
    assert "Proposer un plan de reprise" not in html  # the référent's
    response = post(client, "plan_decision", plan.pk, {"agree": "1"}, follow=True)
    assert flashed(response, loan) == [
        "Le plan de reprise est accepté : le nouvel échéancier est en vigueur et un courrier "
        "part à l'emprunteur."
    ]
    assert RepaymentPlan.objects.get().state == PlanState.AGREED
    # The same button again (a double click): nothing more.
    response = post(client, "plan_decision", plan.pk, {"agree": "1"}, follow=True)
    assert flashed(response, loan) == [
        "Ce plan de reprise était déjà accepté par la banque (en cours)."
    ]
    assert ScheduleVersion.objects.filter(loan=loan).count() == 2
    html = page(client, loan)
    assert "Plan en cours" in html and "échéancier version 2" in html
    assert "Accepter le plan" not in html


def test_the_bank_refuses_with_a_reason(referent, adviser, loan) -> None:  # type: ignore[no-untyped-def]
    post(client_of(referent), "plan_propose", loan.pk, PROPOSAL)
    plan = RepaymentPlan.objects.get()
    client = client_of(adviser)
    response = post(client, "plan_decision", plan.pk, {"agree": "0", "reason": ""}, follow=True)
    assert flashed(response, loan) == ["Indiquez le motif du refus."]
    assert RepaymentPlan.objects.get().state == PlanState.PROPOSED
    response = post(
        client, "plan_decision", plan.pk, {"agree": "0", "reason": "Trop court."}, follow=True
    )
    assert flashed(response, loan) == ["Le plan de reprise est refusé."]
    html = page(client_of(referent), loan)
    assert "Refusé par la banque" in html and "Trop court." in html
    assert "Proposer un plan de reprise" in html  # the référent may propose again


def test_access_commission_member_403_other_bank_404(  # type: ignore[no-untyped-def]
    make_user, saint_etienne, referent, loan
) -> None:
    post(client_of(referent), "plan_propose", loan.pk, PROPOSAL)
    plan = RepaymentPlan.objects.get()
    member = client_of(make_user(Role.COMMITTEE_MEMBER, username="membre"))
    assert post(member, "plan_preview", loan.pk, PROPOSAL).status_code == 403
    assert post(member, "plan_propose", loan.pk, PROPOSAL).status_code == 403
    assert post(member, "plan_decision", plan.pk, {"agree": "1"}).status_code == 403
    bank_b, _programme = make_second_bank(saint_etienne)
    other = client_of(make_user(Role.BANK_ADVISER, username="conseiller-b", organisation=bank_b))
    assert post(other, "plan_decision", plan.pk, {"agree": "1"}).status_code == 404
    with on(PROPOSED):
        assert other.get(reverse("servicing:loan", args=[loan.pk])).status_code == 404
    # The référent may not decide, the adviser may not propose.
    assert post(client_of(referent), "plan_decision", plan.pk, {"agree": "1"}).status_code == 403
    assert RepaymentPlan.objects.get().state == PlanState.PROPOSED


def test_the_section_queries_do_not_grow_with_the_plans(  # type: ignore[no-untyped-def]
    referent, adviser, loan, count_queries
) -> None:
    client = client_of(referent)

    def refused_plans(count: int) -> None:
        for _ in range(count):
            RepaymentPlan.objects.create(
                loan=loan,
                state=PlanState.REFUSED,
                as_of=date(2026, 3, 16),
                months=3,
                mode="on_top",
                overdue_amount=D("100.95"),
                proposed_by=referent,
                decided_by=adviser,
                refusal_reason="Non.",
            )

    refused_plans(1)
    few = count_queries(lambda: page(client, loan))
    refused_plans(30)
    assert count_queries(lambda: page(client, loan)) == few
    assert "Seuls les plans les plus récents sont affichés." in page(client, loan)
