"""The follow-up's letters not written yet (PendingServicingLetter, ADR 0017): queued at the
commit of the move that makes them owed (the arrears job's missed installment, the plan the
bank agrees), before their task; gone with the letter or when none is owed; filled for the plans
and alerts recorded before the table; read in two queries whatever their number, in
servicing_letters_owed's order.

The loan of `disbursed_loan` (conftest): the cheque on 15/10/2025, 100,95 € due on the 15th
from 15/11/2025."""

from __future__ import annotations

import importlib
from datetime import UTC, date, datetime, time
from decimal import Decimal
from io import StringIO
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.db import connection

from microcredit.accounts.models import User
from microcredit.demo.volume import generate_volume
from microcredit.letters.enums import LetterKind
from microcredit.letters.handlers import letter_after_servicing
from microcredit.letters.models import Letter, PendingServicingLetter
from microcredit.letters.pending import pending_servicing_fill
from microcredit.letters.selectors import Owed, servicing_letters_owed, unwritten_letters_first
from microcredit.letters.tasks import write_servicing_letter
from microcredit.letters.writing import servicing_letter_write
from microcredit.loans.models import Loan, Repayment, ScheduleVersion
from microcredit.organisations.models import Organisation
from microcredit.servicing.enums import AlertKind, PlanMode, PlanState
from microcredit.servicing.models import Alert, RepaymentPlan
from microcredit.servicing.services.arrears import arrears_run
from microcredit.servicing.services.plans import plan_decide, plan_propose
from tests.factories import make_loan, membership_of
from tests.letters.conftest import PARIS, at

pytestmark = pytest.mark.django_db

fill_migration = importlib.import_module(
    "microcredit.letters.migrations.0007_pending_servicing_letters_fill"
)

MISSED = LetterKind.MISSED_INSTALLMENT
PLAN = LetterKind.REPAYMENT_PLAN


def pending() -> list[tuple[Any, ...]]:
    """Every queued row, all its columns, in a stable order."""
    return list(
        PendingServicingLetter.objects.order_by("loan_id", "kind", "key").values_list(
            "loan_id", "kind", "key", "organisation_id", "on", "decided_at", "first"
        )
    )


def key_letters(loan: Loan) -> list[Letter]:
    return list(Letter.objects.filter(dossier_id=loan.dossier_id, event__isnull=True))


def letter_of(loan: Loan, kind: str, key: str) -> Letter:
    return Letter.objects.create(
        dossier_id=loan.dossier_id,
        kind=kind,
        key=key,
        file="letters/x/courrier.pdf",
        size=1,
        sha256="0" * 64,
    )


def alert(loan: Loan, recipient: User, key: str, as_of: date, kind: str = MISSED) -> Alert:
    """An alert written directly (no job: as before the table, or in bulk)."""
    return Alert.objects.create(
        loan=loan, kind=kind, key=key, recipient=recipient, as_of=as_of, days_past_due=5
    )


def plan(loan: Loan, referent: User, state: str, decided_at: datetime | None) -> RepaymentPlan:
    """A plan written directly; agreed (kept, broken) ones with the next schedule version."""
    version = None
    if state in (PlanState.AGREED, PlanState.KEPT, PlanState.BROKEN):
        version = ScheduleVersion.objects.create(
            loan=loan,
            number=loan.schedule_versions.count() + 1,
            reason="Plan de reprise",
            installment=Decimal("150.00"),
            created_by=referent,
        )
    return RepaymentPlan.objects.create(
        loan=loan,
        state=state,
        as_of=date(2025, 3, 1),
        months=3,
        mode=PlanMode.ON_TOP,
        overdue_amount=Decimal("100.95"),
        proposed_by=referent,
        decided_at=decided_at,
        decided_by=referent if decided_at else None,
        schedule_version=version,
    )


def pend(loan: Loan, kind: str, key: str, on: date) -> PendingServicingLetter:
    return PendingServicingLetter.objects.create(
        loan=loan, kind=kind, key=key, organisation_id=loan.organisation_id, on=on
    )


@pytest.fixture
def enqueued(monkeypatch) -> list[tuple[Any, ...]]:  # type: ignore[no-untyped-def]
    """The letters' tasks enqueued after the commit, each with the queue as it found it; the
    task not run (the letter stays pending)."""
    calls: list[tuple[Any, ...]] = []

    def enqueue(loan_id: int, kind: str, key: str) -> None:
        calls.append((loan_id, kind, key, pending()))

    monkeypatch.setattr(
        "microcredit.letters.handlers.write_servicing_letter", SimpleNamespace(enqueue=enqueue)
    )
    return calls


def queue_through_the_hook(loan: Loan, kind: str, key: str, capture) -> None:  # type: ignore[no-untyped-def]
    """servicing.hooks.letter_due's handler in the move's transaction, then its commit (with
    `enqueued`, the letter's task is not run)."""
    with capture(execute=True):
        letter_after_servicing(loan, kind, key)


# --- Queued at the move's commit, gone with its letter ---------------------------------------


def test_the_arrears_job_s_missed_installment_is_queued_at_its_commit_until_written(
    disbursed_loan, saint_etienne, django_capture_on_commit_callbacks, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    loan = disbursed_loan
    with (
        time_machine.travel(at(date(2025, 11, 17)), tick=False),
        django_capture_on_commit_callbacks(execute=False) as callbacks,
    ):
        arrears_run(as_of=date(2025, 11, 17))
    # Raised to the référent and the adviser: one letter; nothing queued before the commit
    # (the batch's queries do not grow with its letters).
    assert Alert.objects.filter(loan=loan, kind=AlertKind.MISSED_INSTALLMENT).count() == 2
    assert pending() == []
    task = write_servicing_letter
    seen: list[list[tuple[Any, ...]]] = []

    def enqueue(*args: Any) -> None:  # the task finds its letter queued, and writes it
        seen.append(pending())
        task.enqueue(*args)

    monkeypatch.setattr(
        "microcredit.letters.handlers.write_servicing_letter", SimpleNamespace(enqueue=enqueue)
    )
    with time_machine.travel(at(date(2025, 11, 17)), tick=False):
        for callback in callbacks:  # the commit
            callback()
    # Due on 15/11, first alert on 17/11.
    due, first = date(2025, 11, 15), date(2025, 11, 17)
    assert seen == [[(loan.pk, MISSED, "2025-11-15", saint_etienne.pk, due, None, first)]]
    assert [(x.kind, x.key) for x in key_letters(loan)] == [(MISSED, "2025-11-15")]
    assert pending() == []
    # The next night: the alert is raised already, nothing is owed again.
    with (
        time_machine.travel(at(date(2025, 11, 18)), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        arrears_run(as_of=date(2025, 11, 18))
    assert pending() == []


def test_a_missed_installment_stays_queued_while_its_task_has_not_run(
    disbursed_loan, saint_etienne, enqueued, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    loan = disbursed_loan
    with (
        time_machine.travel(at(date(2025, 11, 17)), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        arrears_run(as_of=date(2025, 11, 17))
    assert len(enqueued) == 1 and key_letters(loan) == []
    due = date(2025, 11, 15)
    owed = Owed(loan.pk, loan.dossier_id, loan.dossier.number, MISSED, "2025-11-15", due)
    assert unwritten_letters_first(saint_etienne.pk, 5) == ([owed], 1)


def test_the_hook_makes_no_query_in_the_move_s_transaction(
    disbursed_loan,
    referent,
    enqueued,
    django_capture_on_commit_callbacks,
    django_assert_num_queries,
) -> None:  # type: ignore[no-untyped-def]
    loan = disbursed_loan
    alert(loan, referent, "2025-11-15", date(2025, 11, 17))
    with (
        django_capture_on_commit_callbacks(execute=False) as callbacks,
        django_assert_num_queries(0),
    ):
        letter_after_servicing(loan, MISSED, "2025-11-15")
    queue, task = callbacks
    with django_assert_num_queries(1):  # at the commit, one INSERT … SELECT
        queue()
    assert len(pending()) == 1
    task()
    assert len(enqueued) == 1


def test_the_plan_the_bank_agrees_is_queued_at_its_commit_until_its_task_writes_the_letter(
    disbursed_loan, referent, adviser, saint_etienne, enqueued, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    loan = disbursed_loan
    with time_machine.travel(at(date(2025, 11, 20)), tick=False):
        proposed = plan_propose(
            actor=referent,
            membership=membership_of(referent),
            loan_id=loan.pk,
            months=3,
            mode=PlanMode.ON_TOP,
            note="Accord au rendez-vous.",
            today=date(2025, 11, 20),
        )
    assert pending() == []  # proposed: no letter yet
    # Agreed at 23:30 UTC on 21/11: 22/11 in Saint-Étienne, the day the letters' pages show.
    agreed_at = datetime(2025, 11, 21, 23, 30, tzinfo=UTC)
    with (
        time_machine.travel(agreed_at, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        plan_decide(
            actor=adviser,
            membership=membership_of(adviser),
            plan_id=proposed.pk,
            agree=True,
            reason="",
            today=date(2025, 11, 22),
        )
    key = str(proposed.pk)
    row = (loan.pk, PLAN, key, saint_etienne.pk, date(2025, 11, 22), agreed_at, None)
    assert enqueued == [(loan.pk, PLAN, key, [row])]  # queued, then its task enqueued
    assert [(o.kind, o.key, o.on) for o in servicing_letters_owed(unwritten=True)] == [
        (PLAN, key, date(2025, 11, 22))
    ]
    with time_machine.travel(agreed_at, tick=False):  # the task runs
        assert servicing_letter_write(loan.pk, PLAN, key) is not None
    assert [(x.kind, x.key) for x in key_letters(loan)] == [(PLAN, key)]
    assert pending() == []


def test_the_hook_queues_a_letter_once_and_only_when_it_is_owed(
    disbursed_loan, referent, adviser, enqueued, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    loan = disbursed_loan
    alert(loan, referent, "2025-11-15", date(2025, 11, 18))
    alert(loan, adviser, "2025-11-15", date(2025, 11, 17))
    alert(loan, referent, "30", date(2025, 12, 15), kind=AlertKind.BUCKET_ENTERED)
    alert(loan, referent, "2025-12-15", date(2025, 12, 16))
    letter_of(loan, MISSED, "2025-12-15")  # written already
    proposed = plan(loan, referent, PlanState.PROPOSED, None)
    refused = plan(loan, referent, PlanState.REFUSED, at(date(2025, 11, 25)))
    capture = django_capture_on_commit_callbacks
    for _ in range(2):  # a second call (a replay) changes nothing
        queue_through_the_hook(loan, MISSED, "2025-11-15", capture)
    for kind, key in [
        (MISSED, "2025-12-15"),  # its letter is written
        (MISSED, "2026-01-15"),  # no alert raised
        (AlertKind.BUCKET_ENTERED, "30"),  # not a letter
        (PLAN, str(proposed.pk)),  # not agreed
        (PLAN, str(refused.pk)),
        (PLAN, "999999"),
        (PLAN, "x"),
    ]:
        queue_through_the_hook(loan, kind, key, capture)
    # The first alert's day (17/11, the adviser's), whatever the recipient.
    due, first = date(2025, 11, 15), date(2025, 11, 17)
    assert pending() == [(loan.pk, MISSED, "2025-11-15", loan.organisation_id, due, None, first)]
    assert len(enqueued) == 9  # the task decides what it writes


def test_a_failed_letter_stays_queued_until_the_backfill_writes_it(
    disbursed_loan, referent, broken_renderer, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    loan = disbursed_loan
    alert(loan, referent, "2025-11-15", date(2025, 11, 16))
    with time_machine.travel(at(date(2025, 11, 16)), tick=False):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            letter_after_servicing(loan, MISSED, "2025-11-15")
        for callback in callbacks:  # the task fails (FAILED, logged)
            callback()
        assert key_letters(loan) == [] and len(pending()) == 1
        broken_renderer()  # repaired
        call_command("letters_backfill", stdout=StringIO(), stderr=StringIO())
    assert [x.key for x in key_letters(loan)] == ["2025-11-15"]
    assert pending() == []


def test_the_letter_row_and_the_queue_row_go_together(disbursed_loan, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Dropping the queue row fails after the Letter row: neither is kept (one transaction)."""
    loan = disbursed_loan
    pend(loan, MISSED, "2025-11-15", date(2025, 11, 15))

    def drop_fails(loan_id: int, kind: str, key: str) -> None:
        raise RuntimeError("database gone")

    monkeypatch.setattr("microcredit.letters.writing.pending_servicing_drop", drop_fails)
    with time_machine.travel(at(date(2025, 11, 17)), tick=False), pytest.raises(RuntimeError):
        servicing_letter_write(loan.pk, MISSED, "2025-11-15")
    assert key_letters(loan) == []
    assert len(pending()) == 1


def test_the_task_drops_a_letter_no_longer_owed_or_written_already(disbursed_loan, adviser) -> None:  # type: ignore[no-untyped-def]
    loan = disbursed_loan
    pend(loan, MISSED, "2025-11-15", date(2025, 11, 15))
    pend(loan, MISSED, "2025-12-15", date(2025, 12, 15))
    pend(loan, "bucket_entered", "30", date(2025, 12, 15))  # a stray row: no such letter
    letter_of(loan, MISSED, "2025-12-15")
    # Paid in full before the task runs: nothing is overdue, no letter is owed.
    Repayment.objects.create(
        loan=loan,
        bank=loan.bank,
        reference="VIR-1",
        date=date(2025, 11, 16),
        amount=Decimal("100.95"),
        recorded_by=adviser,
        via="portal",
    )
    with time_machine.travel(at(date(2025, 11, 17)), tick=False):
        assert servicing_letter_write(loan.pk, MISSED, "2025-11-15") is None
        assert servicing_letter_write(loan.pk, MISSED, "2025-12-15") is None
        assert servicing_letter_write(loan.pk, "bucket_entered", "30") is None
    assert [x.key for x in key_letters(loan)] == ["2025-12-15"]
    assert pending() == []


# --- A mixed data set: the hook, the fill and the migration against the anti-join -----------


@pytest.fixture
def followed(referent, adviser) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Three loans of Saint-Étienne with plans and missed-installment alerts of every kind,
    some written; what is owed and unwritten, in servicing_letters_owed's order:

    1. B's installment of 01/02 (the oldest);
    2. A's plan agreed on 10/03;
    3. A's plan agreed at 23:30 UTC on 31/03, 01/04 in Saint-Étienne (a plan before an
       installment of the same day, the plans by their agreement);
    4. B's plan agreed at 8:00 on 01/04;
    5. B's installment of 01/04, first alert on 02/04 (the installments of a day by their first
       alert, loan and key);
    6. C's installment of 01/04, first alert on 02/04;
    7. A's installment of 01/04, first alert on 03/04 (to the adviser; on 05/04 to the
       référent);
    8. C's installment of 01/05.
    """
    loans = [make_loan(created_by=referent, adviser=adviser, referent=referent) for _ in "ABC"]
    a, b, c = loans
    paris = datetime(2025, 4, 1, 8, 0, tzinfo=PARIS)
    plans = [
        plan(a, referent, PlanState.KEPT, datetime.combine(date(2025, 3, 10), time(9), PARIS)),
        plan(a, referent, PlanState.AGREED, datetime(2025, 3, 31, 23, 30, tzinfo=UTC)),
        plan(b, referent, PlanState.BROKEN, paris),
        plan(b, referent, PlanState.REFUSED, paris),  # not owed
        plan(c, referent, PlanState.PROPOSED, None),  # not owed
        plan(c, referent, PlanState.KEPT, paris),  # written
    ]
    letter_of(c, PLAN, str(plans[5].pk))
    alerts = [
        alert(a, referent, "2025-04-01", date(2025, 4, 5)),
        alert(a, adviser, "2025-04-01", date(2025, 4, 3)),
        alert(b, referent, "2025-04-01", date(2025, 4, 2)),
        alert(c, referent, "2025-04-01", date(2025, 4, 2)),
        alert(b, referent, "2025-02-01", date(2025, 2, 5)),
        alert(c, adviser, "2025-05-01", date(2025, 5, 3)),
        alert(a, referent, "2025-03-01", date(2025, 3, 4)),  # written
        alert(a, referent, "60", date(2025, 4, 1), kind=AlertKind.BUCKET_ENTERED),
    ]
    letter_of(a, MISSED, "2025-03-01")

    def owed(loan: Loan, kind: str, key: str, on: date) -> Owed:
        return Owed(loan.pk, loan.dossier_id, loan.dossier.number, kind, key, on)

    expected = [
        owed(b, MISSED, "2025-02-01", date(2025, 2, 1)),
        owed(a, PLAN, str(plans[0].pk), date(2025, 3, 10)),
        owed(a, PLAN, str(plans[1].pk), date(2025, 4, 1)),
        owed(b, PLAN, str(plans[2].pk), date(2025, 4, 1)),
        owed(b, MISSED, "2025-04-01", date(2025, 4, 1)),
        owed(c, MISSED, "2025-04-01", date(2025, 4, 1)),
        owed(a, MISSED, "2025-04-01", date(2025, 4, 1)),
        owed(c, MISSED, "2025-05-01", date(2025, 5, 1)),
    ]
    return {"loans": loans, "plans": plans, "alerts": alerts, "expected": expected}


def test_the_queue_is_the_anti_join_s_letters_in_its_order_and_count(
    followed, saint_etienne, enqueued, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    # Each fact through the hook, as servicing sends it (the not owed ones add nothing).
    for p in followed["plans"]:
        queue_through_the_hook(p.loan, PLAN, str(p.pk), django_capture_on_commit_callbacks)
    for a in followed["alerts"]:
        queue_through_the_hook(a.loan, a.kind, a.key, django_capture_on_commit_callbacks)
    expected = followed["expected"]
    anti_join = servicing_letters_owed(organisation_id=saint_etienne.pk, unwritten=True)
    assert anti_join == expected
    for size in range(1, len(expected) + 2):
        assert unwritten_letters_first(saint_etienne.pk, size) == (expected[:size], len(expected))
    roanne = Organisation.objects.create(kind="ccas", name="CCAS de Roanne", slug="ccas-roanne")
    assert unwritten_letters_first(roanne.pk, 5) == ([], 0)


def test_the_fill_and_the_migration_queue_what_the_hook_queues(
    followed, saint_etienne, enqueued, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    for p in followed["plans"]:
        queue_through_the_hook(p.loan, PLAN, str(p.pk), django_capture_on_commit_callbacks)
    for a in followed["alerts"]:
        queue_through_the_hook(a.loan, a.kind, a.key, django_capture_on_commit_callbacks)
    through_the_hook = pending()
    assert len(through_the_hook) == len(followed["expected"])

    PendingServicingLetter.objects.all().delete()
    assert pending_servicing_fill() == len(through_the_hook)
    assert pending() == through_the_hook

    PendingServicingLetter.objects.all().delete()
    first = through_the_hook[0]
    kept = pend(Loan.objects.get(pk=first[0]), first[1], first[2], first[4])
    kept.first, kept.decided_at = first[6], first[5]
    kept.save()  # queued already: not twice
    editor = SimpleNamespace(connection=connection)
    fill_migration.fill(apps, editor)
    assert pending() == through_the_hook
    fill_migration.fill(apps, editor)  # a second run: no-op
    assert pending() == through_the_hook
    expected = followed["expected"]
    assert unwritten_letters_first(saint_etienne.pk, 3) == (expected[:3], len(expected))
    assert pending_servicing_fill() == 0
    fill_migration.empty(apps, editor)
    assert pending() == []
    assert RepaymentPlan.objects.count() == 6 and Alert.objects.count() == 8
    assert Letter.objects.filter(event__isnull=True).count() == 2


def test_the_migration_s_kinds_are_the_letters_ones() -> None:
    assert {fill_migration.REPAYMENT_PLAN, fill_migration.MISSED_INSTALLMENT} == {PLAN, MISSED}
    assert fill_migration.MISSED_INSTALLMENT == AlertKind.MISSED_INSTALLMENT


# --- The agent's queue -----------------------------------------------------------------------


def test_the_queue_is_two_queries_from_one_to_many_pending_letters(
    disbursed_loan, saint_etienne, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    loan = disbursed_loan
    pend(loan, MISSED, "2025-11-15", date(2025, 11, 15))
    with django_assert_num_queries(2):
        rows, total = unwritten_letters_first(saint_etienne.pk, 5)
    assert (len(rows), total) == (1, 1)
    for month in range(1, 30):
        day = date(2026 + (month - 1) // 12, (month - 1) % 12 + 1, 15)
        pend(loan, MISSED, day.isoformat(), day)
    with django_assert_num_queries(2):
        rows, total = unwritten_letters_first(saint_etienne.pk, 5)
    assert (len(rows), total) == (5, 30)
    assert [row.key for row in rows] == [
        "2025-11-15",
        "2026-01-15",
        "2026-02-15",
        "2026-03-15",
        "2026-04-15",
    ]


def test_an_empty_queue(saint_etienne, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    with django_assert_num_queries(2):
        assert unwritten_letters_first(saint_etienne.pk, 5) == ([], 0)


# --- The volume ------------------------------------------------------------------------------


def test_the_volume_owes_no_letter_of_the_follow_up() -> None:
    """Its plans are proposed or refused (no schedule version) and it raises no alert (the
    arrears job does, through the hook): nothing to fill."""
    generate_volume(dossiers=40, loans=20, today=date(2026, 3, 15), seed=7, batch_size=15)
    assert Loan.objects.count() == 20
    assert not RepaymentPlan.objects.filter(schedule_version__isnull=False).exists()
    assert not Alert.objects.exists()
    assert servicing_letters_owed(unwritten=True) == []
    assert pending() == []
