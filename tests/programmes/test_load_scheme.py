"""`microcredit load_scheme <name>`: a new installation gets a CCAS's scheme from a command, not
from the migrations; a second run changes nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from importlib import import_module
from io import StringIO

import pytest
from django.apps import apps as django_apps
from django.core.management import CommandError, call_command
from django.db.migrations import RunPython
from django.forms.models import model_to_dict

from microcredit.organisations.models import Organisation, Partnership
from microcredit.programmes.models import Programme, ProgrammeVersion

pytestmark = pytest.mark.django_db

SCHEME_MODELS = (ProgrammeVersion, Programme, Partnership, Organisation)


def load(name: str) -> str:
    out = StringIO()
    call_command("load_scheme", name, stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, list[dict[str, object]]]:
    return {
        model.__name__: [model_to_dict(row) for row in model.objects.order_by("pk")]
        for model in SCHEME_MODELS
    }


@pytest.fixture
def empty_database() -> None:
    """A new installation: no organisation, no scheme."""
    for model in SCHEME_MODELS:
        model.objects.all().delete()


@pytest.mark.usefixtures("empty_database")
def test_the_command_creates_the_saint_etienne_scheme() -> None:
    out = load("saint-etienne")

    assert "Dispositif « saint-etienne » chargé" in out
    ccas = Organisation.objects.get(slug="ccas-saint-etienne")
    bank = Organisation.objects.get(slug="parcours-confiance")
    assert (ccas.kind, ccas.name, ccas.theme_colour) == ("ccas", "CCAS de Saint-Étienne", "#1e40af")
    assert (bank.kind, bank.name) == ("bank", "Association Parcours Confiance")
    assert Partnership.objects.get(ccas=ccas, partner=bank).since == date(2010, 2, 12)
    programme = Programme.objects.get(organisation=ccas, slug="micro-credit-personnel")
    assert programme.bank_partner == bank
    version = ProgrammeVersion.objects.get(programme=programme)
    assert version.number == 1
    assert (version.min_amount, version.max_amount) == (Decimal("300.00"), Decimal("3000.00"))
    assert version.nominal_rate_percent == Decimal("1.750")
    assert len(version.required_documents) == 8
    assert len(version.reorientation_schemes) == 6


def test_a_second_run_changes_nothing() -> None:
    before = snapshot()

    out = load("saint-etienne")

    assert out == "Dispositif « saint-etienne » déjà chargé : rien n'a changé.\n"
    assert snapshot() == before


@pytest.mark.usefixtures("empty_database")
def test_an_unknown_scheme_is_refused_in_french_and_creates_nothing() -> None:
    with pytest.raises(CommandError) as refused:
        load("lyon")

    assert str(refused.value) == (
        "Dispositif inconnu : « lyon ». Dispositifs disponibles : saint-etienne."
    )
    assert not Organisation.objects.exists()


@pytest.mark.parametrize("migration", ["0002_saint_etienne_scheme", "0003_required_documents"])
def test_the_old_data_migrations_create_nothing_on_a_new_database(migration: str) -> None:
    """0002 is a no-op; 0003 only completes a first version that an old 0002 created."""
    ProgrammeVersion.objects.all().delete()
    Programme.objects.all().delete()
    Partnership.objects.all().delete()
    Organisation.objects.all().delete()
    operations = import_module(
        f"microcredit.programmes.migrations.{migration}"
    ).Migration.operations
    for operation in operations:
        if isinstance(operation, RunPython):
            operation.code(django_apps, None)
    assert not Organisation.objects.exists()
    assert not Programme.objects.exists()
    assert not ProgrammeVersion.objects.exists()
