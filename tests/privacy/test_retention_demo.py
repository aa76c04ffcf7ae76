"""Acceptance (issue #17): the retention job on the demo, 3 years ahead. No name, address, phone,
e-mail or birth date of a person whose dossiers are all closed remains in any table's text or in
any stored file; the bilan of the demo's period is the same; open dossiers' people untouched;
a dry run changes nothing; a second run does nothing."""

from __future__ import annotations

import io
import json
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import models
from django.forms.models import model_to_dict
from django.utils import timezone
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from microcredit.applicants.models import Applicant, HouseholdMember
from microcredit.budgets.models import BudgetPerson
from microcredit.core.backup import stored_names
from microcredit.core.models import AuditEvent
from microcredit.documents.models import Document
from microcredit.dossiers.models import Dossier
from microcredit.dossiers.workflow import FINAL_STATES
from microcredit.letters.models import Letter
from microcredit.privacy.rules import date_forms, fold
from microcredit.reporting.rules import Period
from microcredit.reporting.selectors import bilan

pytestmark = pytest.mark.django_db


def _closed_and_open() -> tuple[list[Applicant], list[Applicant]]:
    closed, still_open = [], []
    for applicant in Applicant.objects.prefetch_related("dossiers"):
        states = {d.state for d in applicant.dossiers.all()}
        if states and states <= FINAL_STATES:
            closed.append(applicant)
        elif states:
            still_open.append(applicant)
    return closed, still_open


def _person_strings(applicant: Applicant) -> dict[str, list[str]]:
    """The person's identifying strings (folded) and their birth dates' written forms."""
    names = [applicant.last_name, applicant.first_name]
    names += list(applicant.members.values_list("first_name", flat=True))
    contacts = [applicant.address, applicant.phone, applicant.email]
    births = [applicant.birth_date, *applicant.members.values_list("birth_date", flat=True)]
    return {
        "names": [fold(n) for n in names if len(n) >= 3],
        "contacts": [fold(c) for c in contacts if c],
        "dates": [fold(f) for b in births for f in date_forms(b)],
    }


def _all_texts() -> list[tuple[str, str]]:
    """(where, text) for every text column of every model and every stored file."""
    found: list[tuple[str, str]] = []
    for model in apps.get_models():
        fields = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
        ]
        if not fields:
            continue
        for row in model._default_manager.values("pk", *fields):
            for name in fields:
                value = row[name]
                if value in (None, "", {}, []):
                    continue
                text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                found.append((f"{model._meta.label}.{name}#{row['pk']}", text))
    for name in stored_names(default_storage):
        with default_storage.open(name, "rb") as handle:
            content = handle.read()
        text = content.decode("utf-8", errors="replace")
        if content.startswith(b"%PDF"):
            try:
                pages = PdfReader(io.BytesIO(content)).pages
                text += "\n".join(page.extract_text() or "" for page in pages)
            except PdfReadError:  # a test's minimal PDF without a cross-reference table
                pass
        found.append((f"file:{name}", text))
    return found


def _word(needle: str, haystack: str) -> bool:
    return re.search(rf"(?<![\w]){re.escape(needle)}(?![\w])", haystack) is not None


def _leaks(people: dict[int, dict[str, list[str]]], kept: str) -> list[tuple[int, str, str, str]]:
    leaks = []
    texts = [(where, fold(text)) for where, text in _all_texts()]
    for pk, strings in people.items():
        for kind, needles in strings.items():
            for needle in needles:
                if kind == "names" and _word(needle, kept):
                    continue
                for where, text in texts:
                    found = _word(needle, text) if kind == "names" else needle in text
                    if found:
                        leaks.append((pk, kind, needle, where))
    return leaks


def _snapshot(applicants: list[Applicant]) -> dict[int, Any]:
    return {
        a.pk: (
            model_to_dict(Applicant.objects.get(pk=a.pk)),
            sorted(
                (m.pk, m.first_name, m.birth_date)
                for m in HouseholdMember.objects.filter(applicant=a)
            ),
            sorted(
                (d.pk, d.state, d.project_description, d.payee_name)
                for d in Dossier.objects.filter(applicant=a)
            ),
            sorted(
                (p.pk, p.first_name, p.birth_date)
                for p in BudgetPerson.objects.filter(budget__dossier__applicant=a)
            ),
        )
        for a in applicants
    }


def _bilans() -> list[Any]:
    org_ids = list(Dossier.objects.values_list("organisation_id", flat=True).distinct())
    first = min(Dossier.objects.values_list("application_date", flat=True))
    today = timezone.localdate()
    periods = [Period(first, today)]
    periods += [Period(date(y, 1, 1), date(y, 12, 31)) for y in range(first.year, today.year + 1)]
    return [bilan(organisation_ids=org_ids, period=p) for p in periods]


def test_retention_three_years_ahead_leaves_nothing_of_closed_dossiers_people(
    settings: Any, tmp_path: Path
) -> None:
    # A storage of its own: the files other tests of this process left (an earlier demo's
    # letters, rolled back in the database but not on disk) are not this database's.
    settings.MEDIA_ROOT = str(tmp_path / "uploads")
    call_command("load_demo", stdout=io.StringIO())
    closed, still_open = _closed_and_open()
    assert closed and still_open  # the demo has both
    people = {a.pk: _person_strings(a) for a in closed}
    # A string that also belongs to someone kept (a person with an open dossier, a user, an
    # organisation) may rightly remain: it is not searched.
    kept = " ".join(
        fold(t)
        for a in still_open
        for t in (a.last_name, a.first_name, a.address, a.phone, a.email)
    )
    kept += " ".join(
        fold(f"{u.first_name} {u.last_name} {u.username}")
        for u in apps.get_model("accounts", "User").objects.all()
    )
    before = _bilans()
    kept_rows = _snapshot(still_open)
    closed_ids = [a.pk for a in closed]
    closed_files = [
        f.name or ""
        for f in [d.file for d in Document.objects.filter(dossier__applicant__in=closed_ids)]
        + [x.file for x in Letter.objects.filter(dossier__applicant__in=closed_ids)]
    ]
    assert closed_files and all(default_storage.exists(name) for name in closed_files)
    as_of = (timezone.localdate() + timedelta(days=3 * 366)).isoformat()

    # The search finds the people's data before: it can fail.
    found_before = _leaks(people, kept)
    assert {pk for pk, *_rest in found_before} == set(people)
    assert {kind for _pk, kind, *_rest in found_before} == {"names", "contacts", "dates"}

    closed_rows = _snapshot(closed)
    logs = (
        AuditEvent.objects.count(),
        sorted(AuditEvent.objects.values_list("pk", "old_values", "new_values", "reason")),
    )
    dry = io.StringIO()
    call_command("retention", "--as-of", as_of, "--dry-run", stdout=dry)
    assert f"{len(closed)} personnes à anonymiser" in dry.getvalue()
    assert "rien n'a été anonymisé" in dry.getvalue()
    assert Applicant.objects.filter(anonymised_at__isnull=False).count() == 0
    assert _snapshot(closed) == closed_rows
    assert (
        AuditEvent.objects.count(),
        sorted(AuditEvent.objects.values_list("pk", "old_values", "new_values", "reason")),
    ) == logs
    assert all(default_storage.exists(name) for name in closed_files)

    out = io.StringIO()
    call_command("retention", "--as-of", as_of, stdout=out)
    assert f"{len(closed)} personnes anonymisées" in out.getvalue()
    for applicant in closed:
        for number in applicant.dossiers.values_list("number", flat=True):
            assert number in out.getvalue()

    assert _leaks(people, kept) == []
    for applicant in closed:
        after = Applicant.objects.get(pk=applicant.pk)
        assert after.birth_date != applicant.birth_date
        assert after.anonymised_at is not None and after.search_name == ""
    assert AuditEvent.objects.filter(action="anonymisation").count() == len(closed)
    assert _bilans() == before
    assert _snapshot(still_open) == kept_rows
    assert not any(default_storage.exists(name) for name in closed_files)

    again = io.StringIO()
    call_command("retention", "--as-of", as_of, stdout=again)
    assert "0 personne à anonymiser" in again.getvalue()
    assert AuditEvent.objects.filter(action="anonymisation").count() == len(closed)
