"""Two people move the same dossier at the same moment (PostgreSQL row locks).

Run for real with: scripts/with-postgres .venv/bin/pytest tests/dossiers/test_concurrency.py
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import timezone

from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership, User
from microcredit.core.errors import TransitionRefused
from microcredit.core.models import AuditEvent
from microcredit.dossiers import services
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier, DossierEvent
from tests.factories import make_applicant, saint_etienne_programme

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (DATABASE_URL)"
    ),
    pytest.mark.django_db(transaction=True),
]

# Long enough for the other thread to reach its row lock while the first one holds it.
HOLD_SECONDS = 0.3


@pytest.fixture
def slow_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hold the row lock a little while writing the audit row, so that the moves overlap."""
    original = services.audit_event_create

    def slow(**kwargs: Any) -> Any:
        time.sleep(HOLD_SECONDS)
        return original(**kwargs)

    monkeypatch.setattr(services, "audit_event_create", slow)


def open_dossier(referent: User) -> Dossier:
    membership = Membership.objects.get(user=referent)
    applicant = make_applicant(organisation=membership.organisation, created_by=referent)
    return services.dossier_create(
        actor=referent,
        membership=membership,
        applicant=applicant,
        programme=saint_etienne_programme(),
        values={
            "application_date": timezone.localdate(),
            "purpose_category": "mobilite",
            "purpose_subcategory": "permis_de_conduire",
            "requested_amount": Decimal("1200.00"),
            "requested_months": 24,
        },
    )


def race(*moves: tuple[User, dict[str, Any]]) -> list[Any]:
    """Run each (user, kwargs) move in its own thread and database connection, all released
    together; return each outcome (the event, or the exception raised)."""
    barrier = threading.Barrier(len(moves))
    outcomes: list[Any] = [None] * len(moves)

    def run(index: int, user: User, kwargs: dict[str, Any]) -> None:
        try:
            membership = Membership.objects.get(user=user)
            barrier.wait(timeout=10)
            outcomes[index] = services.dossier_transition(
                actor=user, membership=membership, **kwargs
            )
        except Exception as error:
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=(i, user, kwargs))
        for i, (user, kwargs) in enumerate(moves)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive(), "a move is stuck (deadlock?)"
    return outcomes


def split(outcomes: list[Any]) -> tuple[list[DossierEvent], list[Exception]]:
    wins = [o for o in outcomes if isinstance(o, DossierEvent)]
    losses = [o for o in outcomes if not isinstance(o, DossierEvent)]
    return wins, losses


@pytest.mark.usefixtures("slow_writes")
def test_two_different_moves_from_the_same_state_one_wins(
    make_user: Callable[..., User],
) -> None:
    referent = make_user(Role.REFERENT)
    agent = make_user(Role.AGENT)
    dossier = open_dossier(referent)
    audits = AuditEvent.objects.count()

    outcomes = race(
        (
            referent,
            {
                "dossier_id": dossier.pk,
                "transition": "withdraw",
                "expected_state": DossierState.RECEPTION,
                "reason": "La personne renonce à son projet.",
            },
        ),
        (
            agent,
            {
                "dossier_id": dossier.pk,
                "transition": "start_diagnosis",
                "expected_state": DossierState.RECEPTION,
            },
        ),
    )

    wins, losses = split(outcomes)
    assert len(wins) == 1, outcomes
    assert len(losses) == 1, outcomes
    loss = losses[0]
    assert isinstance(loss, TransitionRefused), repr(loss)
    assert "vient d'être modifié par quelqu'un d'autre" in str(loss)
    assert "Rechargez la page" in str(loss)

    winner = wins[0]
    dossier.refresh_from_db()
    assert dossier.state == winner.to_state
    assert f"« {DossierState(winner.to_state).label} »" in str(loss)
    events = list(DossierEvent.objects.filter(dossier=dossier).order_by("id"))
    assert [(e.transition, e.from_state) for e in events] == [
        ("open", ""),
        (winner.transition, DossierState.RECEPTION),
    ]
    assert AuditEvent.objects.count() == audits + 1


@pytest.mark.usefixtures("slow_writes")
def test_the_same_move_twice_is_applied_once(make_user: Callable[..., User]) -> None:
    """Two people press « Commencer le diagnostic » together, without saying what they saw."""
    referent = make_user(Role.REFERENT)
    director = make_user(Role.DIRECTOR)
    dossier = open_dossier(referent)

    outcomes = race(
        (referent, {"dossier_id": dossier.pk, "transition": "start_diagnosis"}),
        (director, {"dossier_id": dossier.pk, "transition": "start_diagnosis"}),
    )

    wins, losses = split(outcomes)
    assert len(wins) == 1, outcomes
    assert isinstance(losses[0], TransitionRefused), repr(losses[0])
    assert "n'est pas possible pour un dossier « diagnostic »" in str(losses[0])
    assert DossierEvent.objects.filter(dossier=dossier).count() == 2
    assert Dossier.objects.get(pk=dossier.pk).state == DossierState.DIAGNOSIS


def test_dossier_numbers_do_not_collide_when_opened_together(
    make_user: Callable[..., User],
) -> None:
    """The per-year counter is taken under a row lock: two dossiers opened at once get two
    numbers."""
    referent = make_user(Role.REFERENT)
    agent = make_user(Role.AGENT)
    open_dossier(referent)  # the year's counter exists
    barrier = threading.Barrier(2)
    numbers: list[Any] = [None, None]

    def run(index: int, user: User) -> None:
        try:
            barrier.wait(timeout=10)
            numbers[index] = open_dossier(user).number
        except Exception as error:
            numbers[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, u)) for i, u in enumerate((referent, agent))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert all(isinstance(n, str) for n in numbers), numbers
    assert len(set(numbers)) == 2
    assert Dossier.objects.count() == 3
