"""The budget through HTTP: the form writes a new version, says in French what is missing, and
the dossier page shows the diagnostic's figures (derived by hand in tests/budgets/test_rules.py)
with the RSA base amount from the cache, never from OpenFisca in the web process."""

from __future__ import annotations

import html
from decimal import Decimal

import pytest
from django.urls import reverse

from microcredit.accounts.enums import Role
from microcredit.budgets.models import Budget, BudgetLine, ReferentOpinion
from microcredit.organisations.models import Organisation
from microcredit.rights.models import RightsAssessmentRecord, RsaBaseAmount
from tests.budgets.helpers import MONTH, lone_parent_budget, lone_parent_dossier
from tests.factories import share_with

D = Decimal
pytestmark = pytest.mark.django_db

FORM = {
    "month": "2026-04",
    "housing_status": "tenant_private",
    "salaries__demandeur": "950",
    "resource__housing_aid": "250",
    "housing_aid_to_landlord": "on",
    "charge__rent": "550",
    "charge__energy": "80",
    "charge__water": "20",
    "charge__insurance": "15",
    "charge__telecom": "30",
    "charge__transport": "35",
    "charge__health_cover": "25",
}


@pytest.fixture
def referent(make_user):  # type: ignore[no-untyped-def]
    return make_user(Role.REFERENT)


def page(client, dossier) -> str:  # type: ignore[no-untyped-def]
    response = client.get(reverse("dossiers:detail", args=[dossier.pk]))
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_the_dossier_page_shows_the_figures_the_verdict_and_the_options(client, referent) -> None:  # type: ignore[no-untyped-def]
    RsaBaseAmount.objects.create(month=MONTH, amount=D("651.69"), openfisca_france_version="x")
    dossier = lone_parent_dossier(referent)
    lone_parent_budget(referent, dossier)
    client.force_login(referent)
    body = page(client, dossier)
    # UC 1,3; reste à vivre 445,00 € a month, 11,41 € per UC per day (10,12 € after 50,48 €);
    # floor 1,5 × 651,69 = 977,54 €; capacity 55,00 € (reste à vivre); 600 € × 12 is fragile,
    # 600 € × 18 months is recommended.
    for text in (
        "1,3 UC",
        "445,00\xa0€ par mois, soit 11,41\xa0€ par jour et par UC",
        "10,12\xa0€ par jour et par UC après la mensualité demandée",
        "avant le prêt 0,00\xa0%",
        "après 4,21\xa0%",
        "55,00\xa0€ par mois (limitée par le reste à vivre minimal par UC)",
        "977,54\xa0€",
        "651,69\xa0€ pour une personne (04/2026",
        "Avis du diagnostic",
        "Fragile",
        "Option recommandée : 600,00\xa0€ sur 18 mois",
        "(recommandée)",
        "(demandée)",
        "Aucun avis du référent sur cette version.",
    ):
        assert text in body, text


def test_without_a_known_rsa_amount_the_floor_is_not_computed(client, referent) -> None:  # type: ignore[no-untyped-def]
    dossier = lone_parent_dossier(referent)
    lone_parent_budget(referent, dossier)
    client.force_login(referent)
    body = page(client, dossier)
    assert "Lancez l'estimation des droits pour obtenir le montant forfaitaire du RSA" in body
    assert "445,00\xa0€ par mois" in body  # what does not need it is shown
    assert "Plancher" not in body and "Avis du diagnostic" not in body


def test_an_older_rsa_amount_is_used_and_said_so(client, referent) -> None:  # type: ignore[no-untyped-def]
    RsaBaseAmount.objects.create(
        month=MONTH.replace(month=3), amount=D("646.52"), openfisca_france_version="x"
    )
    RsaBaseAmount.objects.create(
        month=MONTH.replace(month=5), amount=D("700.00"), openfisca_france_version="x"
    )
    dossier = lone_parent_dossier(referent)
    lone_parent_budget(referent, dossier)
    client.force_login(referent)
    body = page(client, dossier)
    assert "646,52\xa0€ pour une personne (03/2026" in body
    assert "dernier montant connu avant le mois du budget" in body
    assert "969,78\xa0€" in body  # 1,5 × 646,52


def test_the_form_creates_a_new_version_copied_from_the_last(client, referent) -> None:  # type: ignore[no-untyped-def]
    dossier = lone_parent_dossier(referent)
    client.force_login(referent)
    url = reverse("budgets:edit", args=[dossier.pk])
    form_page = html.unescape(client.get(url).content.decode())
    assert "Ressources de Nadia (demandeur)" in form_page
    assert "Ressources de Léa" not in form_page  # a child of 7 has no income fields
    response = client.post(url, FORM)
    assert response.status_code == 302
    assert response["Location"].endswith("#budget")
    first = Budget.objects.get()
    form_page = client.get(url).content.decode()
    assert 'value="950.00"' in form_page and 'value="2026-04"' in form_page
    client.post(url, {**FORM, "month": "05/2026", "salaries__demandeur": "1 020,50"})
    assert list(Budget.objects.order_by("version").values_list("version", "month")) == [
        (1, MONTH),
        (2, MONTH.replace(month=5)),
    ]
    salaries = dict(BudgetLine.objects.filter(type="salaries").values_list("budget_id", "amount"))
    assert salaries[first.pk] == D("950.00")
    assert max(salaries.values()) == D("1020.50")
    assert BudgetLine.objects.get(type="housing_aid", budget__version=2).paid_to_landlord


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"charge__rent": ""}, "Le foyer est locataire mais aucun loyer n'est renseigné."),
        (
            {"charge__energy": "-80"},
            "Le montant « Énergie (électricité, gaz, chauffage) » ne peut pas être négatif.",
        ),
        ({"month": "13/2026"}, "Ce mois n'existe pas"),
    ],
)
def test_the_form_says_what_is_missing_and_saves_nothing(client, referent, change, message) -> None:  # type: ignore[no-untyped-def]
    dossier = lone_parent_dossier(referent)
    client.force_login(referent)
    response = client.post(reverse("budgets:edit", args=[dossier.pk]), {**FORM, **change})
    assert response.status_code == 200
    assert message in html.unescape(response.content.decode())
    assert not Budget.objects.exists()


def test_the_referent_gives_an_opinion_from_the_page(client, make_user, referent) -> None:  # type: ignore[no-untyped-def]
    dossier = lone_parent_dossier(referent)
    budget = lone_parent_budget(referent, dossier)
    client.force_login(referent)
    url = reverse("budgets:opinion", args=[dossier.pk])
    client.post(url, {"budget_id": budget.pk, "verdict": "suitable", "reason": ""})
    assert not ReferentOpinion.objects.exists()
    client.post(url, {"budget_id": budget.pk, "verdict": "suitable", "reason": "Épargne de 300 €."})
    assert ReferentOpinion.objects.get().verdict == "suitable"
    assert "Adapté</strong>\n          — Épargne de 300 €." in page(client, dossier)
    client.force_login(make_user(Role.AGENT))
    assert (
        client.post(url, {"budget_id": budget.pk, "verdict": "fragile", "reason": "x"}).status_code
        == 403
    )


def test_only_the_ccas_staff_of_the_dossier_sees_or_edits_the_budget(
    client, make_user, referent, social_structure
) -> None:  # type: ignore[no-untyped-def]
    from microcredit.organisations.models import Partnership

    dossier = lone_parent_dossier(referent)
    lone_parent_budget(referent, dossier)
    edit = reverse("budgets:edit", args=[dossier.pk])
    for role in (Role.COMMITTEE_MEMBER, Role.BANK_ADVISER, Role.PARTNER_WORKER, Role.ADMIN):
        client.force_login(make_user(role))
        assert client.get(edit).status_code == 403, role
    other_ccas = Organisation.objects.create(kind="ccas", name="CCAS de Roanne", slug="roanne")
    client.force_login(make_user(Role.DIRECTOR, username="roanne", organisation=other_ccas))
    assert client.get(edit).status_code == 404
    Partnership.objects.create(ccas=dossier.organisation, partner=social_structure)
    worker = make_user(Role.PARTNER_WORKER, username="as")
    share_with(dossier, worker, shared_by=referent)
    client.force_login(worker)
    body = page(client, dossier)
    assert "Budget du foyer" not in body and "Droits à vérifier" not in body


def test_the_dossier_page_query_count_does_not_grow_with_versions_and_estimates(
    client, referent, count_queries
) -> None:  # type: ignore[no-untyped-def]
    RsaBaseAmount.objects.create(month=MONTH, amount=D("651.69"), openfisca_france_version="x")
    dossier = lone_parent_dossier(referent)
    client.force_login(referent)
    url = reverse("dossiers:detail", args=[dossier.pk])
    counts = []
    for _ in range(3):
        budget = lone_parent_budget(referent, dossier)
        RightsAssessmentRecord.objects.create(
            dossier=dossier, budget=budget, month=MONTH, status="failed", error_message="x"
        )
        counts.append(count_queries(lambda: client.get(url)))
    assert counts[0] == counts[1] == counts[2], counts
