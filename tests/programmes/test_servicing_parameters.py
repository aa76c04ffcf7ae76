"""The servicing parameters of a version: the arrears buckets (days past due, typed « 1, 30, 60,
90 »: whole numbers, increasing, the first at least 1) and the repayment tolerance (≥ 0), on
the director's form (pre-filled, validated in French) and on the version's page."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from microcredit.accounts.enums import Role
from microcredit.core.models import AuditEvent
from microcredit.organisations.models import Organisation
from microcredit.programmes import rules
from microcredit.programmes.models import Programme
from tests.programmes.test_parameter_versions import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme(saint_etienne: Organisation) -> Programme:
    return saint_etienne.programmes.get()


def test_buckets_are_read_as_typed() -> None:
    assert rules.parse_arrears_buckets("1, 30, 60, 90") == [1, 30, 60, 90]
    assert rules.parse_arrears_buckets(" 1 ;15  45,120 ") == [1, 15, 45, 120]
    assert rules.format_arrears_buckets([1, 30, 60, 90]) == "1, 30, 60, 90"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Indiquez au moins un seuil de retard"),
        ("1, 30, trente", "« trente » n'est pas un nombre entier de jours"),
        ("1, 30.5", "« 30.5 » n'est pas un nombre entier de jours"),
        ("0, 30, 60", "Le premier seuil de retard est d'au moins 1 jour."),
        ("1, 60, 30", "Les seuils de retard doivent être croissants, sans doublon."),
        ("1, 30, 30", "Les seuils de retard doivent être croissants, sans doublon."),
    ],
)
def test_bad_buckets_are_refused_in_french(typed: str, message: str) -> None:
    with pytest.raises(rules.ParameterError) as caught:
        rules.parse_arrears_buckets(typed)
    assert message in caught.value.message


def test_the_cross_checks_cover_both_parameters() -> None:
    check = rules.check_parameters(
        {"repayment_tolerance": Decimal("-0.01"), "arrears_buckets": [30, 1]}
    )
    assert check.errors == {
        "repayment_tolerance": ["La tolérance au-delà du solde dû ne peut pas être négative."],
        "arrears_buckets": ["Les seuils de retard doivent être croissants, sans doublon."],
    }
    assert rules.check_parameters(
        {"repayment_tolerance": Decimal("0.00"), "arrears_buckets": [1, 30]}
    ).ok


def test_the_form_is_pre_filled_and_a_new_version_keeps_them(client_for, programme) -> None:  # type: ignore[no-untyped-def]
    client = client_for(Role.DIRECTOR)
    old = programme.versions.get()
    assert (old.arrears_buckets, old.repayment_tolerance) == ([1, 30, 60, 90], Decimal("10.00"))
    url = reverse("programmes:version_create", args=[programme.pk])
    page = client.get(url).content.decode()
    assert 'value="1, 30, 60, 90"' in page and "Seuils de retard (jours)" in page
    assert 'value="10.00"' in page
    response = client.post(
        url, form_data(old, arrears_text="1, 15, 45, 120", repayment_tolerance="2.50")
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    new = programme.versions.get(number=2)
    assert (new.arrears_buckets, new.repayment_tolerance) == ([1, 15, 45, 120], Decimal("2.50"))
    old.refresh_from_db()
    assert old.arrears_buckets == [1, 30, 60, 90]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"arrears_text": "0, 30"}, "Le premier seuil de retard est d&#x27;au moins 1 jour."),
        ({"arrears_text": "1, 90, 60"}, "Les seuils de retard doivent être croissants"),
        ({"repayment_tolerance": "-1"}, "La tolérance au-delà du solde dû ne peut pas être"),
    ],
)
def test_the_form_refuses_bad_values_and_saves_nothing(
    client_for, programme, changes, message
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(Role.DIRECTOR)
    old = programme.versions.get()
    response = client.post(
        reverse("programmes:version_create", args=[programme.pk]), form_data(old, **changes)
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert message in content
    assert "pas été enregistrés" in content
    assert programme.versions.count() == 1
    assert not AuditEvent.objects.exists()


def test_the_version_page_shows_them(client_for, programme) -> None:  # type: ignore[no-untyped-def]
    client = client_for(Role.REFERENT)
    page = client.get(reverse("programmes:version_detail", args=[programme.pk, 1])).content
    text = page.decode()
    assert "Seuils de retard" in text
    assert "en retard dès 1 jour" in text
    for days in (30, 60, 90):
        assert f"{days} jours et plus" in text
    assert "Tolérance au-delà du solde dû" in text and "10,00\xa0€" in text
