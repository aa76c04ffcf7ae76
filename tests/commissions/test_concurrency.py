"""Two agents build the agendas of two sessions at the same moment (PostgreSQL row locks): each
ready dossier goes on one open session only.

Run for real with: scripts/with-postgres .venv/bin/pytest tests/commissions/test_concurrency.py
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from microcredit.accounts.enums import Role
from microcredit.accounts.models import User
from microcredit.commissions import services
from microcredit.commissions.models import AgendaItem
from tests.commissions.helpers import cast, membership, open_session, ready_dossier

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (DATABASE_URL)"
    ),
    pytest.mark.django_db(transaction=True),
]

# Long enough for the other agent to reach the dossiers' row locks while the first holds them.
HOLD_SECONDS = 0.5


@pytest.fixture
def slow_audit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hold the locks a little while writing the audit row, so that the two builds overlap."""
    original = services.audit_event_create

    def slow(**kwargs: Any) -> Any:
        time.sleep(HOLD_SECONDS)
        return original(**kwargs)

    monkeypatch.setattr(services, "audit_event_create", slow)


def race(*builds: tuple[User, int]) -> list[Any]:
    """Build each (agent, session) agenda in its own thread and connection, released together."""
    barrier = threading.Barrier(len(builds))
    outcomes: list[Any] = [None] * len(builds)

    def run(index: int, user: User, session_id: int) -> None:
        try:
            member = membership(user)
            barrier.wait(timeout=10)
            outcomes[index] = services.agenda_build(
                actor=user, membership=member, session_id=session_id
            )
        except Exception as error:
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=(i, user, session_id))
        for i, (user, session_id) in enumerate(builds)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive(), "an agenda build is stuck (deadlock?)"
    return outcomes


@pytest.mark.usefixtures("slow_audit")
def test_two_agendas_built_together_share_no_dossier(make_user: Callable[..., User]) -> None:
    people = cast(make_user)
    other_agent = make_user(Role.AGENT, "agent-2")
    dossiers = [ready_dossier(people.referent) for _ in range(3)]
    first, second = open_session(people), open_session(people)

    outcomes = race((people.agent, first.pk), (other_agent, second.pk))

    assert all(isinstance(o, list) for o in outcomes), outcomes
    assert sorted(len(o) for o in outcomes) == [0, 3], outcomes
    assert AgendaItem.objects.count() == 3
    for dossier in dossiers:
        assert AgendaItem.objects.filter(dossier=dossier).count() == 1, dossier.number
