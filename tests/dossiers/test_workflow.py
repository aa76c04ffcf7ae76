"""The dossier's workflow: every (role × state × transition) of the table.

The walk builds, for each role and state, one dossier with every precondition met and visible to
the role, then tries each transition inside a savepoint that is rolled back afterwards. Each
precondition is tested alone in test_workflow_preconditions.py.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from django.http import Http404

from microcredit.accounts.enums import Role
from microcredit.accounts.models import User
from microcredit.core.errors import TransitionRefused
from microcredit.core.models import AuditEvent
from microcredit.dossiers import services
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier, DossierEvent
from microcredit.dossiers.workflow import TRANSITIONS
from tests.dossiers.helpers import paid_off_loan
from tests.factories import make_dossier, make_loan, membership_of, put_on_agenda, share_with

SCHEME = "aide_facultative_du_ccas"
SCHEME_LABEL = "Aide facultative du CCAS"


def visible_dossier(make_user, role: Role, state: str) -> tuple[User, Dossier]:  # type: ignore[no-untyped-def]
    """A dossier in `state` with every precondition met, visible to a new user holding `role`."""
    actor = make_user(role)
    referent = actor if role == Role.REFERENT else make_user(Role.REFERENT, username="ref")
    if state == DossierState.DISBURSED:
        # Disbursed through the bank's services, then paid off: « constater le remboursement
        # complet » reads the loan's schedule and repayments.
        adviser = actor if role == Role.BANK_ADVISER else make_user(Role.BANK_ADVISER, "conseil")
        dossier = paid_off_loan(
            adviser, make_loan(created_by=referent, adviser=adviser, referent=referent)
        ).dossier
    else:
        dossier = make_dossier(
            created_by=referent,
            referent=referent,
            state=state,
            eligible=True,
            with_documents=True,
            with_consent=True,
        )
    if role == Role.COMMITTEE_MEMBER:
        put_on_agenda(dossier, actor)
    elif role == Role.PARTNER_WORKER:
        share_with(dossier, actor, shared_by=referent)
    elif role == Role.BANK_ADVISER and dossier.bank_transmitted_at is None:
        # Seen by the bank only once transmitted: give every state a transmission date so that
        # the table, not the funnel, is what refuses the move.
        Dossier.objects.filter(pk=dossier.pk).update(
            bank_transmitted_at=dossier.state_changed_at, bank_id=dossier.programme.bank_partner_id
        )
        dossier.refresh_from_db()
    return actor, dossier


@pytest.mark.django_db
@pytest.mark.parametrize("state", DossierState.values)
@pytest.mark.parametrize("role", Role.values)
def test_every_transition_of_the_table(make_user, role: str, state: str) -> None:  # type: ignore[no-untyped-def]
    actor, dossier = visible_dossier(make_user, Role(role), state)
    membership = membership_of(actor)
    before = Dossier.objects.get(pk=dossier.pk)
    allowed_seen = 0
    for move in TRANSITIONS:
        scheme = SCHEME if move.needs_reorientation_scheme else ""
        events = DossierEvent.objects.filter(dossier=dossier).count()
        audits = AuditEvent.objects.count()
        with transaction.atomic():
            if move.allows(state, role):
                allowed_seen += 1
                event = services.dossier_transition(
                    actor=actor,
                    membership=membership,
                    dossier_id=dossier.pk,
                    transition=move.name,
                    reason="motif",
                    reorientation_scheme=scheme,
                    flow=move.flow,
                )
                after = Dossier.objects.get(pk=dossier.pk)
                assert after.state == move.target, move.name
                assert after.state_changed_at >= before.state_changed_at
                new_events = list(DossierEvent.objects.filter(dossier=dossier).order_by("id"))
                assert len(new_events) == events + 1, move.name
                assert new_events[-1] == event
                assert (event.from_state, event.to_state) == (state, move.target)
                assert (event.actor_id, event.transition) == (actor.pk, move.name)
                if move.needs_reorientation_scheme:
                    assert event.reason == f"Réorienté vers : {SCHEME_LABEL}. motif"
                    assert (after.reorientation_scheme, after.reorientation_label) == (
                        SCHEME,
                        SCHEME_LABEL,
                    )
                else:
                    assert event.reason == "motif"
                if move.target == DossierState.TRANSMITTED_TO_BANK:
                    assert after.bank_transmitted_at is not None
                assert AuditEvent.objects.count() == audits + 1, move.name
                audit = AuditEvent.objects.order_by("-id").first()
                assert audit is not None
                assert (audit.action, audit.object_id, audit.actor_id) == (
                    f"dossier_{move.name}",
                    str(dossier.pk),
                    actor.pk,
                )
                assert audit.old_values == {"state": state}
                assert audit.new_values == {"state": str(move.target)}
            else:
                # The technical admin and the data-protection officer see no dossier.
                no_access = role in (Role.ADMIN, Role.DPO)
                expected: type[Exception] = Http404 if no_access else TransitionRefused
                with pytest.raises(expected) as refused:
                    services.dossier_transition(
                        actor=actor,
                        membership=membership,
                        dossier_id=dossier.pk,
                        transition=move.name,
                        reason="motif",
                        reorientation_scheme=scheme,
                        flow=move.flow,
                    )
                message = str(refused.value)
                if no_access:
                    assert "Dossier introuvable" in message
                elif role not in move.roles:
                    assert f"Votre rôle ne permet pas l'action « {move.label} »" in message
                else:
                    label = DossierState(state).label
                    assert f"n'est pas possible pour un dossier « {label} »" in message
                after = Dossier.objects.get(pk=dossier.pk)
                assert (after.state, after.state_changed_at, after.updated_at) == (
                    before.state,
                    before.state_changed_at,
                    before.updated_at,
                ), move.name
                assert DossierEvent.objects.filter(dossier=dossier).count() == events
                assert AuditEvent.objects.count() == audits
            transaction.set_rollback(True)
    assert allowed_seen == sum(1 for t in TRANSITIONS if t.allows(state, role))


def test_the_walk_covers_every_transition_somewhere() -> None:
    """The table has no dead row: each transition is allowed for some (role, state)."""
    for move in TRANSITIONS:
        assert any(move.allows(s, r) for s in DossierState.values for r in Role.values), move.name
    for role in (Role.ADMIN, Role.DPO):
        assert not any(t.allows(s, role) for t in TRANSITIONS for s in DossierState.values)
    assert not any(t.allows(s, Role.PARTNER_WORKER) for t in TRANSITIONS for s in DossierState)
