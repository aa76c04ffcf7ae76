"""docs/rgpd/ stays true to the code.

- The retention table (docs/rgpd/conservation.md) names every field of every model that holds
  data about people, says what becomes of it, and names no field the code does not have.
- The durations it says the code applies are the code's defaults.
- Every command, model, field and setting the RGPD documents cite exists.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import get_commands
from django.db import models

from microcredit.accounts.enums import Role

ROOT = Path(__file__).resolve().parents[2]
RGPD = ROOT / "docs" / "rgpd"
DOCS = ("README.md", "aipd.md", "registre.md", "conservation.md")

# The apps whose models hold data about people: the public (applicants and their households,
# their dossiers, budgets, rights, follow-up, documents, letters, the commission's and the bank's
# decisions, loans), the staff (accounts, second factor, API tokens) and the logs. The
# organisations and the schemes' parameters describe legal entities and rules only.
INVENTORIED_APPS = (
    "applicants",
    "dossiers",
    "budgets",
    "rights",
    "followup",
    "simulator",
    "documents",
    "letters",
    "commissions",
    "banking",
    "loans",
    "servicing",
    "core",
    "accounts",
    "api",
    "otp_totp",
    "axes",
    "sessions",
    "admin",
    "django_tasks_database",
)
NOT_INVENTORIED_APPS = ("organisations", "programmes")


def _text(name: str) -> str:
    return (RGPD / name).read_text(encoding="utf-8")


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _ticked(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def _section(text: str, title: str) -> str:
    """The text of the section `## <title>…` up to the next section of the same level."""
    start = text.index(f"\n## {title}")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def _table_rows(section: str) -> list[list[str]]:
    """The body rows of the Markdown tables of `section` (header and rule lines left out)."""
    rows: list[list[str]] = []
    lines = [line for line in section.splitlines() if line.startswith("|")]
    for i, line in enumerate(lines):
        cells = _cells(line)
        if set("".join(cells)) <= set("-: "):
            continue
        if i + 1 < len(lines) and set("".join(_cells(lines[i + 1]))) <= set("-: "):
            continue  # a header
        rows.append(cells)
    return rows


def _inventory() -> list[list[str]]:
    return _table_rows(_section(_text("conservation.md"), "2. Inventaire"))


def _inventoried_fields() -> dict[str, set[str]]:
    named: dict[str, set[str]] = defaultdict(set)
    for cells in _inventory():
        (label,) = _ticked(cells[0])
        named[label].update(_ticked(cells[1]))
    return named


def _fields(model: type[models.Model]) -> set[str]:
    """The model's stored fields (a foreign key by its name), but its own automatic id."""
    return {
        field.name
        for field in model._meta.concrete_fields
        if not (field.primary_key and field.name == "id")
    }


def _models(app_label: str) -> list[type[models.Model]]:
    return list(apps.get_app_config(app_label).get_models())


def test_every_model_of_the_people_apps_is_in_the_inventory() -> None:
    named = _inventoried_fields()
    missing = [
        model._meta.label
        for app_label in INVENTORIED_APPS
        for model in _models(app_label)
        if model._meta.label not in named
    ]
    assert missing == []


def test_every_field_is_named_with_its_fate() -> None:
    named = _inventoried_fields()
    missing = {
        model._meta.label: sorted(_fields(model) - named[model._meta.label])
        for app_label in INVENTORIED_APPS
        for model in _models(app_label)
        if _fields(model) - named[model._meta.label]
    }
    assert missing == {}, "champs absents de docs/rgpd/conservation.md"


def test_no_field_is_named_that_the_code_does_not_have() -> None:
    stale: dict[str, list[str]] = {}
    for label, fields in _inventoried_fields().items():
        app_label, _, model_name = label.partition(".")
        assert app_label in INVENTORIED_APPS, label
        model = apps.get_model(app_label, model_name)
        if fields - _fields(model):
            stale[label] = sorted(fields - _fields(model))
    assert stale == {}


def test_each_field_is_named_once() -> None:
    seen: dict[tuple[str, str], int] = defaultdict(int)
    for cells in _inventory():
        (label,) = _ticked(cells[0])
        for field in _ticked(cells[1]):
            seen[label, field] += 1
    assert [key for key, count in seen.items() if count > 1] == []


def test_each_row_says_what_the_data_becomes_and_who_applies_it() -> None:
    for cells in _inventory():
        assert len(cells) == 5, cells
        data, fate, applied_by = cells[2], cells[3], cells[4]
        assert data and fate and applied_by, cells
        assert re.match(
            r"(effacé|tranche|supprimé|conservé|journal|valeurs|aucune donnée|compte|expiré)",
            fate,
        ), cells
        assert re.match(r"(code|organisation|—)", applied_by), cells


def test_the_apps_left_out_hold_no_person_but_a_staff_author() -> None:
    """The organisations and the schemes are left out of the inventory: they must hold no
    field about the public (their only link to a person is the staff member who wrote them)."""
    for app_label in NOT_INVENTORIED_APPS:
        for model in _models(app_label):
            names = _fields(model)
            assert not names & {"birth_date", "first_name", "last_name", "applicant"}, model
    assert "organisations" not in _inventoried_fields()


# The durations the code applies: the row's « Fixée par » cell -> (number, unit) from the code.
def _retention_months() -> tuple[int, str]:
    from microcredit.programmes.models import ProgrammeVersion

    return ProgrammeVersion._meta.get_field("retention_months").get_default(), "mois"


def _minutes(value: timedelta | int) -> tuple[int, str]:
    seconds = value.total_seconds() if isinstance(value, timedelta) else value
    assert seconds % 60 == 0
    return int(seconds // 60), "minutes"


CODE_DURATIONS: dict[str, Callable[[], tuple[int, str]]] = {
    "ProgrammeVersion.retention_months": _retention_months,
    "settings.SESSION_COOKIE_AGE": lambda: _minutes(settings.SESSION_COOKIE_AGE),
    "settings.AXES_COOLOFF_TIME": lambda: _minutes(settings.AXES_COOLOFF_TIME),
    "settings.MICROCREDIT_API_TOKEN_LIFETIME_DAYS": lambda: (
        settings.MICROCREDIT_API_TOKEN_LIFETIME_DAYS,
        "jours",
    ),
    "settings.MICROCREDIT_IDEMPOTENCY_DAYS": lambda: (
        settings.MICROCREDIT_IDEMPOTENCY_DAYS,
        "jours",
    ),
}


def _duration_rows() -> list[list[str]]:
    return _table_rows(_section(_text("conservation.md"), "1. Les durées"))


def test_the_durations_the_code_applies_are_the_code_defaults() -> None:
    checked = set()
    for cells in _duration_rows():
        assert len(cells) == 4, cells
        _data, duration, source, applied_by = cells
        if not applied_by.startswith("code"):
            assert applied_by.startswith("organisation"), cells
            continue
        (name,) = _ticked(source)
        assert name in CODE_DURATIONS, f"durée appliquée par le code sans vérification : {name}"
        match = re.fullmatch(r"(\d+) (mois|jours|minutes)", duration)
        assert match, cells
        assert (int(match.group(1)), match.group(2)) == CODE_DURATIONS[name](), name
        checked.add(name)
    assert checked == set(CODE_DURATIONS)


def test_the_retention_default_is_the_cnil_two_years() -> None:
    """Délibération 2023-095: the active base keeps a person 2 years after the last contact."""
    assert _retention_months() == (24, "mois")


def test_the_commands_cited_exist() -> None:
    commands = set(get_commands())
    cited = {
        match.group(1)
        for name in DOCS
        for match in re.finditer(r"`microcredit ([a-z_\-]+)", _text(name))
    }
    assert cited, "aucune commande citée"
    assert sorted(cited - commands) == []


def _model_by_name() -> dict[str, list[type[models.Model]]]:
    by_name: dict[str, list[type[models.Model]]] = defaultdict(list)
    for model in apps.get_models():
        by_name[model.__name__].append(model)
    return by_name


@pytest.mark.parametrize("name", DOCS)
def test_the_models_fields_and_settings_cited_exist(name: str) -> None:
    by_name = _model_by_name()
    labels = {model._meta.label for model in apps.get_models()}
    wrong: list[str] = []
    for token in _ticked(_text(name)):
        if m := re.fullmatch(r"settings\.([A-Z_]+)", token):
            if not hasattr(settings, m.group(1)):
                wrong.append(token)
        elif m := re.fullmatch(r"Role\.([A-Z_]+)", token):
            if not hasattr(Role, m.group(1)):
                wrong.append(token)
        elif m := re.fullmatch(r"([A-Z]\w+)\.(\w+)", token):
            candidates = by_name.get(m.group(1), [])
            if not any(m.group(2) in {f.name for f in c._meta.get_fields()} for c in candidates):
                wrong.append(token)
        elif re.fullmatch(r"[a-z_]+\.[A-Z]\w+", token) and token not in labels:
            wrong.append(token)
    assert wrong == []


def test_the_index_links_every_document() -> None:
    index = _text("README.md")
    for name in DOCS[1:]:
        assert f"({name})" in index, name
