"""Closing a commission session: nothing is decided nor closed before its day, every item needs
a decision, the minutes are written once and everything is frozen; adjourned dossiers go on the
next session."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from microcredit.commissions import services
from microcredit.commissions.enums import CommitteeDecision
from microcredit.commissions.models import AgendaItem, SessionMember
from microcredit.core.errors import TransitionRefused
from microcredit.core.models import AuditEvent
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier
from tests.commissions.helpers import (
    SESSION_DATE,
    _assert_nothing_changed,
    _build,
    _decide,
    open_session,
    ready_dossier,
)
from tests.factories import membership_of as membership

pytestmark = pytest.mark.django_db


def _close(people, session, today=SESSION_DATE):  # type: ignore[no-untyped-def]
    return services.session_close(
        actor=people.agent,
        membership=membership(people.agent),
        session_id=session.pk,
        today=today,
    )


def test_nothing_is_decided_nor_closed_before_the_session_day(people) -> None:  # type: ignore[no-untyped-def]
    dossier = ready_dossier(people.referent)
    session = open_session(people)
    (item,) = _build(people, session)
    eve = SESSION_DATE - timedelta(days=1)
    with pytest.raises(TransitionRefused) as refusal:
        _decide(people, item, CommitteeDecision.TRANSMIT, today=eve)
    assert refusal.value.messages == [
        "La séance n'a pas encore eu lieu (18/06/2026) : les décisions s'enregistrent le jour "
        "de la séance ou après."
    ]
    _assert_nothing_changed(item, dossier)
    _decide(people, item, CommitteeDecision.TRANSMIT, today=SESSION_DATE)  # on the day
    with pytest.raises(TransitionRefused) as refusal:
        _close(people, session, today=eve)
    assert refusal.value.messages == [
        "La séance n'a pas encore eu lieu (18/06/2026) : elle se clôture le jour de la séance "
        "ou après."
    ]
    session.refresh_from_db()
    assert session.closed_at is None and not session.minutes
    assert not AuditEvent.objects.filter(action="commission_session_closed").exists()
    _close(people, session, today=SESSION_DATE + timedelta(days=2))
    session.refresh_from_db()
    assert session.closed_at is not None


def test_closing_needs_every_decision(people) -> None:  # type: ignore[no-untyped-def]
    first = ready_dossier(people.referent)
    second = ready_dossier(people.referent)
    session = open_session(people)
    items = _build(people, session)
    _decide(people, items[0], CommitteeDecision.TRANSMIT)
    with pytest.raises(ValidationError) as error:
        _close(people, session)
    assert error.value.messages == [
        f"Ces dossiers de l'ordre du jour n'ont pas encore de décision : {second.number}."
    ]
    assert first.number not in error.value.messages[0]
    session.refresh_from_db()
    assert session.closed_at is None and not session.minutes and session.minutes_sha256 == ""


def test_closing_writes_the_minutes_once_and_freezes_everything(people) -> None:  # type: ignore[no-untyped-def]
    decided = ready_dossier(people.referent)
    session = open_session(people)
    (item,) = _build(people, session)
    _decide(people, item, CommitteeDecision.REFUSE, "Projet non finalisé.")
    session = _close(people, session)

    session.refresh_from_db()
    assert session.closed_at is not None and session.closed_by == people.agent
    with session.minutes.open("rb") as handle:
        content = handle.read()
    assert content.startswith(b"%PDF-")
    assert hashlib.sha256(content).hexdigest() == session.minutes_sha256
    frozen = (
        session.date,
        session.place,
        session.minutes.name,
        session.minutes_sha256,
        list(SessionMember.objects.filter(session=session).values_list("user", "present")),
        list(AgendaItem.objects.filter(session=session).values_list("pk", "decision", "position")),
    )

    late = ready_dossier(people.referent)
    agent = membership(people.agent)
    writes = [
        lambda: services.session_update(
            actor=people.agent,
            membership=agent,
            session_id=session.pk,
            date=SESSION_DATE,
            place="Ailleurs",
            member_ids=[people.member.pk],
            present_ids=[people.member.pk],
        ),
        lambda: services.agenda_build(actor=people.agent, membership=agent, session_id=session.pk),
        lambda: services.agenda_item_add(
            actor=people.agent, membership=agent, session_id=session.pk, dossier_id=late.pk
        ),
        lambda: services.agenda_item_remove(actor=people.agent, membership=agent, item_id=item.pk),
        lambda: _decide(people, item, CommitteeDecision.TRANSMIT),
        lambda: _close(people, session),
    ]
    for write in writes:
        with pytest.raises(TransitionRefused) as refusal:
            write()
        assert refusal.value.messages == [services.CLOSED]

    session.refresh_from_db()
    assert frozen == (
        session.date,
        session.place,
        session.minutes.name,
        session.minutes_sha256,
        list(SessionMember.objects.filter(session=session).values_list("user", "present")),
        list(AgendaItem.objects.filter(session=session).values_list("pk", "decision", "position")),
    )
    with session.minutes.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == session.minutes_sha256
    decided.refresh_from_db()
    assert decided.state == DossierState.REFUSED_BY_COMMITTEE
    assert AuditEvent.objects.filter(action="commission_session_closed").count() == 1


def test_a_dossier_adjourned_then_ready_again_goes_on_the_next_session(people) -> None:  # type: ignore[no-untyped-def]
    dossier = ready_dossier(people.referent)
    first = open_session(people)
    (item,) = _build(people, first)
    _decide(people, item, CommitteeDecision.ADJOURN, "Le devis définitif.")
    _close(people, first)
    Dossier.objects.filter(pk=dossier.pk).update(state=DossierState.READY_FOR_COMMITTEE)
    second = open_session(people)
    assert [i.dossier_id for i in _build(people, second)] == [dossier.pk]


def test_a_decided_item_on_a_session_still_open_does_not_block_the_next_session(people) -> None:  # type: ignore[no-untyped-def]
    built = ready_dossier(people.referent)
    added = ready_dossier(people.referent)
    first = open_session(people)
    for item in _build(people, first):
        _decide(people, item, CommitteeDecision.ADJOURN, "Le devis définitif.")
    Dossier.objects.filter(pk__in=[built.pk, added.pk]).update(
        state=DossierState.READY_FOR_COMMITTEE
    )
    # The first session is still open: the dossiers are ready again, for another session.
    assert _build(people, first) == []  # each one is already on this agenda
    agent = membership(people.agent)
    with pytest.raises(ValidationError) as error:
        services.agenda_item_add(
            actor=people.agent, membership=agent, session_id=first.pk, dossier_id=added.pk
        )
    assert error.value.code == "already_on_agenda"
    second = open_session(people)
    item = services.agenda_item_add(
        actor=people.agent, membership=agent, session_id=second.pk, dossier_id=added.pk
    )
    assert item.session_id == second.pk
    assert [i.dossier_id for i in _build(people, second)] == [built.pk]
    # An undecided item still blocks: neither goes on a third open session.
    third = open_session(people)
    assert _build(people, third) == []
    with pytest.raises(ValidationError) as error:
        services.agenda_item_add(
            actor=people.agent, membership=agent, session_id=third.pk, dossier_id=added.pk
        )
    assert error.value.code == "already_on_agenda"
