"""Each role's home page at 10 and at 1,000 dossiers (issue #19): the same number of queries,
and no queue showing more than its QUEUE_SIZE rows. The dossiers, loans, events and contact
requests come from the volume generator (microcredit.demo.volume), in two batches; the rows each
role's queues read besides (shares, a session's agenda, appointments, the read log) are
bulk-created with them."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from microcredit.accounts.enums import Role
from microcredit.accounts.models import User
from microcredit.commissions.models import AgendaItem, CommissionSession, SessionMember
from microcredit.core.models import AccessLog
from microcredit.demo.volume import _Generator
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier, DossierShare
from microcredit.dossiers.workflow import FINAL_STATES
from microcredit.followup.enums import AppointmentStatus
from microcredit.followup.models import Appointment
from microcredit.shell.selectors import QUEUE_SIZE
from tests.planner import analyze

pytestmark = pytest.mark.django_db

SMALL, LARGE = 10, 1000
ROLES = (
    Role.REFERENT,
    Role.AGENT,
    Role.DIRECTOR,
    Role.COMMITTEE_MEMBER,
    Role.BANK_ADVISER,
    Role.PARTNER_WORKER,
    Role.DPO,
)


class Volume:
    """The volume's CCAS and bank, a member of each role, and a growing set of dossiers."""

    def __init__(self, make_user: Any) -> None:
        today = timezone.localdate()
        self.generator = _Generator(seed=19, today=today)
        self.done = 0
        ccas = self.generator.ccas
        self.users: dict[Role, User] = {
            Role.REFERENT: self.generator.referent,
            Role.DIRECTOR: self.generator.director,
            Role.BANK_ADVISER: self.generator.adviser,
        }
        for role in (Role.AGENT, Role.COMMITTEE_MEMBER, Role.DPO):
            self.users[role] = make_user(role, username=f"scale-{role}", organisation=ccas)
        self.users[Role.PARTNER_WORKER] = make_user(Role.PARTNER_WORKER, username="scale-partner")
        self.session = CommissionSession.objects.create(
            organisation=ccas, date=today, place="Salle du conseil"
        )
        SessionMember.objects.bulk_create(
            SessionMember(session=self.session, user=self.users[role], present=True)
            for role in (Role.COMMITTEE_MEMBER, Role.DIRECTOR)
        )

    def grow(self, total: int) -> None:
        """Up to `total` dossiers, with the rows the queues read about them."""
        first = Dossier.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        self.generator.batch(range(self.done, total), total)
        self.done = total
        # One dossier of each batch waits for the bank's decision: each role has something
        # to do from the first batch (an empty home page writes no read to the log).
        Dossier.objects.filter(pk=Dossier.objects.filter(pk__gt=first).order_by("pk")[:1]).update(
            state=DossierState.TRANSMITTED_TO_BANK,
            bank=self.generator.bank,
            bank_transmitted_at=timezone.now(),
        )
        dossiers = list(Dossier.objects.filter(pk__gt=first))
        referent = self.users[Role.REFERENT]
        DossierShare.objects.bulk_create(
            DossierShare(dossier=d, worker=self.users[Role.PARTNER_WORKER], shared_by=referent)
            for d in dossiers
            if d.state not in FINAL_STATES
        )
        position = AgendaItem.objects.filter(session=self.session).count()
        AgendaItem.objects.bulk_create(
            AgendaItem(session=self.session, dossier=d, position=position + k)
            for k, d in enumerate(dossiers)
        )
        noon = timezone.make_aware(datetime.combine(timezone.localdate(), time(12)))
        Appointment.objects.bulk_create(
            Appointment(
                dossier=d,
                starts_at=noon + timedelta(minutes=k),
                place="CCAS",
                with_whom="Référent",
                status=AppointmentStatus.PLANNED,
                created_by=referent,
            )
            for k, d in enumerate(dossiers)
            if d.referent_id == referent.pk
        )
        AccessLog.objects.bulk_create(
            AccessLog(
                user=referent,
                action="dossier_detail",
                object_type="dossiers.dossier",
                object_id=str(d.pk),
            )
            for d in dossiers
        )
        analyze()


def _home(client: Any, user: User) -> tuple[int, dict[str, Any]]:
    """The home page's number of queries and its work queues."""
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("shell:home"))
    assert response.status_code == 200
    context = response.context
    queues = {
        key: context[key]
        for key in (
            "alerts",
            "appointments",
            "requests",
            "waiting",
            "proofs",
            "documents",
            "sessions",
            "letters",
            "decisions",
            "usury",
            "to_close",
            "next_session",
            "to_decide",
            "cheques",
            "plans",
            "shared",
        )
        if key in context
    }
    return len(queries), queues


def _shown(queue: Any) -> int:
    """How many rows a queue shows (a session's queue and the next session hold one)."""
    for inner in ("sessions", "items", "alerts"):
        rows = getattr(queue, inner, None)
        if rows is not None:
            return len(rows) if isinstance(rows, list) else _shown(rows)
    raise AssertionError(queue)


def test_every_home_page_takes_the_same_queries_at_10_and_1000_dossiers(
    client: Any, make_user: Any
) -> None:
    volume = Volume(make_user)
    volume.grow(SMALL)
    small = {role: _home(client, volume.users[role])[0] for role in ROLES}
    volume.grow(LARGE)
    large = {}
    full = set()
    for role in ROLES:
        large[role], queues = _home(client, volume.users[role])
        for name, queue in queues.items():
            assert _shown(queue) <= QUEUE_SIZE, (role, name)
            if queue.total > QUEUE_SIZE:
                full.add(role)
    assert large == small
    # Each role (the DPO has figures, not queues) had more than a queue's rows to show.
    assert full >= set(ROLES) - {Role.DPO}, set(ROLES) - full
