"""The directeur·rice changes the scheme's parameters: a new dated version, the old one kept."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from microcredit.accounts.enums import Role
from microcredit.core.models import AuditEvent
from microcredit.organisations.models import Organisation
from microcredit.programmes.forms import LIST_FIELDS, SCALAR_FIELDS
from microcredit.programmes.models import Programme, ProgrammeVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme(saint_etienne: Organisation) -> Programme:
    return saint_etienne.programmes.get()


def form_data(version: ProgrammeVersion, **changes: object) -> dict[str, object]:
    """The form as the browser posts it, pre-filled from `version`, with `changes`."""
    data: dict[str, object] = {}
    for name in SCALAR_FIELDS:
        value = getattr(version, name)
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = str(value)
    for form_name, model_name, _parse, fmt, _label, _help in LIST_FIELDS:
        data[form_name] = fmt(getattr(version, model_name))
    data["valid_from"] = (timezone.localdate() + timedelta(days=7)).isoformat()
    data["reason"] = "Recalibrage annuel"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_the_seed_scheme_exists_with_its_parameters(programme: Programme) -> None:
    version = programme.versions.get()
    assert (version.min_amount, version.max_amount) == (300, 3000)
    assert (version.min_months, version.max_months) == (3, 36)
    assert str(version.nominal_rate_percent) == "1.750"
    assert version.max_deferral_months == 12
    assert version.commune_codes() == ["42218"]
    assert version.postcodes() == ["42000", "42100"]
    assert str(version.guarantee_rate_percent) == "50.00"
    assert str(version.loss_rate_reference_percent) == "7.02"
    labels = [p["label"] for p in version.purposes]
    assert labels == [
        "Emploi et formation",
        "Mobilité",
        "Logement",
        "Santé",
        "Événements familiaux",
    ]
    assert "Rachat de crédit" in [e["label"] for e in version.excluded_purposes]


def test_a_change_creates_a_new_dated_version_and_keeps_the_old(client_for, programme) -> None:  # type: ignore[no-untyped-def]
    client = client_for(Role.DIRECTOR)
    old = programme.versions.get()
    url = reverse("programmes:version_create", args=[programme.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "1.750" in page.content.decode()  # pre-filled from the version in force

    response = client.post(url, form_data(old, max_amount="4000.00", nominal_rate_percent="2.000"))
    assert response.status_code == 302, response.content.decode()[:3000]

    assert programme.versions.count() == 2
    new = programme.versions.get(number=2)
    assert new.max_amount == 4000 and str(new.nominal_rate_percent) == "2.000"
    assert new.valid_from == timezone.localdate() + timedelta(days=7)
    assert new.created_by == client.user
    old.refresh_from_db()
    assert old.max_amount == 3000  # untouched
    event = AuditEvent.objects.get(action="programme_version_created")
    assert event.actor == client.user
    assert event.old_values["max_amount"] == "3000.00"
    assert event.new_values["max_amount"] == "4000.00"

    history = client.get(reverse("programmes:programme_list")).content.decode()
    assert "Version 1" in history and "Version 2" in history
    assert "à venir" in history and "en vigueur" in history
    old_page = client.get(reverse("programmes:version_detail", args=[programme.pk, 1]))
    assert "3000.00" in old_page.content.decode()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"min_amount": "3500.00"},
            "Le montant maximal doit être supérieur ou égal au montant minimal",
        ),
        (
            {"min_months": "40"},
            "La durée maximale doit être supérieure ou égale à la durée minimale",
        ),
        ({"nominal_rate_percent": "-1"}, "un taux négatif n&#x27;est pas possible"),
        ({"territory_text": "99999 : 42000"}, "le code commune INSEE 99999 est inconnu"),
        ({"territory_text": "4221 : 42000"}, "n&#x27;est pas un code commune INSEE"),
        ({"territory_text": "42218 : 4200"}, "n&#x27;est pas un code postal"),
        ({"usury_text": "2026-01-01 ; 3000"}, "trois valeurs attendues"),
        ({"purposes_text": ""}, "Ce champ est obligatoire"),
        (
            {"guarantee_rate_percent": "150"},
            "Le taux de garantie doit être compris entre 0 et 100 %",
        ),
        ({"reason": ""}, "Indiquez le motif du changement"),
        ({"valid_from": "2001-01-01"}, "aujourd&#x27;hui ou à une date future"),
        (
            {
                "max_deferral_months": "6",
                "allow_interest_only_deferral": None,
                "allow_capitalised_deferral": None,
            },
            "autorisez au moins un type de différé",
        ),
    ],
)
def test_invalid_parameters_are_refused_in_french_and_nothing_is_saved(
    client_for, programme, changes, message
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(Role.DIRECTOR)
    old = programme.versions.get()
    response = client.post(
        reverse("programmes:version_create", args=[programme.pk]), form_data(old, **changes)
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert message in content, content[
        content.find("notice-error") : content.find("notice-error") + 400
    ]
    assert "pas été enregistrés" in content
    assert programme.versions.count() == 1
    assert not AuditEvent.objects.exists()


def test_a_second_version_on_the_same_date_is_refused(client_for, programme) -> None:  # type: ignore[no-untyped-def]
    client = client_for(Role.DIRECTOR)
    url = reverse("programmes:version_create", args=[programme.pk])
    old = programme.versions.get()
    assert client.post(url, form_data(old)).status_code == 302
    response = client.post(url, form_data(old, max_amount="2500.00"))
    assert "postérieure à celle de la version en vigueur" in response.content.decode()
    assert programme.versions.count() == 2


@pytest.mark.parametrize("role", [Role.REFERENT, Role.AGENT, Role.ADMIN])
def test_only_the_director_changes_parameters_others_read_them(client_for, programme, role) -> None:  # type: ignore[no-untyped-def]
    client = client_for(role)
    assert client.get(reverse("programmes:version_create", args=[programme.pk])).status_code == 403
    assert (
        client.get(reverse("programmes:version_detail", args=[programme.pk, 1])).status_code == 200
    )


def test_another_organisation_cannot_see_the_scheme(client_for, programme) -> None:  # type: ignore[no-untyped-def]
    other = Organisation.objects.create(kind="ccas", name="CCAS de Firminy", slug="ccas-firminy")
    client = client_for(Role.DIRECTOR, organisation=other)
    assert (
        client.get(reverse("programmes:version_detail", args=[programme.pk, 1])).status_code == 404
    )
    assert client.get(reverse("programmes:version_create", args=[programme.pk])).status_code == 404


def test_version_in_force_follows_the_dates(programme) -> None:  # type: ignore[no-untyped-def]
    from microcredit.programmes.selectors import version_in_force

    v1 = programme.versions.get()
    v2 = ProgrammeVersion.objects.create(
        **{
            f.name: getattr(v1, f.name)
            for f in ProgrammeVersion._meta.concrete_fields
            if f.name not in {"id", "number", "valid_from", "created_at"}
        },
        number=2,
        valid_from=date(2030, 1, 1),
    )
    assert version_in_force(programme, date(2029, 12, 31)) == v1
    assert version_in_force(programme, date(2030, 1, 1)) == v2
    assert version_in_force(programme, date(2009, 1, 1)) is None


def add_programme_with_versions(organisation: Organisation, slug: str, count: int) -> None:
    base = Programme.objects.get(slug="micro-credit-personnel").versions.get(number=1)
    programme = Programme.objects.create(organisation=organisation, name=slug, slug=slug)
    fields = [
        f.name
        for f in ProgrammeVersion._meta.concrete_fields
        if f.name not in {"id", "programme", "number", "valid_from", "created_at"}
    ]
    for number in range(1, count + 1):
        ProgrammeVersion.objects.create(
            **{name: getattr(base, name) for name in fields},
            programme=programme,
            number=number,
            valid_from=date(2020 + number, 1, 1),
        )


@pytest.mark.parametrize("url_name", ["shell:home", "programmes:programme_list"])
def test_page_queries_do_not_grow_with_schemes_and_versions(
    client_for, saint_etienne, count_queries, url_name
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(Role.DIRECTOR)
    url = reverse(url_name)
    client.get(url)  # warm caches (content types, session)
    few = count_queries(lambda: client.get(url))
    for n in range(5):
        add_programme_with_versions(saint_etienne, f"dispositif-{n}", count=3)
    many = count_queries(lambda: client.get(url))
    assert many == few
    assert "dispositif-4" in client.get(url).content.decode()
