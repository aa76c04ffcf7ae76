"""The commission's services: sessions, agenda, each decision, the closing that freezes all."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership
from microcredit.commissions import services
from microcredit.commissions.enums import CommitteeDecision
from microcredit.commissions.models import AgendaItem, CommissionSession, SessionMember
from microcredit.core.errors import TransitionRefused
from microcredit.core.models import AuditEvent
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier, DossierEvent
from microcredit.programmes.selectors import version_in_force
from tests.commissions.helpers import SESSION_DATE, cast, membership, open_session, ready_dossier
from tests.factories import make_dossier

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user):  # type: ignore[no-untyped-def]
    return cast(make_user)


def _build(people, session):  # type: ignore[no-untyped-def]
    return services.agenda_build(
        actor=people.agent, membership=membership(people.agent), session_id=session.pk
    )


def _decide(people, item, decision, reason="", scheme="", who=None, **kwargs):  # type: ignore[no-untyped-def]
    who = who or people.member
    kwargs.setdefault("today", SESSION_DATE)
    return services.agenda_item_decide(
        actor=who,
        membership=membership(who),
        item_id=item.pk,
        decision=decision,
        reason=reason,
        reorientation_scheme=scheme,
        **kwargs,
    )


def _update(people, session, *, member_ids, present_ids):  # type: ignore[no-untyped-def]
    return services.session_update(
        actor=people.agent,
        membership=membership(people.agent),
        session_id=session.pk,
        date=session.date,
        place=session.place,
        member_ids=member_ids,
        present_ids=present_ids,
    )


def _scheme(dossier: Dossier) -> str:
    version = version_in_force(dossier.programme, dossier.application_date)
    assert version is not None and version.reorientation_schemes
    return str(version.reorientation_schemes[0]["code"])


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


# --- Decisions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("decision", "reason", "state", "transition"),
    [
        (CommitteeDecision.TRANSMIT, "", DossierState.TRANSMITTED_TO_BANK, "transmit_to_bank"),
        (
            CommitteeDecision.ADJOURN,
            "Fournir le devis définitif de l'auto-école.",
            DossierState.ADJOURNED,
            "adjourn",
        ),
        (
            CommitteeDecision.REFUSE,
            "Endettement trop élevé.",
            DossierState.REFUSED_BY_COMMITTEE,
            "refuse_by_committee",
        ),
        (CommitteeDecision.REORIENT, "", DossierState.REORIENTED, "committee_reorient"),
    ],
)
def test_each_decision_moves_the_dossier_and_is_kept_on_the_agenda(
    people, decision, reason, state, transition
) -> None:  # type: ignore[no-untyped-def]
    dossier = ready_dossier(people.referent)
    session = open_session(people)
    (item,) = _build(people, session)
    scheme = _scheme(dossier) if decision == CommitteeDecision.REORIENT else ""

    item = _decide(
        people, item, decision, reason, scheme, expected_state=DossierState.READY_FOR_COMMITTEE
    )

    dossier.refresh_from_db()
    item.refresh_from_db()
    assert dossier.state == state
    assert item.decision == decision
    assert item.decided_by == people.member and item.decided_at is not None
    assert item.event is not None and item.event.transition == transition
    assert item.event.dossier_id == dossier.pk
    if reason:
        assert item.decision_reason == reason
    if scheme:
        assert dossier.reorientation_scheme == scheme
        assert dossier.reorientation_label in item.decision_reason
    if decision == CommitteeDecision.TRANSMIT:
        assert dossier.bank_transmitted_at is not None
    assert AuditEvent.objects.filter(action="commission_decision_recorded").count() == 1


def _assert_nothing_changed(item: AgendaItem, dossier: Dossier) -> None:
    item.refresh_from_db()
    dossier.refresh_from_db()
    assert item.decision == "" and item.event is None and item.decided_by is None
    assert dossier.state == DossierState.READY_FOR_COMMITTEE
    assert not DossierEvent.objects.filter(dossier=dossier).exists()
    assert not AuditEvent.objects.filter(action="commission_decision_recorded").exists()


@pytest.mark.parametrize(
    ("decision", "field", "message"),
    [
        (
            CommitteeDecision.ADJOURN,
            "reason",
            "Indiquez les informations demandées pour réexaminer le dossier.",
        ),
        (CommitteeDecision.REFUSE, "reason", "Indiquez le motif du refus."),
        (
            CommitteeDecision.REORIENT,
            "reorientation_scheme",
            "Choisissez le dispositif vers lequel la personne est réorientée.",
        ),
        ("grant", "decision", "Choisissez une décision."),
    ],
)
def test_a_decision_without_what_it_needs_changes_nothing(people, decision, field, message) -> None:  # type: ignore[no-untyped-def]
    dossier = ready_dossier(people.referent)
    session = open_session(people)
    (item,) = _build(people, session)
    with pytest.raises(ValidationError) as error:
        _decide(people, item, decision, "   ")
    assert error.value.message_dict == {field: [message]}
    _assert_nothing_changed(item, dossier)


def test_a_scheme_outside_the_parameters_is_refused(people) -> None:  # type: ignore[no-untyped-def]
    dossier = ready_dossier(people.referent)
    (item,) = _build(people, open_session(people))
    with pytest.raises(TransitionRefused):
        _decide(people, item, CommitteeDecision.REORIENT, "", "inconnu")
    _assert_nothing_changed(item, dossier)


def test_transmission_to_the_bank_needs_the_recorded_consent(people) -> None:  # type: ignore[no-untyped-def]
    dossier = ready_dossier(people.referent, with_consent=False)
    (item,) = _build(people, open_session(people))
    with pytest.raises(TransitionRefused) as refusal:
        _decide(people, item, CommitteeDecision.TRANSMIT)
    assert refusal.value.messages == [
        "Le consentement du demandeur à la transmission à la banque n'est pas enregistré "
        "(date et document signé)."
    ]
    _assert_nothing_changed(item, dossier)


def test_consent_date_without_the_signed_document_is_not_consent(people) -> None:  # type: ignore[no-untyped-def]
    dossier = ready_dossier(people.referent, with_consent=False)
    Dossier.objects.filter(pk=dossier.pk).update(consent_date=SESSION_DATE)
    (item,) = _build(people, open_session(people))
    with pytest.raises(TransitionRefused):
        _decide(people, item, CommitteeDecision.TRANSMIT)
    _assert_nothing_changed(item, dossier)


def test_who_may_decide(people) -> None:  # type: ignore[no-untyped-def]
    dossier = ready_dossier(people.referent)
    (item,) = _build(people, open_session(people))
    for who in (people.absent_member, people.agent, people.referent):
        with pytest.raises(TransitionRefused):
            _decide(people, item, CommitteeDecision.TRANSMIT, who=who)
    with pytest.raises(Http404):
        _decide(people, item, CommitteeDecision.TRANSMIT, who=people.outsider)
    # The director decides only when sitting on the session and marked present, as the
    # members do: the minutes then name who decided among the present.
    with pytest.raises(TransitionRefused) as refusal:
        _decide(people, item, CommitteeDecision.TRANSMIT, who=people.director)
    assert refusal.value.messages == [
        "Seuls les membres présents à la séance enregistrent les décisions."
    ]
    sitting = [people.member.pk, people.absent_member.pk, people.director.pk]
    _update(people, item.session, member_ids=sitting, present_ids=[people.member.pk])
    with pytest.raises(TransitionRefused):
        _decide(people, item, CommitteeDecision.TRANSMIT, who=people.director)
    _assert_nothing_changed(item, dossier)
    _update(people, item.session, member_ids=sitting, present_ids=[people.director.pk])
    _decide(people, item, CommitteeDecision.TRANSMIT, who=people.director)
    item.refresh_from_db()
    assert item.decided_by == people.director


def test_a_second_decision_and_a_stale_state_are_refused(people) -> None:  # type: ignore[no-untyped-def]
    dossier = ready_dossier(people.referent)
    (item,) = _build(people, open_session(people))
    with pytest.raises(TransitionRefused) as refusal:
        _decide(people, item, CommitteeDecision.TRANSMIT, expected_state=DossierState.INSTRUCTION)
    assert "quelqu'un d'autre" in refusal.value.messages[0]
    _assert_nothing_changed(item, dossier)
    _decide(people, item, CommitteeDecision.TRANSMIT)
    with pytest.raises(TransitionRefused):
        _decide(people, item, CommitteeDecision.REFUSE, "Non.")
    assert DossierEvent.objects.filter(dossier=dossier).count() == 1


# --- Closing ------------------------------------------------------------------------------------


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
