"""Who reads the portfolio: CCAS staff the loans of their organisation (every bank), the bank
adviser those of their bank only; commission members, partner workers and the technical
administrator get 403; every read is in the access log; « Prêts » in the navigation leads here."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership, User
from microcredit.core.enums import AccessAction
from microcredit.core.models import AccessLog
from microcredit.loans.models import Loan
from microcredit.loans.selectors import access_loans_for_user
from microcredit.organisations.models import Organisation
from microcredit.servicing.models import ArrearsSnapshot
from tests.factories import make_loan, make_second_bank

pytestmark = pytest.mark.django_db

URL = reverse("servicing:portfolio")
D = timezone.localdate() + timedelta(days=40)


def _snapshot(loan: Loan, days: int, bucket: str, outstanding: str) -> None:
    ArrearsSnapshot.objects.create(
        loan=loan,
        as_of=D,
        days_past_due=days,
        bucket=bucket,
        overdue_amount=Decimal("0.00"),
        outstanding_principal=Decimal(outstanding),
        installment=Decimal("52.29"),
    )


@pytest.fixture
def loans(make_user, saint_etienne: Organisation) -> dict[str, Loan]:  # type: ignore[no-untyped-def]
    """A loan of each bank of Saint-Étienne, and one of another CCAS with its own bank."""
    referent = make_user(Role.REFERENT)
    adviser = make_user(Role.BANK_ADVISER, username="conseiller")
    bank_b, programme_b = make_second_bank(saint_etienne)
    adviser_b = make_user(Role.BANK_ADVISER, username="conseiller-b", organisation=bank_b)
    other_ccas = Organisation.objects.create(kind="ccas", name="CCAS de Roanne", slug="roanne")
    bank_c, programme_c = make_second_bank(other_ccas, slug="banque-c")
    adviser_c = make_user(Role.BANK_ADVISER, username="conseiller-c", organisation=bank_c)
    found = {
        "a": make_loan(created_by=referent, adviser=adviser),
        "b": make_loan(created_by=referent, adviser=adviser_b, programme=programme_b),
        "c": make_loan(created_by=referent, adviser=adviser_c, programme=programme_c),
    }
    _snapshot(found["a"], 45, "30+", "1000.00")
    _snapshot(found["b"], 0, "current", "3000.00")
    _snapshot(found["c"], 95, "90+", "500.00")
    return found


def _seen(client) -> set[str]:  # type: ignore[no-untyped-def]
    return {row.loan.dossier.number for row in client.get(URL).context["rows"]}


@pytest.mark.parametrize("role", [Role.REFERENT, Role.AGENT, Role.DIRECTOR])
def test_ccas_staff_see_their_organisations_loans_of_every_bank(
    client_for, loans: dict[str, Loan], role: Role
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(role, username=f"{role.value}-2")
    response = client.get(URL)
    assert _seen(client) == {loans["a"].dossier.number, loans["b"].dossier.number}
    content = response.content.decode()
    assert loans["c"].dossier.number not in content
    assert "Banque banque-b" in content  # the bank column, for the CCAS
    # PAR30 over their two loans only: 1 000.00 / (1 000.00 + 3 000.00) = 0.25 → 25.00 %.
    assert response.context["summary"].par30 == Decimal("0.2500")
    assert "25,00\u00a0%" in content


def test_an_adviser_sees_only_their_banks_loans(client, loans: dict[str, Loan]) -> None:  # type: ignore[no-untyped-def]
    for username, key, par30 in (
        ("conseiller", "a", "1.0000"),  # 1 000.00 / 1 000.00 (45 days late)
        ("conseiller-b", "b", "0.0000"),  # 0 / 3 000.00
        ("conseiller-c", "c", "1.0000"),  # 500.00 / 500.00 (95 days late)
    ):
        client.force_login(User.objects.get(username=username))
        assert _seen(client) == {loans[key].dossier.number}
        response = client.get(URL, {"q": loans["a"].dossier.number, "tranche": "30+"})
        assert len(response.context["rows"]) == (1 if key == "a" else 0)
        assert response.context["summary"].par30 == Decimal(par30)


@pytest.mark.parametrize("role", [Role.COMMITTEE_MEMBER, Role.PARTNER_WORKER, Role.ADMIN, None])
def test_other_roles_are_refused(client_for, loans: dict[str, Loan], role: Role | None) -> None:  # type: ignore[no-untyped-def]
    client = client_for(role, username="autre")
    assert client.get(URL).status_code == 403
    assert not AccessLog.objects.filter(action=AccessAction.PORTFOLIO).exists()


def test_each_read_is_in_the_access_log(client, loans: dict[str, Loan]) -> None:  # type: ignore[no-untyped-def]
    adviser = User.objects.get(username="conseiller")
    client.force_login(adviser)
    client.post(URL, {"tranche": "30+", "q": "Dupont"}, follow=True)
    log = AccessLog.objects.get(action=AccessAction.PORTFOLIO)
    assert log.user == adviser
    assert log.detail == "état= tranche=30+ recherche=Dupont page=1"


def test_a_name_searched_stays_out_of_the_urls(client, loans: dict[str, Loan]) -> None:  # type: ignore[no-untyped-def]
    """F6: the search is a POST; the list is shown at an opaque key, pagination keeps it; a name
    typed into the URL is moved out of it; a number stays in it."""
    client.force_login(User.objects.get(username="conseiller"))
    response = client.post(URL, {"q": "Dupont", "tranche": "30+"})
    assert response.status_code == 303
    location = response["Location"]
    assert "Dupont" not in location and "recherche=" in location and "tranche=30%2B" in location
    page = client.get(location)
    assert page.context["filters"].query == "Dupont"
    assert "Dupont" not in page.context["page_query"]
    moved = client.get(URL, {"q": "Dupont"})
    assert moved.status_code == 303 and "Dupont" not in moved["Location"]
    kept = client.get(URL, {"q": "MC-2026-00001"})
    assert kept.status_code == 200 and kept.context["filters"].query == "MC-2026-00001"
    # Another session does not hold the key: the page says so and lists without it.
    client.logout()
    client.force_login(User.objects.get(username="conseiller"))
    expired = client.get(location)
    assert expired.context["search_expired"] is True
    assert "Cette recherche n'est plus disponible" in expired.content.decode()


@pytest.mark.parametrize("role", [Role.REFERENT, Role.AGENT, Role.DIRECTOR, Role.BANK_ADVISER])
def test_the_loans_entry_of_the_navigation_leads_to_the_portfolio(client_for, role: Role) -> None:  # type: ignore[no-untyped-def]
    response = client_for(role).get(reverse("shell:home"))
    navigation = {item["label"]: item["url"] for item in response.context["shell_navigation"]}
    assert navigation["Prêts"] == URL == "/suivi/portefeuille/"


@pytest.mark.parametrize("role", [Role.COMMITTEE_MEMBER, Role.PARTNER_WORKER, Role.ADMIN])
def test_roles_without_loans_have_no_loans_entry(client_for, role: Role) -> None:  # type: ignore[no-untyped-def]
    response = client_for(role).get(reverse("shell:home"))
    assert "Prêts" not in {item["label"] for item in response.context["shell_navigation"]}


@pytest.mark.parametrize("role", [Role.REFERENT, Role.AGENT, Role.DIRECTOR])
def test_staff_read_loans_by_their_organisation_only_with_their_own_active_membership(
    make_user, loans: dict[str, Loan], role: Role
) -> None:  # type: ignore[no-untyped-def]
    """CCAS staff's loans are filtered on the loan's organisation (the dossier's, copied at
    disbursement), not through the dossiers; the same membership checks as the dossiers."""
    user = make_user(role, username=f"{role.value}-3")
    membership = Membership.objects.get(user=user)
    visible = access_loans_for_user(user, membership)
    assert set(visible) == {loans["a"], loans["b"]}
    assert "dossiers_dossier" not in str(visible.query)
    assert all(loan.organisation_id == loan.dossier.organisation_id for loan in loans.values())
    other = make_user(Role.REFERENT, username="autre-referent")
    assert not access_loans_for_user(other, membership).exists()  # someone else's membership
    Membership.objects.filter(pk=membership.pk).update(active=False)
    membership.refresh_from_db()
    assert not access_loans_for_user(user, membership).exists()
