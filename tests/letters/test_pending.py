"""The decision letters not written yet (PendingDecisionLetter, ADR 0017): queued with the
decision, gone with the letter, filled for the decisions made before the table, read in two
queries whatever their number."""

from __future__ import annotations

import importlib
from datetime import UTC, date, datetime, timedelta
from io import StringIO
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.db.models import F

from microcredit.accounts.enums import Role
from microcredit.accounts.models import User
from microcredit.demo.volume import generate_volume
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier, DossierEvent
from microcredit.dossiers.services import dossier_transition
from microcredit.letters.enums import LETTER_FOR_TRANSITION, LetterKind
from microcredit.letters.models import Letter, PendingDecisionLetter
from microcredit.letters.selectors import PendingDecision, decision_letters_pending
from microcredit.letters.writing import LetterNotWritable, letter_write
from microcredit.organisations.models import Organisation
from tests.factories import make_dossier

pytestmark = pytest.mark.django_db

fill_migration = importlib.import_module(
    "microcredit.letters.migrations.0005_pending_decision_letters_fill"
)


def pending_ids() -> set[int]:
    return set(PendingDecisionLetter.objects.values_list("event_id", flat=True))


def event_of(
    dossier: Dossier, actor: User, transition: str, at: datetime | None = None
) -> DossierEvent:
    """A move written directly (no handler: as before the table, or in bulk)."""
    event = DossierEvent.objects.create(
        dossier=dossier, actor=actor, transition=transition, to_state=dossier.state
    )
    if at is not None:
        DossierEvent.objects.filter(pk=event.pk).update(at=at)
        event.at = at
    return event


def letter_of(event: DossierEvent) -> Letter:
    return Letter.objects.create(
        dossier_id=event.dossier_id,
        event=event,
        kind=LETTER_FOR_TRANSITION[event.transition],
        file="letters/x/courrier.pdf",
        size=1,
        sha256="0" * 64,
    )


def pend(event: DossierEvent) -> PendingDecisionLetter:
    return PendingDecisionLetter.objects.create(
        event=event, organisation_id=event.dossier.organisation_id, at=event.at
    )


# --- With the decision, gone with its letter ------------------------------------------------


def test_a_decision_is_pending_in_its_transaction_until_its_task_writes_the_letter(
    director, referent, saint_etienne, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    dossier = make_dossier(
        created_by=referent, referent=referent, state=DossierState.READY_FOR_COMMITTEE
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        event = dossier_transition(
            actor=director,
            membership=director.memberships.get(),
            dossier_id=dossier.pk,
            transition="adjourn",
            reason="Le devis à jour.",
            flow="commission",
        )
    row = PendingDecisionLetter.objects.get()
    assert (row.event_id, row.organisation_id, row.at) == (event.pk, saint_etienne.pk, event.at)
    assert not Letter.objects.exists()
    for callback in callbacks:  # the commit: the task writes the letter
        callback()
    assert Letter.objects.get().event_id == event.pk
    assert not PendingDecisionLetter.objects.exists()


def test_a_move_without_a_letter_is_never_pending(
    referent, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    dossier = make_dossier(created_by=referent, referent=referent)
    with django_capture_on_commit_callbacks(execute=True):
        dossier_transition(
            actor=referent,
            membership=referent.memberships.get(),
            dossier_id=dossier.pk,
            transition="start_diagnosis",
        )
    assert dossier.events.filter(transition="start_diagnosis").exists()
    assert not PendingDecisionLetter.objects.exists()


def test_a_failed_letter_stays_pending_until_the_backfill_writes_it(
    committee_decision, broken_renderer
) -> None:  # type: ignore[no-untyped-def]
    event = committee_decision("refuse_by_committee", reason="Projet non finançable.")
    assert not Letter.objects.exists()
    assert pending_ids() == {event.pk}
    broken_renderer()
    call_command("letters_backfill", stdout=StringIO(), stderr=StringIO())
    assert Letter.objects.get().event_id == event.pk
    assert pending_ids() == set()


def test_the_letter_row_and_the_queue_row_go_together(
    committee_decision, broken_renderer, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Storing the letter fails after its row: the queue row stays (one transaction)."""
    event = committee_decision("adjourn", reason="Le devis à jour.")
    broken_renderer()

    def drop_fails(event_id: int) -> None:
        raise RuntimeError("database gone")

    monkeypatch.setattr("microcredit.letters.writing.pending_letter_drop", drop_fails)
    with pytest.raises(RuntimeError):
        letter_write(event.pk)
    assert not Letter.objects.exists()
    assert pending_ids() == {event.pk}


def test_the_task_drops_an_event_that_calls_for_no_letter(referent) -> None:  # type: ignore[no-untyped-def]
    dossier = make_dossier(created_by=referent, referent=referent)
    moved = event_of(dossier, referent, "start_diagnosis")
    pend(moved)  # a stray row: the task finds nothing to write
    assert letter_write(moved.pk) is None
    assert pending_ids() == set()


def test_the_task_drops_a_decision_with_nothing_to_report(referent, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    dossier = make_dossier(created_by=referent, referent=referent)
    closed = pend(event_of(dossier, referent, "close")).event

    def nothing(event: DossierEvent) -> bytes:
        raise LetterNotWritable("nothing to report")

    monkeypatch.setattr("microcredit.letters.writing.letter_render", nothing)
    assert letter_write(closed.pk) is None
    assert not Letter.objects.exists()
    assert pending_ids() == set()


def test_the_task_drops_a_decision_whose_letter_exists_already(referent) -> None:  # type: ignore[no-untyped-def]
    dossier = make_dossier(created_by=referent, referent=referent)
    adjourned = event_of(dossier, referent, "adjourn")
    letter_of(adjourned)
    pend(adjourned)
    assert letter_write(adjourned.pk) is None
    assert Letter.objects.count() == 1
    assert pending_ids() == set()


# --- The data migration ----------------------------------------------------------------------


def test_the_migration_queues_the_decisions_without_a_letter_only(referent, saint_etienne) -> None:  # type: ignore[no-untyped-def]
    dossier = make_dossier(created_by=referent, referent=referent)
    other = make_dossier(created_by=referent, referent=referent)
    at = datetime(2025, 3, 4, 9, 30, tzinfo=UTC)
    lacking = event_of(dossier, referent, "adjourn", at)
    lacking_too = event_of(other, referent, "disburse")
    written = event_of(dossier, referent, "refuse_by_committee")
    letter_of(written)
    event_of(dossier, referent, "start_diagnosis")  # no letter called for
    queued = event_of(other, referent, "bank_refuse")
    pend(queued)  # queued already: not twice

    fill_migration.fill(apps, SimpleNamespace(connection=connection))

    assert pending_ids() == {lacking.pk, lacking_too.pk, queued.pk}
    row = PendingDecisionLetter.objects.get(event=lacking)
    assert (row.organisation_id, row.at) == (saint_etienne.pk, at)
    fill_migration.fill(apps, SimpleNamespace(connection=connection))  # a second run: no-op
    assert PendingDecisionLetter.objects.count() == 3
    fill_migration.empty(apps, SimpleNamespace(connection=connection))
    assert not PendingDecisionLetter.objects.exists()
    assert DossierEvent.objects.count() == 5 and Letter.objects.count() == 1


def test_the_migration_s_transitions_are_the_letters_ones() -> None:
    assert set(fill_migration.TRANSITIONS) == set(LETTER_FOR_TRANSITION)


# --- The agent's queue -----------------------------------------------------------------------


def test_the_queue_is_two_queries_from_one_to_many_pending_letters(
    referent, saint_etienne, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    base = datetime(2025, 1, 6, 10, 0, tzinfo=UTC)
    dossier = make_dossier(created_by=referent, referent=referent)
    pend(event_of(dossier, referent, "adjourn", base))
    with django_assert_num_queries(2):
        rows, total = decision_letters_pending(saint_etienne.pk, 5)
    assert (len(rows), total) == (1, 1)
    for n in range(1, 30):
        more = make_dossier(created_by=referent, referent=referent)
        pend(event_of(more, referent, "bank_accept", base + timedelta(days=n)))
    with django_assert_num_queries(2):
        rows, total = decision_letters_pending(saint_etienne.pk, 5)
    assert (len(rows), total) == (5, 30)


def test_the_queue_shows_the_oldest_pending_letters_of_the_organisation_first(
    referent, make_user, saint_etienne
) -> None:  # type: ignore[no-untyped-def]
    first = make_dossier(created_by=referent, referent=referent)
    second = make_dossier(created_by=referent, referent=referent)
    same_moment = datetime(2025, 5, 2, 8, 0, tzinfo=UTC)
    # 23:30 UTC on 31 March is 1 April in Saint-Étienne.
    oldest = pend(event_of(second, referent, "disburse", datetime(2025, 3, 31, 23, 30, tzinfo=UTC)))
    tie_a = pend(event_of(first, referent, "bank_refuse", same_moment))
    tie_b = pend(event_of(second, referent, "committee_reorient", same_moment))
    newest = pend(event_of(first, referent, "close", datetime(2025, 6, 1, 9, 0, tzinfo=UTC)))
    written = event_of(first, referent, "adjourn", datetime(2025, 1, 1, 9, 0, tzinfo=UTC))
    letter_of(written)  # written: not pending (no row)
    roanne = Organisation.objects.create(kind="ccas", name="CCAS de Roanne", slug="ccas-roanne")
    elsewhere_referent = make_user(Role.REFERENT, "referent-roanne", roanne)
    elsewhere = make_dossier(
        created_by=elsewhere_referent, referent=elsewhere_referent, organisation=roanne
    )
    pend(event_of(elsewhere, elsewhere_referent, "adjourn", datetime(2024, 1, 1, tzinfo=UTC)))

    rows, total = decision_letters_pending(saint_etienne.pk, 3)

    assert total == 4
    assert rows == [
        PendingDecision(
            LetterKind.DISBURSEMENT, date(2025, 4, 1), second.pk, second.number, oldest.event_id
        ),
        PendingDecision(
            LetterKind.BANK_REFUSAL, date(2025, 5, 2), first.pk, first.number, tie_a.event_id
        ),
        PendingDecision(
            LetterKind.COMMITTEE_REORIENTATION,
            date(2025, 5, 2),
            second.pk,
            second.number,
            tie_b.event_id,
        ),
    ]
    assert tie_a.event_id < tie_b.event_id
    assert decision_letters_pending(saint_etienne.pk, 10)[0][-1].event_id == newest.event_id
    assert decision_letters_pending(roanne.pk, 5)[1] == 1


def test_an_empty_queue(saint_etienne, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    with django_assert_num_queries(2):
        assert decision_letters_pending(saint_etienne.pk, 5) == ([], 0)


# --- The volume ------------------------------------------------------------------------------


def test_the_volume_leaves_each_letter_bearing_decision_pending() -> None:
    generate_volume(dossiers=40, loans=20, today=date(2026, 3, 15), seed=7, batch_size=15)
    decisions = DossierEvent.objects.filter(transition__in=list(LETTER_FOR_TRANSITION))
    assert decisions.count() >= 20  # at least the disbursements
    assert not Letter.objects.exists()
    assert pending_ids() == set(decisions.values_list("pk", flat=True))
    assert not PendingDecisionLetter.objects.exclude(at=F("event__at")).exists()
    organisation = F("event__dossier__organisation_id")
    assert not PendingDecisionLetter.objects.exclude(organisation_id=organisation).exists()
