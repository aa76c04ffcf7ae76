"""The dossier's workflow around the moves: editing the project clears the eligibility, a dossier
past the committee is no longer edited, the technical administrator sees no dossier, and the
référent is e-mailed after the commit when someone else moves their dossier."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.conf import settings
from django.core import mail
from django.http import Http404
from django.urls import reverse

from microcredit.accounts.enums import Role
from microcredit.accounts.models import User
from microcredit.core.errors import TransitionRefused
from microcredit.core.models import AuditEvent
from microcredit.dossiers import services
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier
from microcredit.dossiers.selectors import access_dossiers_for_user
from tests.dossiers.helpers import move, refused
from tests.factories import make_dossier, membership_of


@pytest.mark.django_db
def test_editing_the_project_clears_the_eligibility(referent: User) -> None:
    dossier = make_dossier(
        created_by=referent, referent=referent, state=DossierState.INSTRUCTION, eligible=True
    )
    assert dossier.eligibility_id is not None
    services.dossier_update(
        actor=referent,
        membership=membership_of(referent),
        dossier_id=dossier.pk,
        values={"requested_amount": Decimal("1500.00")},
    )
    dossier.refresh_from_db()
    assert dossier.eligibility_id is None
    assert dossier.requested_amount == Decimal("1500.00")
    audit = AuditEvent.objects.get(action="dossier_updated", object_id=str(dossier.pk))
    assert audit.old_values == {"requested_amount": "1200.00"}
    assert audit.new_values == {"requested_amount": "1500.00"}
    # The move that needed it is now refused until the eligibility is checked again.
    assert "Vérifiez d'abord l'éligibilité" in refused(referent, dossier, "submit_to_committee")


@pytest.mark.django_db
def test_editing_who_oriented_the_person_keeps_the_eligibility(referent: User) -> None:
    dossier = make_dossier(created_by=referent, state=DossierState.DIAGNOSIS, eligible=True)
    services.dossier_update(
        actor=referent,
        membership=membership_of(referent),
        dossier_id=dossier.pk,
        values={"oriented_by_name": "Mme Roche (Mission locale)"},
    )
    dossier.refresh_from_db()
    assert dossier.eligibility_id is not None


@pytest.mark.django_db
def test_a_dossier_past_the_committee_is_no_longer_edited(referent: User) -> None:
    dossier = make_dossier(created_by=referent, state=DossierState.READY_FOR_COMMITTEE)
    with pytest.raises(TransitionRefused, match="il ne se modifie plus"):
        services.dossier_update(
            actor=referent,
            membership=membership_of(referent),
            dossier_id=dossier.pk,
            values={"requested_amount": Decimal("1500.00")},
        )
    assert Dossier.objects.get(pk=dossier.pk).requested_amount == Decimal("1200.00")


# --- the technical administrator ------------------------------------------------------------


@pytest.mark.django_db
def test_the_technical_administrator_sees_no_dossier(make_user, referent: User) -> None:  # type: ignore[no-untyped-def]
    admin = make_user(Role.ADMIN)
    dossier = make_dossier(created_by=referent)
    assert not access_dossiers_for_user(admin, membership_of(admin)).exists()
    with pytest.raises(Http404):
        move(admin, dossier, "start_diagnosis")
    with pytest.raises(Http404):
        services.dossier_update(
            actor=admin,
            membership=membership_of(admin),
            dossier_id=dossier.pk,
            values={"requested_amount": Decimal("1500.00")},
        )


# --- e-mail to the référent after commit ----------------------------------------------------


@pytest.mark.django_db
def test_the_referent_is_emailed_when_someone_else_moves_the_dossier(
    django_capture_on_commit_callbacks, referent: User, director: User
) -> None:  # type: ignore[no-untyped-def]
    dossier = make_dossier(created_by=referent, referent=referent)
    applicant = dossier.applicant
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        move(director, dossier, "withdraw", reason="La personne a trouvé un autre financement.")
        assert mail.outbox == []  # nothing leaves before the commit
    assert len(callbacks) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [referent.email]
    assert dossier.number in message.subject
    assert "abandon" in message.subject
    assert dossier.number in message.body
    assert settings.SITE_URL + reverse("dossiers:detail", args=[dossier.pk]) in message.body
    for text in (message.subject, message.body):
        assert applicant.last_name not in text
        assert applicant.first_name not in text
        assert applicant.last_name.upper() not in text
        assert applicant.address not in text


@pytest.mark.django_db
def test_no_email_when_the_referent_moves_the_dossier_themselves(
    django_capture_on_commit_callbacks, referent: User
) -> None:  # type: ignore[no-untyped-def]
    dossier = make_dossier(created_by=referent, referent=referent)
    with django_capture_on_commit_callbacks(execute=True):
        move(referent, dossier, "start_diagnosis")
    assert mail.outbox == []


@pytest.mark.django_db
def test_no_email_when_the_move_is_refused(
    django_capture_on_commit_callbacks, referent: User, director: User
) -> None:  # type: ignore[no-untyped-def]
    dossier = make_dossier(created_by=referent, referent=referent)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(TransitionRefused),
    ):
        move(director, dossier, "withdraw")  # no reason
    assert callbacks == []
    assert mail.outbox == []
