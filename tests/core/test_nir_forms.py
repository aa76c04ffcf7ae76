"""Every free-text field of every form of the project refuses a social-security number (NIR):
the test walks every Form class under microcredit/, builds it as its views do, sends a valid
NIR in each free-text field and expects the French message on that field."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import Any

import pytest
from django import forms
from django.utils import timezone

import microcredit
from microcredit.core.forms import FreeTextGuard
from microcredit.core.validators import NIR_MESSAGE

pytestmark = pytest.mark.django_db

NIR = "1 85 03 42 218 123 64"  # key 64: valid (python-stdnum)
COMPACT_NIR = NIR.replace(" ", "")
TEXT_WITH_NIR = f"Son numéro de sécurité sociale est le {NIR}."

# (form class, field) left out of the walk, each with its reason.
ALLOWED: dict[tuple[str, str], str] = {
    # An amount typed as text (« 1 500 ») to read the French way: its to_python turns the text
    # into a number (or refuses it) before any validator; nothing of the text is kept or shown.
    ("microcredit.simulator.forms.SimulationForm", "amount"): "un montant",
    # The DPO's search of a person (another helper's privacy app, issue #17): a query, never
    # stored nor shown to anyone but who typed it, and a NIR finds nobody (none is stored).
    ("microcredit.privacy.forms.PeopleSearchForm", "q"): "une recherche",
}


def _form_classes() -> list[type[forms.BaseForm]]:
    """Every form class defined in a module of the project (views, admin and forms modules)."""
    found: dict[str, type[forms.BaseForm]] = {}
    for module_info in pkgutil.walk_packages(microcredit.__path__, "microcredit."):
        name = module_info.name
        if ".migrations" in name or ".management" in name:
            continue
        module = importlib.import_module(name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(cls, forms.BaseForm)
                and cls.__module__ == name
                and cls is not FreeTextGuard
            ):
                found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return [found[key] for key in sorted(found)]


def _is_free_text(field: forms.Field) -> bool:
    """The test's own reading of « free text »: a line or a text area where anything may be
    typed; not an e-mail, a URL, a slug, a UUID, an IP address, a password, a choice or a date."""
    formatted = (
        forms.EmailField,
        forms.URLField,
        forms.SlugField,
        forms.UUIDField,
        forms.GenericIPAddressField,
    )
    if isinstance(field, formatted) or isinstance(field.widget, forms.PasswordInput):
        return False
    return isinstance(field, forms.CharField) or isinstance(field.widget, forms.Textarea)


@pytest.fixture
def form_kwargs(saint_etienne) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """What the views pass to the forms that need more than their data."""
    from microcredit.budgets.forms import APPLICANT_KEY, FormPerson
    from microcredit.programmes.models import Programme, ProgrammeVersion
    from microcredit.simulator.selectors import public_scheme_of

    today = timezone.localdate()
    return {
        "organisation_id": saint_etienne.pk,
        "session_id": None,
        "today": today,
        "version": ProgrammeVersion.objects.filter(programme__organisation=saint_etienne).latest(
            "valid_from"
        ),
        "scheme": public_scheme_of(saint_etienne, today),
        "persons": [FormPerson(APPLICANT_KEY, "Aurélie (demandeur)", None, "Aurélie")],
        "kinds": {"identity": "Pièce d'identité"},
        "programmes": Programme.objects.filter(organisation=saint_etienne),
        "buckets": [],
        "years": [today.year],
        "names": True,
        "base": None,
        "all_scopes": True,  # api.forms: a bank's tokens (#18)
        "accounts": [],
    }


def _build(cls: type[forms.BaseForm], kwargs: dict[str, Any], data: Any = None) -> Any:
    wanted = {
        name
        for klass in cls.__mro__
        if "__init__" in vars(klass) and klass.__module__.startswith("microcredit.")
        for name, parameter in inspect.signature(vars(klass)["__init__"]).parameters.items()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY
    }
    return cls(data=data, **{name: kwargs[name] for name in wanted})


def test_the_walk_finds_the_forms_of_every_app() -> None:
    names = {f"{cls.__module__}.{cls.__name__}" for cls in _form_classes()}
    for expected in (
        "microcredit.budgets.forms.OpinionForm",
        "microcredit.dossiers.forms.DossierForm",
        "microcredit.followup.forms.NoteForm",
        "microcredit.simulator.forms.ContactRequestForm",
        "microcredit.servicing.forms.plans.PlanDecisionForm",
        "microcredit.applicants.forms.ApplicantForm",
    ):
        assert expected in names
    assert len(names) >= 40


def test_every_free_text_field_of_every_form_refuses_a_nir(form_kwargs) -> None:  # type: ignore[no-untyped-def]
    checked: list[str] = []
    failures: list[str] = []
    for cls in _form_classes():
        key = f"{cls.__module__}.{cls.__qualname__}"
        blank = _build(cls, form_kwargs)
        fields = {
            name: field
            for name, field in blank.fields.items()
            if _is_free_text(field)
            and (key, name) not in ALLOWED
            # A field shorter than a NIR cannot hold one: its length refuses it already.
            and (getattr(field, "max_length", None) or 1000) >= len(COMPACT_NIR)
        }
        if not fields:
            continue
        if not issubclass(cls, FreeTextGuard):
            failures.append(f"{key} is not built on core.forms.FreeTextGuard")
        data = {
            blank.add_prefix(name): TEXT_WITH_NIR
            if (field.max_length or 1000) >= len(TEXT_WITH_NIR)
            else COMPACT_NIR
            for name, field in fields.items()
        }
        form = _build(cls, form_kwargs, data=data)
        assert not form.is_valid(), key
        for name in fields:
            if str(NIR_MESSAGE) not in form.errors.get(name, []):
                failures.append(f"{key}.{name}: {form.errors.get(name)}")
            checked.append(f"{key}.{name}")
    assert not failures, "\n".join(failures)
    # The walk reached the free texts of the issue (and the fields a form adds in __init__).
    for expected in (
        "microcredit.budgets.forms.OpinionForm.reason",
        "microcredit.dossiers.forms.DossierForm.project_description",
        "microcredit.followup.forms.NoteForm.body",
        "microcredit.commissions.forms.DecisionForm.reason",
        "microcredit.simulator.forms.ContactRequestForm.message",
        "microcredit.reporting.forms_whatif.WhatIfForm.territory",
    ):
        assert expected in checked, expected
    assert len(checked) >= 50, len(checked)


def test_the_allow_list_names_real_fields(form_kwargs) -> None:  # type: ignore[no-untyped-def]
    """An exception left behind by a renamed field would hide nothing: it must still exist."""
    classes = {f"{cls.__module__}.{cls.__qualname__}": cls for cls in _form_classes()}
    for key, name in ALLOWED:
        assert name in _build(classes[key], form_kwargs).fields, (key, name)


def test_the_simulators_amount_keeps_no_text(form_kwargs) -> None:  # type: ignore[no-untyped-def]
    """The one free-looking field let through: a NIR typed there is refused or becomes a number."""
    from microcredit.simulator.forms import SimulationForm

    field = _build(SimulationForm, form_kwargs).fields["amount"]
    with pytest.raises(forms.ValidationError):
        field.clean(NIR)
    assert not isinstance(field.clean(COMPACT_NIR), str)
