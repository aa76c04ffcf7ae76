"""`microcredit create_organisation`: a new CCAS, its scheme from a template, its bank partner and
its first director, in one transaction; a second run changes nothing; bad input creates nothing."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership, User
from microcredit.core.models import AuditEvent
from microcredit.organisations.models import Organisation, Partnership
from microcredit.programmes.models import Programme, ProgrammeVersion
from microcredit.programmes.schemes.saint_etienne import SCHEME
from microcredit.programmes.services import PARAMETER_FIELDS, programme_version_create
from tests.programmes.onboarding_helpers import command_args, create_organisation, onboard_firminy

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
LINK = re.compile(r"http://[^ ]+/compte/mot-de-passe/reinitialiser/[^ \n]+/")
NEW_PASSWORD = "un-tout-nouveau-mot-de-passe-solide"


def counts() -> tuple[int, ...]:
    return (
        Organisation.objects.count(),
        Partnership.objects.count(),
        Programme.objects.count(),
        ProgrammeVersion.objects.count(),
        User.objects.count(),
        Membership.objects.count(),
        AuditEvent.objects.count(),
    )


def choose_password(client: Client, link: str) -> None:
    """Follow the printed link and choose a password, as the director would."""
    path = link.removeprefix("http://127.0.0.1:8000")
    response = client.get(path)
    assert response.status_code == 302  # Django moves the token out of the URL
    form_url = response["Location"]
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302, response.content.decode()
    assert response["Location"] == reverse("accounts:password_reset_complete")


def test_the_ccas_its_scheme_partnership_and_director_are_created(bank: Organisation) -> None:
    with time_machine.travel(date(2026, 3, 16), tick=False):
        out = create_organisation(*command_args())
        today = timezone.localdate()

    firminy = Organisation.objects.get(slug="ccas-firminy")
    assert (firminy.kind, firminy.name, firminy.email, firminy.theme_colour) == (
        "ccas",
        "CCAS de Firminy",
        "contact@ccas-firminy.example.org",
        "#7c2d12",
    )
    assert Partnership.objects.filter(ccas=firminy, partner=bank, active=True).exists()

    programme = Programme.objects.get(organisation=firminy)
    assert (programme.name, programme.bank_partner) == ("Micro-crédit personnel", bank)
    version = ProgrammeVersion.objects.get(programme=programme)
    assert (version.number, version.valid_from) == (1, today)
    assert version.territory == [{"insee": "42095", "name": "Firminy", "postcodes": ["42700"]}]
    # Every other parameter is the Saint-Étienne template's.
    for name in PARAMETER_FIELDS:
        if name != "territory":
            assert getattr(version, name) == SCHEME.first_version[name], name
    assert version.max_amount == Decimal("3000.00")
    audit = AuditEvent.objects.get(action="programme_version_created", object_id=str(version.pk))
    assert audit.actor is None
    assert "à ajuster par la direction" in audit.reason
    assert audit.new_values["territory"] == version.territory
    onboarded = AuditEvent.objects.get(action="organisation_onboarded")
    assert onboarded.actor is None
    assert onboarded.new_values["slug"] == "ccas-firminy"
    assert onboarded.new_values["programme"] == version.programme_id

    director = User.objects.get(username="direction@ccas-firminy.example.org")
    assert (director.email, director.first_name, director.last_name) == (
        "direction@ccas-firminy.example.org",
        "Claire",
        "Roux",
    )
    assert not director.has_usable_password()
    membership = Membership.objects.get(user=director)
    assert (membership.organisation, membership.role, membership.active) == (
        firminy,
        Role.DIRECTOR,
        True,
    )

    assert "CCAS « CCAS de Firminy » créé (ccas-firminy)" in out
    assert "version 1 des paramètres en vigueur à partir du 16/03/2026" in out
    assert "partenariat avec « Association Parcours Confiance »" in out
    assert "Simulateur public : http://127.0.0.1:8000/simulateur/ccas-firminy/" in out
    assert "valable 3 jours" in out
    assert len(LINK.findall(out)) == 1


def test_the_director_sets_a_password_with_the_link_and_sees_only_their_scheme(
    client: Client,
) -> None:
    out = create_organisation(*command_args())
    choose_password(client, LINK.findall(out)[0])
    response = client.post(
        reverse("accounts:login"),
        {"username": "direction@ccas-firminy.example.org", "password": NEW_PASSWORD},
    )
    assert response.status_code == 302, response.content.decode()
    html = client.get(reverse("programmes:programme_list")).content.decode()
    firminy_programme = Programme.objects.get(organisation__slug="ccas-firminy")
    saint_etienne_programme = Programme.objects.get(organisation__slug="ccas-saint-etienne")
    assert reverse("programmes:version_create", args=[firminy_programme.pk]) in html
    assert reverse("programmes:version_create", args=[saint_etienne_programme.pk]) not in html
    assert (
        client.get(reverse("programmes:version_create", args=[firminy_programme.pk])).status_code
        == 200
    )
    assert (
        client.get(
            reverse("programmes:version_create", args=[saint_etienne_programme.pk])
        ).status_code
        == 404
    )
    # The link worked once: it no longer does.
    response = Client().get(LINK.findall(out)[0].removeprefix("http://127.0.0.1:8000"))
    assert response.status_code == 200
    assert "new_password1" not in response.content.decode()


def test_a_second_run_changes_nothing_and_says_so(client: Client) -> None:
    first = create_organisation(*command_args())
    before = counts()
    second = create_organisation(*command_args())
    assert counts() == before
    assert "Le CCAS « CCAS de Firminy » (ccas-firminy) existe déjà : rien n'a changé" in second
    # The director has not chosen a password yet: a new link is given.
    assert len(LINK.findall(second)) == 1
    # Even with other options: the existing CCAS is left as it is.
    third = create_organisation(*command_args(name="Autre nom", colour="#000000"))
    assert counts() == before
    assert Organisation.objects.get(slug="ccas-firminy").name == "CCAS de Firminy"
    assert "existe déjà : rien n'a changé" in third
    # Once the password is chosen, no link any more.
    choose_password(client, LINK.findall(first)[0])
    fourth = create_organisation(*command_args())
    assert "existe déjà" in fourth
    assert LINK.findall(fourth) == []


def test_the_empty_template_has_no_parameters_until_the_director_records_them(
    client: Client,
) -> None:
    out = create_organisation(*command_args(scheme_template="empty", commune=None))
    firminy = Organisation.objects.get(slug="ccas-firminy")
    programme = Programme.objects.get(organisation=firminy)
    assert not ProgrammeVersion.objects.filter(programme=programme).exists()
    assert "sans paramètres : le simulateur reste fermé" in out
    director = User.objects.get(memberships__organisation=firminy)

    # The director's form starts blank (no version to copy) and the service records version 1.
    client.force_login(director)
    response = client.get(reverse("programmes:version_create", args=[programme.pk]))
    assert response.status_code == 200
    values: dict[str, Any] = {
        name: value for name, value in SCHEME.first_version.items() if name in PARAMETER_FIELDS
    }
    values["territory"] = [{"insee": "42095", "name": "Firminy", "postcodes": ["42700"]}]
    values["max_amount"] = Decimal("2000.00")
    today = timezone.localdate()
    version = programme_version_create(
        actor=director,
        programme=programme,
        valid_from=today,
        reason="Premiers paramètres du CCAS de Firminy.",
        values=values,  # type: ignore[arg-type]
        today=today,
    )
    assert (version.number, version.max_amount) == (1, Decimal("2000.00"))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"scheme_template": "lyon"}, "Modèle de dispositif inconnu : « lyon »"),
        ({"commune": None}, "Indiquez le territoire du CCAS avec --commune"),
        ({"commune": "99999:42700"}, "le code commune INSEE 99999 est inconnu"),
        ({"commune": "42095:427"}, "« 427 » n'est pas un code postal"),
        ({"scheme_template": "empty"}, "Le modèle vide n'a pas de paramètres"),
        ({"slug": "CCAS Firminy"}, "L'identifiant « CCAS Firminy » ne convient pas"),
        ({"name": "  "}, "Indiquez le nom du CCAS"),
        ({"email": "contact-at-firminy"}, "L'adresse e-mail du CCAS (« contact-at-firminy »)"),
        ({"director_email": "claire"}, "L'adresse e-mail du directeur ou de la directrice"),
        ({"colour": "rouge"}, "Indiquez une couleur au format #RRVVBB"),
        ({"bank": "banque-inconnue"}, "Aucun partenaire bancaire n'a l'identifiant"),
        ({"bank": "ccas-saint-etienne"}, "Aucun partenaire bancaire n'a l'identifiant"),
        ({"slug": "parcours-confiance"}, "est déjà celui de « Association Parcours Confiance »"),
    ],
)
def test_bad_input_creates_nothing_and_exits_2_in_french(
    overrides: dict[str, str | None], message: str
) -> None:
    before = counts()
    with pytest.raises(CommandError) as excinfo:
        create_organisation(*command_args(**overrides))
    assert excinfo.value.returncode == 2
    assert str(excinfo.value).startswith("Erreur : rien n'a été créé.")
    assert message in str(excinfo.value)
    assert counts() == before


def test_a_director_email_already_used_creates_nothing(make_user) -> None:  # type: ignore[no-untyped-def]
    existing = make_user(Role.REFERENT, username="claire")
    before = counts()
    with pytest.raises(CommandError) as excinfo:
        create_organisation(*command_args(director_email=existing.email.upper()))
    assert excinfo.value.returncode == 2
    assert f"Un compte utilise déjà l'adresse {existing.email}" in str(excinfo.value)
    assert counts() == before


def test_every_problem_is_said_at_once() -> None:
    with pytest.raises(CommandError) as excinfo:
        create_organisation(*command_args(slug="Firminy!", email="x", bank="inconnue"))
    text = str(excinfo.value)
    assert "L'identifiant « Firminy! » ne convient pas" in text
    assert "L'adresse e-mail du CCAS" in text
    assert not Organisation.objects.filter(name="CCAS de Firminy").exists()


def test_a_failure_halfway_leaves_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """One transaction: a refusal while creating the director undoes the organisation too."""
    from microcredit.programmes import services

    def broken(*args: Any, **kwargs: Any) -> User:
        raise services.OnboardingRefused("Panne simulée.")

    monkeypatch.setattr(services, "_first_director", broken)
    before = counts()
    with pytest.raises(CommandError, match="Panne simulée"):
        onboard_firminy()
    assert counts() == before


def test_the_link_expires_after_the_reset_timeout(client: Client) -> None:
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        out = create_organisation(*command_args())
    with time_machine.travel(now + timedelta(days=3, hours=1), tick=False):
        response = client.get(LINK.findall(out)[0].removeprefix("http://127.0.0.1:8000"))
    assert response.status_code == 200
    assert "new_password1" not in response.content.decode()


CONSOLE_SCRIPT = Path(sys.executable).with_name("microcredit")


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The `microcredit` console script, in a fresh process (its module if not installed)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    command = (
        [str(CONSOLE_SCRIPT)]
        if CONSOLE_SCRIPT.exists()
        else [sys.executable, "-m", "microcredit.cli"]
    )
    return subprocess.run(  # noqa: S603 - fixed command, test arguments
        [*command, "create_organisation", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (command_args(slug="Firminy!"), "L'identifiant « Firminy! » ne convient pas"),
        (command_args(bank=None), "option obligatoire manquante : --bank"),
        ([*command_args(), "--bogus"], "option inconnue : --bogus"),
    ],
)
def test_cli_errors_exit_2_with_a_french_message_on_stderr(args: list[str], message: str) -> None:
    result = run_cli(*args)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.startswith("Erreur : ")
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert "CommandError" not in result.stderr
