"""The commission's services: sessions (who plans them, who sits on them, who is present) and
their agenda. Decisions are in test_decisions.py, the closing in test_closing.py."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership
from microcredit.commissions import services
from microcredit.commissions.enums import CommitteeDecision
from microcredit.commissions.models import AgendaItem, CommissionSession, SessionMember
from microcredit.core.errors import TransitionRefused
from microcredit.core.models import AuditEvent
from microcredit.dossiers.enums import DossierState
from tests.commissions.helpers import (
    SESSION_DATE,
    _build,
    _decide,
    _update,
    open_session,
    ready_dossier,
)
from tests.factories import make_dossier
from tests.factories import membership_of as membership

pytestmark = pytest.mark.django_db


# --- Sessions -----------------------------------------------------------------------------------


def test_the_agent_plans_a_session_with_committee_members_and_the_director(people) -> None:  # type: ignore[no-untyped-def]
    session = services.session_create(
        actor=people.agent,
        membership=membership(people.agent),
        date=SESSION_DATE,
        place="  Salle du conseil ",
        member_ids=[people.member.pk, people.director.pk],
    )
    assert session.place == "Salle du conseil"
    assert set(SessionMember.objects.filter(session=session).values_list("user", flat=True)) == {
        people.member.pk,
        people.director.pk,
    }
    assert AuditEvent.objects.filter(action="commission_session_created").count() == 1


@pytest.mark.parametrize("role", [Role.REFERENT, Role.COMMITTEE_MEMBER])
def test_only_the_agent_and_the_director_plan_sessions(people, make_user, role) -> None:  # type: ignore[no-untyped-def]
    someone = make_user(role, "quelqu-un")
    with pytest.raises(TransitionRefused):
        services.session_create(
            actor=someone,
            membership=membership(someone),
            date=SESSION_DATE,
            place="Salle",
            member_ids=[people.member.pk],
        )
    assert not CommissionSession.objects.exists()


def test_only_members_and_the_director_of_the_ccas_sit_on_a_session(people, make_user) -> None:  # type: ignore[no-untyped-def]
    adviser = make_user(Role.BANK_ADVISER, "conseiller")
    for ids in ([people.referent.pk], [people.member.pk, adviser.pk], []):
        with pytest.raises(ValidationError) as error:
            services.session_create(
                actor=people.agent,
                membership=membership(people.agent),
                date=SESSION_DATE,
                place="Salle",
                member_ids=ids,
            )
        assert "members" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.session_create(
            actor=people.agent,
            membership=membership(people.agent),
            date=SESSION_DATE,
            place=" ",
            member_ids=[people.member.pk],
        )
    assert error.value.message_dict["place"] == ["Indiquez le lieu."]
    assert not CommissionSession.objects.exists()


def test_presence_is_among_the_members(people) -> None:  # type: ignore[no-untyped-def]
    session = open_session(people)
    assert list(
        SessionMember.objects.filter(session=session, present=True).values_list("user", flat=True)
    ) == [people.member.pk]
    with pytest.raises(ValidationError) as error:
        services.session_update(
            actor=people.agent,
            membership=membership(people.agent),
            session_id=session.pk,
            date=SESSION_DATE,
            place="Salle",
            member_ids=[people.member.pk],
            present_ids=[people.absent_member.pk],
        )
    assert error.value.error_dict["present"][0].code == "not_a_member"
    assert SessionMember.objects.filter(session=session).count() == 2


def test_a_member_no_longer_active_stays_on_the_session_but_is_not_added_to_another(
    people, make_user
) -> None:  # type: ignore[no-untyped-def]
    session = open_session(people)
    Membership.objects.filter(user=people.absent_member).update(active=False)
    sitting = [people.member.pk, people.absent_member.pk]
    _update(people, session, member_ids=sitting, present_ids=[people.absent_member.pk])
    assert set(SessionMember.objects.filter(session=session).values_list("user", "present")) == {
        (people.member.pk, False),
        (people.absent_member.pk, True),
    }
    # Newly added people must be active members of the commission.
    gone = make_user(Role.COMMITTEE_MEMBER, "partie")
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    Membership.objects.filter(user=people.outsider).update(active=False)
    for newcomer in (gone, people.outsider):
        with pytest.raises(ValidationError) as error:
            _update(people, session, member_ids=[*sitting, newcomer.pk], present_ids=[])
        assert error.value.error_dict["members"][0].code == "invalid_member"
    with pytest.raises(ValidationError):
        services.session_create(
            actor=people.agent,
            membership=membership(people.agent),
            date=SESSION_DATE,
            place="Salle",
            member_ids=[people.absent_member.pk],
        )
    assert SessionMember.objects.filter(session=session).count() == 2


# --- Agenda -------------------------------------------------------------------------------------


def test_the_agenda_takes_the_ready_dossiers_once_and_positions_follow_on(
    people, make_user
) -> None:  # type: ignore[no-untyped-def]
    first = ready_dossier(people.referent)
    second = ready_dossier(people.referent)
    make_dossier(created_by=people.referent, state=DossierState.INSTRUCTION)
    session = open_session(people)
    other = open_session(people)
    on_other = ready_dossier(people.referent)
    AgendaItem.objects.create(session=other, dossier=on_other, position=1)

    added = _build(people, session)
    assert [(i.dossier_id, i.position) for i in added] == [(first.pk, 1), (second.pk, 2)]
    assert _build(people, session) == []  # idempotent

    third = ready_dossier(people.referent)
    assert [(i.dossier_id, i.position) for i in _build(people, session)] == [(third.pk, 3)]
    assert AgendaItem.objects.filter(session=session).count() == 3
    assert AgendaItem.objects.filter(dossier=on_other).count() == 1


def test_add_and_remove_one_dossier(people) -> None:  # type: ignore[no-untyped-def]
    session = open_session(people)
    dossier = ready_dossier(people.referent)
    not_ready = make_dossier(created_by=people.referent, state=DossierState.INSTRUCTION)
    agent = membership(people.agent)
    with pytest.raises(ValidationError) as error:
        services.agenda_item_add(
            actor=people.agent, membership=agent, session_id=session.pk, dossier_id=not_ready.pk
        )
    assert error.value.code == "not_ready"
    item = services.agenda_item_add(
        actor=people.agent, membership=agent, session_id=session.pk, dossier_id=dossier.pk
    )
    with pytest.raises(ValidationError) as error:
        services.agenda_item_add(
            actor=people.agent, membership=agent, session_id=session.pk, dossier_id=dossier.pk
        )
    assert error.value.code == "already_on_agenda"
    services.agenda_item_remove(actor=people.agent, membership=agent, item_id=item.pk)
    assert not AgendaItem.objects.exists()

    item = services.agenda_item_add(
        actor=people.agent, membership=agent, session_id=session.pk, dossier_id=dossier.pk
    )
    _decide(people, item, CommitteeDecision.TRANSMIT)
    with pytest.raises(TransitionRefused):
        services.agenda_item_remove(actor=people.agent, membership=agent, item_id=item.pk)
    assert AgendaItem.objects.filter(pk=item.pk).exists()
