"""The commission's decisions on the agenda's items: each decision moves the dossier and stays on
the agenda; what each one needs, who may decide, a second decision or a stale state refused."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from microcredit.commissions.enums import CommitteeDecision
from microcredit.core.errors import TransitionRefused
from microcredit.core.models import AuditEvent
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier, DossierEvent
from microcredit.programmes.selectors import version_in_force
from tests.commissions.helpers import (
    SESSION_DATE,
    _assert_nothing_changed,
    _build,
    _decide,
    _update,
    open_session,
    ready_dossier,
)

pytestmark = pytest.mark.django_db


def _scheme(dossier: Dossier) -> str:
    version = version_in_force(dossier.programme, dossier.application_date)
    assert version is not None and version.reorientation_schemes
    return str(version.reorientation_schemes[0]["code"])


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
