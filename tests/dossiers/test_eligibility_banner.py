"""The eligibility banner counts the criteria met (plural as French wants it) and names those not
met; a check made through htmx answers the criteria and, out of band, the banner for the live
region that stays in the page (it is announced, never itself swapped)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from microcredit.accounts.enums import Role
from microcredit.dossiers import rules
from microcredit.dossiers.texts import eligibility_headline
from tests.factories import make_dossier

LABELS = ["Majorité", "Territoire", "Projet", "Montant", "Durée", "Différé", "Crédit"]


def _criteria(**outcomes: str) -> list[dict[str, str]]:
    return [
        {"key": label, "label": label, "outcome": outcomes.get(label, "ok"), "reason": "…"}
        for label in LABELS
    ]


def test_the_tally_counts_and_names_in_the_checks_order() -> None:
    tally = rules.eligibility_tally(_criteria(Durée="ko", Montant="ko", Projet="unknown"))
    assert tally == rules.EligibilityTally(
        total=7, met=4, failed=("Montant", "Durée"), incomplete=("Projet",)
    )


@pytest.mark.parametrize(
    ("outcomes", "headline"),
    [
        ({}, "7 critères remplis sur 7"),
        ({"Montant": "ko", "Durée": "ko"}, "2 critères non remplis sur 7 : montant, durée"),
        ({"Différé": "ko"}, "1 critère non rempli sur 7 : différé"),
        (
            {"Majorité": "unknown", "Crédit": "unknown"},
            "5 critères remplis sur 7 ; 2 à compléter : majorité, crédit",
        ),
        (
            {"Montant": "ko", "Projet": "unknown"},
            "1 critère non rempli sur 7 : montant ; 1 à compléter : projet",
        ),
        (
            dict.fromkeys(LABELS[1:], "unknown"),
            "1 critère rempli sur 7 ; 6 à compléter : territoire, projet, montant, durée, "
            "différé, crédit",
        ),
    ],
)
def test_the_headline_says_how_many_and_which(outcomes: dict[str, str], headline: str) -> None:
    assert eligibility_headline(rules.eligibility_tally(_criteria(**outcomes))) == headline


def _check(client, dossier, **headers):  # type: ignore[no-untyped-def]
    return client.post(reverse("dossiers:eligibility", args=[dossier.pk]), **headers)


@pytest.mark.django_db
def test_the_dossier_page_banner_says_seven_criteria_met(client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(Role.REFERENT)
    dossier = make_dossier(created_by=client.user)
    response = client.post(
        reverse("dossiers:eligibility", args=[dossier.pk]), follow=True
    )  # without JavaScript: back to the page, the banner as a message too
    page = response.content.decode()
    assert "Éligibilité vérifiée : 7 critères remplis sur 7." in page
    assert "<strong>7 critères remplis sur 7</strong>" in page
    assert "critère rempli<" not in page and "Critère rempli" not in page


@pytest.mark.django_db
def test_a_failed_check_names_the_criteria_not_met(client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(Role.REFERENT)
    dossier = make_dossier(
        created_by=client.user, requested_amount=Decimal(9000), requested_months=90
    )
    _check(client, dossier)
    page = client.get(reverse("dossiers:detail", args=[dossier.pk])).content.decode()
    assert "<strong>2 critères non remplis sur 7 : montant, durée</strong>" in page


@pytest.mark.django_db
def test_through_htmx_the_banner_goes_to_the_stable_live_region(client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(Role.REFERENT)
    dossier = make_dossier(created_by=client.user, requested_amount=Decimal(9000))
    page = client.get(reverse("dossiers:detail", args=[dossier.pk])).content.decode()
    # The live region is in the page from the start, and the form targets another element.
    assert 'id="eligibility-status" role="status" aria-live="polite"' in page
    assert 'hx-target="#eligibility-result"' in page
    assert 'hx-target="#eligibility-status"' not in page

    response = _check(client, dossier, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    answer = response.content.decode()
    assert "<html" not in answer
    assert '<p id="eligibility-status" hx-swap-oob="innerHTML">' in answer
    status = answer.split('hx-swap-oob="innerHTML">', 1)[1]
    assert "<strong>1 critère non rempli sur 7 : montant</strong>" in status
    assert 'class="criteria"' in answer.split('id="eligibility-status"', 1)[0]
    # No message left over for the next page.
    assert "Éligibilité vérifiée" not in client.get(reverse("dossiers:list")).content.decode()


@pytest.mark.django_db
def test_through_htmx_a_refusal_is_said_in_the_live_region(client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(Role.REFERENT)
    dossier = make_dossier(created_by=client.user)
    dossier.programme.versions.all().delete()
    response = _check(client, dossier, HTTP_HX_REQUEST="true")
    status = response.content.decode().split('hx-swap-oob="innerHTML">', 1)[1]
    assert "Aucune version des paramètres n&#x27;était en vigueur" in status
