"""The audit and access-log vocabularies (core.enums): stored strings unchanged, moves covered."""

from __future__ import annotations

import pytest

from microcredit.core.enums import AccessAction, AuditAction
from microcredit.core.models import AuditEvent
from microcredit.dossiers.workflow import TRANSITIONS


def test_every_workflow_move_has_its_audit_action() -> None:
    for move in TRANSITIONS:
        assert AuditAction.for_transition(move.name) == f"dossier_{move.name}"


def test_an_unknown_move_has_no_action() -> None:
    with pytest.raises(ValueError):
        AuditAction.for_transition("teleport")


def test_the_stored_values_are_the_strings_written_before() -> None:
    assert AuditAction.DOSSIER_CREATED.value == "dossier_created"
    assert AuditAction.CONTACT_REQUEST_CREATE.value == "contact_request.create"
    assert AccessAction.DOSSIER_DETAIL.value == "dossier_detail"
    assert {len(a) for a in AuditAction} <= set(range(1, 81))  # AuditEvent.action max_length
    assert {len(a) for a in AccessAction} <= set(range(1, 61))  # AccessLog.action max_length


@pytest.mark.django_db
def test_a_member_is_stored_as_its_string() -> None:
    event = AuditEvent.objects.create(action=AuditAction.DOSSIER_CREATED, object_type="x")
    event.refresh_from_db()
    assert event.action == "dossier_created"
    assert type(event.action) is str
