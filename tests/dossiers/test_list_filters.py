"""The dossier list's filters that the bilan's figures link to: each narrows the visible dossiers
(the access rules first), bad values are ignored, the active filters are shown with a way out,
and the number of queries does not grow with the data."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from microcredit.accounts.enums import Role
from microcredit.accounts.models import User
from microcredit.dossiers import rules as dossier_rules
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier, DossierEvent
from microcredit.loans.models import Loan
from microcredit.organisations.models import Organisation
from microcredit.programmes.models import Programme
from microcredit.reporting import rules as reporting_rules
from tests.factories import (
    make_dossier,
    make_second_bank,
    membership_of,
    saint_etienne_programme,
)

URL = reverse("dossiers:list")


def at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(10)))


def numbers(response: Any) -> set[str]:
    return {d.number for d in response.context["page"].object_list}


def moved(dossier: Dossier, actor: User, path: list[tuple[str, date]]) -> None:
    for state, day in path:
        event = DossierEvent.objects.create(
            dossier=dossier, actor=actor, transition=f"to_{state}", to_state=state
        )
        DossierEvent.objects.filter(pk=event.pk).update(at=at(day))


def disburse(dossier: Dossier, day: date, principal: str = "1000.00") -> Loan:
    amount = Decimal(principal)
    bank = Organisation.objects.get(slug="parcours-confiance")
    return Loan.objects.create(
        dossier=dossier, organisation_id=dossier.organisation_id, bank=bank, principal=amount,
        nominal_rate_percent=Decimal("1.750"), months=20, disbursement_date=day,
        installment=(amount / 20).quantize(Decimal("0.01")), total_interest=Decimal("10.00"),
        total_due=amount + Decimal("10.00"), apr_percent=Decimal("1.76"), state="active",
    )  # fmt: skip


def test_the_stage_definition_is_the_bilans_own() -> None:
    assert reporting_rules.FUNNEL_STAGES is dossier_rules.FUNNEL_STAGES
    assert reporting_rules.FINAL_STATES is dossier_rules.OUT_OF_CASELOAD_STATES
    assert dossier_rules.states_reaching("received") is None
    assert dossier_rules.states_reaching("nonsense") is None
    assert dossier_rules.states_reaching("granted") == (
        "granted",
        "disbursed",
        "repaid",
        "guarantee_called",
    )


@pytest.fixture
def scene(db: None, make_user: Any) -> dict[str, Any]:
    director = make_user(Role.DIRECTOR)
    referent = make_user(Role.REFERENT, username="referente")
    other = make_user(Role.REFERENT, username="autre")
    _bank, programme_b = make_second_bank(
        Organisation.objects.get(slug="ccas-saint-etienne"), slug="banque-filtres"
    )
    made = {
        # Received in 2026, committee reached in March, then disbursed in May.
        "a": make_dossier(created_by=director, application_date=date(2026, 2, 1),
                          state=DossierState.DISBURSED, referent=referent),
        # Received in 2026, reached the committee only after the year's end.
        "b": make_dossier(created_by=director, application_date=date(2026, 11, 1),
                          state=DossierState.READY_FOR_COMMITTEE, referent=referent),
        # Received in 2025, reoriented, another scheme, another purpose.
        "c": make_dossier(created_by=director, application_date=date(2025, 6, 1),
                          state=DossierState.REORIENTED, programme=programme_b,
                          purpose_category="logement", reorientation_scheme="fsl",
                          reorientation_label="FSL", referent=other),
        # No référent, still open.
        "d": make_dossier(created_by=director, application_date=date(2026, 3, 1),
                          state=DossierState.DIAGNOSIS),
    }  # fmt: skip
    moved(made["a"], director, [("diagnosis", date(2026, 2, 3)),
                                ("ready_for_committee", date(2026, 3, 10)),
                                ("disbursed", date(2026, 5, 2))])  # fmt: skip
    moved(made["b"], director, [("ready_for_committee", date(2027, 1, 5))])
    moved(made["d"], director, [("diagnosis", date(2026, 3, 2))])
    disburse(made["a"], date(2026, 5, 2))
    return {"director": director, "referent": referent, "other": other,
            "programme_b": programme_b, **made}  # fmt: skip


def names(scene: dict[str, Any], *keys: str) -> set[str]:
    return {scene[key].number for key in keys}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, "abcd"),
        ({"recu_du": "2026-01-01", "recu_au": "2026-12-31"}, "abd"),
        ({"recu_au": "2025-12-31"}, "c"),
        ({"etape": "committee"}, "ab"),  # without a period: reached at any time
        # Reached by the period's end, as the bilan counts it: b reached it in 2027.
        ({"recu_du": "2026-01-01", "recu_au": "2026-12-31", "etape": "committee"}, "a"),
        ({"etape": "diagnosis"}, "abd"),  # a later stage counts as having passed this one
        ({"etape": "received"}, "abcd"),
        ({"decaisse_du": "2026-05-01", "decaisse_au": "2026-05-31"}, "a"),
        ({"decaisse_du": "2026-06-01"}, ""),
        ({"categorie": "logement"}, "c"),
        ({"reorientation": "fsl"}, "c"),
        ({"referent": "aucun"}, "d"),
        ({"en_cours": "1"}, "abd"),  # a disbursed loan is still followed
    ],
)
def test_each_filter_narrows_the_list(
    client: Any, scene: dict[str, Any], params: dict[str, str], expected: str
) -> None:
    client.force_login(scene["director"])
    response = client.get(URL, params)
    assert response.status_code == 200
    assert numbers(response) == names(scene, *expected)


@pytest.mark.django_db
def test_scheme_and_referent_filters(client: Any, scene: dict[str, Any]) -> None:
    client.force_login(scene["director"])
    response = client.get(URL, {"dispositif": scene["programme_b"].pk})
    assert numbers(response) == names(scene, "c")
    assert "Dispositif : Prêt banque-filtres" in response.content.decode()
    response = client.get(URL, {"referent": scene["referent"].pk, "en_cours": "1"})
    assert numbers(response) == names(scene, "a", "b")
    page = response.content.decode()
    assert "Référent : Referente" in page
    assert "Dossiers en cours (suivis par un référent)" in page
    assert "2 dossiers correspondent à ces filtres." in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [
        {"recu_du": "31/02/2026"},
        {"recu_au": "demain"},
        {"dispositif": "abc"},
        {"dispositif": "-3"},
        {"etape": "nulle-part"},
        {"decaisse_du": "2026-13-01"},
        {"referent": "x"},
        {"en_cours": "oui"},
    ],
)
def test_bad_values_are_ignored(client: Any, scene: dict[str, Any], params: dict[str, str]) -> None:
    client.force_login(scene["director"])
    response = client.get(URL, params)
    assert response.status_code == 200
    assert numbers(response) == names(scene, *"abcd")
    assert "Retirer les filtres" not in response.content.decode()


@pytest.mark.django_db
def test_the_active_filters_are_shown_with_a_link_that_removes_them(
    client: Any, scene: dict[str, Any]
) -> None:
    client.force_login(scene["director"])
    response = client.get(
        URL,
        {"recu_du": "2026-01-01", "recu_au": "2026-12-31", "etape": "committee", "q": "MC"},
    )
    page = response.content.decode()
    assert "Demande reçue du 01/01/2026 au 31/12/2026" in page
    assert "Étape atteinte : commission" in page
    assert f'href="{URL}?q=MC">Retirer les filtres' in page
    # The search form keeps the filters while searching within them.
    assert '<input type="hidden" name="etape" value="committee">' in page


@pytest.mark.django_db
def test_the_access_rules_apply_first(client: Any, scene: dict[str, Any], make_user: Any) -> None:
    """A référent of another CCAS, given the same filters, sees none of these dossiers."""
    lyon = Organisation.objects.create(kind="ccas", name="CCAS de Lyon", slug="ccas-lyon")
    stranger = make_user(Role.REFERENT, username="lyonnais", organisation=lyon)
    client.force_login(stranger)
    response = client.get(URL, {"dispositif": saint_etienne_programme().pk, "etape": "received"})
    assert response.status_code == 200
    assert numbers(response) == set()
    assert "Dispositif : inconnu (aucun dossier)" in response.content.decode()
    assert membership_of(stranger).organisation == lyon


@pytest.mark.django_db
def test_the_number_of_queries_does_not_grow_with_the_data(
    client: Any, scene: dict[str, Any], count_queries: Any
) -> None:
    director = scene["director"]
    client.force_login(director)
    params = {
        "recu_du": "2026-01-01", "recu_au": "2026-12-31",
        "dispositif": saint_etienne_programme().pk, "etape": "diagnosis",
        "decaisse_du": "2026-01-01", "decaisse_au": "2026-12-31",
        "categorie": "mobilite", "referent": scene["referent"].pk, "reorientation": "",
        "en_cours": "",
    }  # fmt: skip

    def load() -> None:
        assert client.get(URL, params).status_code == 200

    small = count_queries(load)
    programme: Programme = saint_etienne_programme()
    for i in range(12):
        dossier = make_dossier(
            created_by=director, application_date=date(2026, 4, 1 + i), programme=programme,
            state=DossierState.DISBURSED, referent=scene["referent"],
        )  # fmt: skip
        moved(dossier, director, [("diagnosis", date(2026, 4, 2 + i))])
        disburse(dossier, date(2026, 6, 1 + i))
    large = count_queries(load)
    assert small == large
    response = client.get(URL, params)
    assert len(response.context["page"].object_list) == 13
