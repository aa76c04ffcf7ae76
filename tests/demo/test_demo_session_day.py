"""The last demo session is held on the day the demo is loaded, and kept on later loads (its own
module: it loads the demo on given days, into an empty database)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from microcredit.accounts.models import Membership
from microcredit.commissions import services as commission_services
from microcredit.commissions.models import CommissionSession, SessionMember
from microcredit.demo.loading import DEMO_ACCOUNTS, S_DEC, load_demo
from microcredit.followup.models import Appointment, Note, RequestHandling, StepReview
from microcredit.servicing.models import RepaymentPlan
from microcredit.simulator.models import ContactRequest

pytestmark = pytest.mark.django_db

FOLLOWUP_MODELS = (ContactRequest, RequestHandling, Appointment, Note, StepReview, RepaymentPlan)


def _membership(username: str) -> Membership:
    role = next(a.role for a in DEMO_ACCOUNTS if a.username == username)
    return Membership.objects.select_related("user").get(user__username=username, role=role)


def _on(day: date):  # type: ignore[no-untyped-def]
    return time_machine.travel(
        datetime(day.year, day.month, day.day, 9, 0, tzinfo=ZoneInfo("Europe/Paris")), tick=False
    )


def test_the_session_to_come_is_held_on_the_day_of_the_demo_and_kept_on_later_loads() -> None:
    """Decisions wait for the session's day: the last demo session (S_DEC) is dated the day
    the demo is loaded, so that a visitor notes who is present and then decides."""
    first_day = date(2026, 12, 1)
    assert first_day < S_DEC
    with _on(first_day):
        load_demo()
        session = CommissionSession.objects.get(closed_at__isnull=True)
        assert session.date == first_day
        assert session.agenda.count() == 2
        assert not SessionMember.objects.filter(session=session, present=True).exists()
        agent, commission = _membership("agent"), _membership("commission")
        sitting = list(SessionMember.objects.filter(session=session).values_list("user", flat=True))
        commission_services.session_update(
            actor=agent.user,
            membership=agent,
            session_id=session.pk,
            date=session.date,
            place=session.place,
            member_ids=sitting,
            present_ids=[commission.user_id],
        )
        item = session.agenda.order_by("position").first()
        assert item is not None
        commission_services.agenda_item_decide(
            actor=commission.user,
            membership=commission,
            item_id=item.pk,
            decision="adjourn",
            reason="Le devis définitif de l'opticien.",
            today=timezone.localdate(),
        )
    sessions = list(CommissionSession.objects.order_by("pk").values_list("pk", "date", "closed_at"))
    members = list(SessionMember.objects.order_by("pk").values_list("pk", "present"))
    followup = {m.__name__: m.objects.count() for m in FOLLOWUP_MODELS}
    with _on(date(2026, 12, 4)):  # another day: the same sessions, nothing added
        load_demo()
    assert {m.__name__: m.objects.count() for m in FOLLOWUP_MODELS} == followup
    assert list(
        CommissionSession.objects.order_by("pk").values_list("pk", "date", "closed_at")
    ) == (sessions)
    assert list(SessionMember.objects.order_by("pk").values_list("pk", "present")) == members
