"""The retention rules and command (issue #17): who is due, the fictitious birth date, the
command's report, --dry-run, --organisation, a bad date, a second run."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from microcredit.accounts.enums import Role
from microcredit.api.models import IdempotencyRecord
from microcredit.applicants.models import Applicant
from microcredit.core.enums import AccessAction, AuditAction
from microcredit.core.models import AuditEvent
from microcredit.core.services import access_log_create, audit_event_create
from microcredit.dossiers.enums import DossierState
from microcredit.followup.models import Note
from microcredit.privacy import rules
from microcredit.privacy.selectors import people_due
from microcredit.privacy.services import anonymise
from microcredit.programmes.models import ProgrammeVersion
from tests.factories import make_applicant, make_dossier

# --- Pure rules ------------------------------------------------------------------------------


def test_add_months_keeps_the_day_or_takes_the_month_s_last() -> None:
    assert rules.add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert rules.add_months(date(2024, 11, 15), 24) == date(2026, 11, 15)
    assert rules.is_due(date(2024, 11, 15), 24, date(2026, 11, 15))
    assert not rules.is_due(date(2024, 11, 15), 24, date(2026, 11, 14))


@pytest.mark.parametrize(
    ("birth", "dates"),
    [
        (date(1985, 3, 14), [date(2025, 6, 1), date(2026, 1, 10)]),
        (date(1985, 3, 14), [date(2025, 3, 14)]),  # the upper bound is the birthday itself
        (date(2001, 1, 1), []),
        (date(1990, 7, 20), [date(2026, 7, 19), date(2026, 7, 21)]),
    ],
)
def test_the_fictitious_birth_date_keeps_the_ages_and_is_never_the_real_one(
    birth: date, dates: list[date]
) -> None:
    fictitious = rules.fictitious_birth_date(birth, dates)
    assert fictitious != birth
    for day in dates:
        assert rules.completed_years(fictitious, day) == rules.completed_years(birth, day)


def test_scrub_replaces_personal_keys_and_texts_holding_the_person_s_strings() -> None:
    strings = rules.identifying_strings(
        names=["Lefèvre", "Jo"], contacts=["06 12 34 56 78"], birth_dates=[date(1985, 3, 14)]
    )
    values = {
        "first_name": "Jo",
        "state": "closed",
        "note": {"text": "Appeler LEFEVRE le 14/03/1985"},
        "amount": "1200.00",
    }
    assert rules.scrub(values, strings) == {
        "first_name": rules.SCRUBBED,
        "state": "closed",
        "note": {"text": rules.SCRUBBED},
        "amount": "1200.00",
    }
    # Not about the person: only the texts holding their strings go.
    assert rules.scrub({"first_name": "Jo", "x": "Lefèvre"}, strings, by_key=False) == {
        "first_name": "Jo",
        "x": rules.SCRUBBED,
    }


# --- Who is due, the command ------------------------------------------------------------------


def _closed_long_ago(creator: Any, **overrides: Any) -> Any:
    today = timezone.localdate()
    return make_dossier(
        created_by=creator,
        state=DossierState.CLOSED,
        application_date=today - timedelta(days=400),
        **overrides,
    )


@pytest.mark.django_db
def test_due_needs_every_dossier_closed_and_the_retention_run_out(make_user: Any) -> None:
    agent = make_user(Role.AGENT)
    today = timezone.localdate()
    closed = _closed_long_ago(agent)
    with_open = _closed_long_ago(agent)
    make_dossier(created_by=agent, applicant=with_open.applicant, state=DossierState.INSTRUCTION)
    recent = _closed_long_ago(agent)
    Note.objects.create(dossier=recent, author=agent, body="Rappel", visibility="ccas")
    Note.objects.filter(dossier=recent).update(created_at=timezone.now() + timedelta(days=200))

    as_of = today + timedelta(days=400 + 1)  # 24 months after 400 days ago ≈ 330 days ahead
    due = {p.applicant_id: p for p in people_due(as_of)}

    assert closed.applicant_id in due and with_open.applicant_id not in due
    assert recent.applicant_id not in due  # its last contact (the note) is 200 days ahead
    assert due[closed.applicant_id].dossier_numbers == (closed.number,)
    assert due[closed.applicant_id].last_contact == closed.application_date
    # A longer retention in the parameters in force: nobody is due yet.
    ProgrammeVersion.objects.update(retention_months=60)
    assert people_due(as_of) == []


@pytest.mark.django_db
def test_the_command_reports_then_anonymises_once(make_user: Any) -> None:
    agent = make_user(Role.AGENT)
    dossier = _closed_long_ago(agent)
    as_of = (timezone.localdate() + timedelta(days=800)).isoformat()

    dry = io.StringIO()
    call_command("retention", "--as-of", as_of, "--dry-run", stdout=dry)
    assert "1 personne à anonymiser" in dry.getvalue() and dossier.number in dry.getvalue()
    assert Applicant.objects.get(pk=dossier.applicant_id).anonymised_at is None

    out = io.StringIO()
    call_command("retention", "--as-of", as_of, "--organisation", "ccas-saint-etienne", stdout=out)
    assert "1 personne anonymisée." in out.getvalue()
    assert Applicant.objects.get(pk=dossier.applicant_id).anonymised_at is not None
    event = AuditEvent.objects.get(action="anonymisation")
    assert event.actor_id is None and event.object_id == str(dossier.applicant_id)

    again = io.StringIO()
    call_command("retention", "--as-of", as_of, stdout=again)
    assert "0 personne à anonymiser" in again.getvalue()
    assert AuditEvent.objects.filter(action="anonymisation").count() == 1


def test_a_bad_date_is_refused_in_french_with_exit_status_2() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "microcredit.cli", "retention", "--as-of", "2026-13-45"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
    )
    assert result.returncode == 2, result.stderr
    assert "Date invalide : « 2026-13-45 »" in result.stderr


@pytest.mark.django_db
def test_other_rows_of_the_logs_lose_the_person_s_values_only(
    make_user: Any, saint_etienne: Any
) -> None:
    agent = make_user(Role.AGENT)
    applicant = make_applicant(
        organisation=saint_etienne,
        created_by=agent,
        first_name="Hélène",
        last_name="Lefèvre",
        birth_date=date(1985, 3, 14),
    )
    dossier = _closed_long_ago(agent, applicant=applicant)
    other = audit_event_create(
        actor=agent,
        action=AuditAction.ORGANISATION_ONBOARDED,
        obj=saint_etienne,
        reason="Appel de Hélène au sujet du dossier",
        new_values={"remarque": "née le 14/03/1985", "director": "Martin"},
    )
    search = access_log_create(user=agent, action=AccessAction.DOSSIER_LIST, detail="q=lefèvre")
    unrelated = access_log_create(user=agent, action=AccessAction.DOSSIER_LIST, detail="q=durand")

    assert anonymise(applicant.pk, actor=None, reason="test")

    other.refresh_from_db()
    assert other.reason == ""
    assert other.new_values == {"remarque": rules.SCRUBBED, "director": "Martin"}
    search.refresh_from_db()
    unrelated.refresh_from_db()
    assert (search.detail, unrelated.detail) == ("", "q=durand")
    assert not anonymise(applicant.pk, actor=None, reason="again")  # nothing left to do
    dossier.refresh_from_db()
    assert dossier.project_description == ""


@pytest.mark.django_db
def test_the_api_s_stored_answers_about_their_dossiers_go(make_user: Any) -> None:
    """The first answers kept for the bank's retries (#18) show the dossier with the person's
    name: anonymisation deletes those of their dossiers, and only those."""
    agent = make_user(Role.AGENT)
    dossier = _closed_long_ago(agent)
    other = _closed_long_ago(agent)
    bank = dossier.programme.bank_partner

    def stored(key: str, number: str) -> IdempotencyRecord:
        return IdempotencyRecord.objects.create(
            bank=bank,
            key=key,
            method="POST",
            path=f"/api/v1/dossiers/{number}/decision",
            request_hash="0" * 64,
            status_code=200,
            response_body=b'{"applicant": {"last_name": "Lefevre"}}',
        )

    stored("theirs", dossier.number)
    stored("prefix", dossier.number + "0")  # another number that starts with theirs
    stored("other", other.number)

    assert anonymise(dossier.applicant_id, actor=None, reason="test")

    assert sorted(IdempotencyRecord.objects.values_list("key", flat=True)) == ["other", "prefix"]
