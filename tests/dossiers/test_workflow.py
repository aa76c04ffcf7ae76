"""The dossier's workflow: every (role × state × transition) of the table, then each precondition.

The walk builds, for each role and state, one dossier with every precondition met and visible to
the role, then tries each transition inside a savepoint that is rolled back afterwards.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.http import Http404
from django.urls import reverse

from microcredit.accounts.enums import Role
from microcredit.accounts.models import User
from microcredit.core.errors import TransitionRefused
from microcredit.core.models import AuditEvent
from microcredit.documents.models import Document
from microcredit.dossiers import services
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier, DossierEvent, EligibilityCheck
from microcredit.dossiers.selectors import access_dossiers_for_user
from microcredit.dossiers.workflow import TRANSITIONS, TRANSITIONS_BY_NAME
from microcredit.loans.models import Loan
from microcredit.loans.services import RepaymentLine, repayments_record_batch
from microcredit.programmes.models import Programme
from tests.factories import (
    make_dossier,
    make_loan,
    membership_of,
    put_on_agenda,
    saint_etienne_programme,
    share_with,
)

SCHEME = "aide_facultative_du_ccas"
SCHEME_LABEL = "Aide facultative du CCAS"


def paid_off_loan(adviser: User, loan: Loan) -> Loan:
    """The loan repaid in full on its disbursement day (a total early repayment)."""
    repayments_record_batch(
        actor=adviser,
        membership=membership_of(adviser),
        lines=[
            RepaymentLine(
                f"SOLDE-{loan.pk}",
                loan.dossier.number,
                loan.disbursement_date,
                loan.principal,
                early_repayment=True,
            )
        ],
        today=loan.disbursement_date,
        via="api",
    )
    return loan


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
                expected: type[Exception] = Http404 if role == Role.ADMIN else TransitionRefused
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
                if role == Role.ADMIN:
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
    assert not any(t.allows(s, Role.ADMIN) for t in TRANSITIONS for s in DossierState.values)
    assert not any(t.allows(s, Role.PARTNER_WORKER) for t in TRANSITIONS for s in DossierState)


# --- preconditions, one at a time -----------------------------------------------------------


@pytest.fixture
def referent(make_user) -> User:  # type: ignore[no-untyped-def]
    return make_user(Role.REFERENT)


@pytest.fixture
def director(make_user) -> User:  # type: ignore[no-untyped-def]
    return make_user(Role.DIRECTOR)


def move(user: User, dossier: Dossier, name: str, **kwargs) -> DossierEvent:  # type: ignore[no-untyped-def]
    known = TRANSITIONS_BY_NAME.get(name)
    kwargs.setdefault("flow", known.flow if known else "")
    return services.dossier_transition(
        actor=user, membership=membership_of(user), dossier_id=dossier.pk, transition=name, **kwargs
    )


def refused(user: User, dossier: Dossier, name: str, **kwargs) -> str:  # type: ignore[no-untyped-def]
    """Try the move, expect a refusal that changes nothing; return the French message."""
    state = Dossier.objects.get(pk=dossier.pk).state
    events = DossierEvent.objects.filter(dossier=dossier).count()
    audits = AuditEvent.objects.count()
    with pytest.raises(TransitionRefused) as error:
        move(user, dossier, name, **kwargs)
    assert Dossier.objects.get(pk=dossier.pk).state == state
    assert DossierEvent.objects.filter(dossier=dossier).count() == events
    assert AuditEvent.objects.count() == audits
    assert error.value.messages
    return str(error.value)


@pytest.mark.django_db
def test_instruction_needs_an_eligibility_check(referent: User) -> None:
    dossier = make_dossier(created_by=referent, state=DossierState.DIAGNOSIS)
    message = refused(referent, dossier, "start_instruction")
    assert "Vérifiez d'abord l'éligibilité" in message


@pytest.mark.django_db
def test_submission_lists_the_missing_documents_by_name(referent: User) -> None:
    dossier = make_dossier(
        created_by=referent, state=DossierState.INSTRUCTION, eligible=True, with_documents=True
    )
    Document.objects.filter(
        dossier=dossier, kind__in=["piece_d_identite", "devis_du_fournisseur"]
    ).delete()
    message = refused(referent, dossier, "submit_to_committee")
    assert "Pièces manquantes : Pièce d'identité, Devis du fournisseur." in message
    assert "Justificatif de domicile" not in message


@pytest.mark.django_db
def test_submission_needs_the_purpose_specific_document(referent: User) -> None:
    dossier = make_dossier(
        created_by=referent, state=DossierState.INSTRUCTION, eligible=True, with_documents=True
    )
    Document.objects.filter(
        dossier=dossier, kind="permis_de_conduire_ou_inscription_a_l_auto_ecole"
    ).delete()
    message = refused(referent, dossier, "submit_to_committee")
    assert "Permis de conduire ou inscription à l'auto-école" in message


@pytest.mark.django_db
def test_several_blockers_are_all_reported(referent: User) -> None:
    dossier = make_dossier(created_by=referent, state=DossierState.INSTRUCTION)
    with pytest.raises(TransitionRefused) as error:
        move(referent, dossier, "submit_to_committee")
    assert len(error.value.messages) == 2
    assert "éligibilité" in error.value.messages[0]
    assert error.value.messages[1].startswith("Pièces manquantes : ")


@pytest.mark.django_db
def test_transmission_needs_the_consent_date_and_the_signed_form(director: User) -> None:
    no_consent = make_dossier(
        created_by=director,
        state=DossierState.READY_FOR_COMMITTEE,
        eligible=True,
        with_documents=True,
    )
    assert "consentement du demandeur" in refused(director, no_consent, "transmit_to_bank")

    form_without_date = make_dossier(
        created_by=director,
        state=DossierState.READY_FOR_COMMITTEE,
        eligible=True,
        with_documents=True,
        with_consent=True,
    )
    Dossier.objects.filter(pk=form_without_date.pk).update(consent_date=None)
    assert "consentement du demandeur" in refused(director, form_without_date, "transmit_to_bank")

    date_without_form = make_dossier(
        created_by=director,
        state=DossierState.READY_FOR_COMMITTEE,
        eligible=True,
        with_documents=True,
        with_consent=True,
    )
    Document.objects.filter(dossier=date_without_form, kind="consent").delete()
    assert "consentement du demandeur" in refused(director, date_without_form, "transmit_to_bank")

    complete = make_dossier(
        created_by=director,
        state=DossierState.READY_FOR_COMMITTEE,
        eligible=True,
        with_documents=True,
        with_consent=True,
    )
    event = move(director, complete, "transmit_to_bank")
    assert event.to_state == DossierState.TRANSMITTED_TO_BANK


@pytest.mark.django_db
def test_transmission_needs_a_bank_partner(director: User) -> None:
    programme = Programme.objects.create(
        organisation=saint_etienne_programme().organisation,
        name="Prêt sans banque",
        slug="pret-sans-banque",
    )
    dossier = make_dossier(
        created_by=director,
        programme=programme,
        state=DossierState.READY_FOR_COMMITTEE,
        with_consent=True,
    )
    assert "n'a pas de partenaire bancaire" in refused(director, dossier, "transmit_to_bank")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "state"),
    [
        ("withdraw", DossierState.RECEPTION),
        ("adjourn", DossierState.READY_FOR_COMMITTEE),
        ("refuse_by_committee", DossierState.READY_FOR_COMMITTEE),
    ],
)
@pytest.mark.parametrize("reason", ["", "   "])
def test_a_reason_is_required(director: User, name: str, state: str, reason: str) -> None:
    dossier = make_dossier(created_by=director, state=state)
    assert "Indiquez le motif." in refused(director, dossier, name, reason=reason)


@pytest.mark.django_db
def test_the_bank_refusal_needs_a_reason(make_user, referent: User) -> None:  # type: ignore[no-untyped-def]
    adviser = make_user(Role.BANK_ADVISER)
    dossier = make_dossier(created_by=referent, state=DossierState.TRANSMITTED_TO_BANK)
    assert "Indiquez le motif." in refused(adviser, dossier, "bank_refuse")
    event = move(adviser, dossier, "bank_refuse", reason="  Endettement trop élevé.  ")
    assert event.reason == "Endettement trop élevé."


@pytest.mark.django_db
def test_a_failed_eligibility_needs_a_reason_to_be_submitted(referent: User) -> None:
    dossier = make_dossier(
        created_by=referent, state=DossierState.INSTRUCTION, eligible=True, with_documents=True
    )
    EligibilityCheck.objects.filter(pk=dossier.eligibility_id).update(outcome="ko")
    message = refused(referent, dossier, "submit_to_committee")
    assert "Un critère d'éligibilité n'est pas rempli" in message

    event = move(
        referent,
        dossier,
        "submit_to_committee",
        reason="Projet indispensable au retour à l'emploi.",
    )
    assert event.to_state == DossierState.READY_FOR_COMMITTEE
    assert event.reason == "Projet indispensable au retour à l'emploi."


@pytest.mark.django_db
def test_an_unknown_eligibility_outcome_does_not_block(referent: User) -> None:
    """Eligibility informs; people decide: only a ko asks for a reason."""
    dossier = make_dossier(
        created_by=referent, state=DossierState.INSTRUCTION, eligible=True, with_documents=True
    )
    EligibilityCheck.objects.filter(pk=dossier.eligibility_id).update(outcome="unknown")
    assert move(referent, dossier, "submit_to_committee").to_state == "ready_for_committee"


@pytest.mark.django_db
def test_reorientation_needs_a_scheme_of_the_parameters(referent: User) -> None:
    dossier = make_dossier(created_by=referent, state=DossierState.DIAGNOSIS)
    assert "Choisissez le dispositif" in refused(referent, dossier, "reorient")
    message = refused(referent, dossier, "reorient", reorientation_scheme="pret_sur_gage")
    assert "Ce dispositif de réorientation n'est pas dans les paramètres." in message
    event = move(
        referent,
        dossier,
        "reorient",
        reorientation_scheme="fonds_de_solidarite_logement_fsl",
    )
    assert event.reason == "Réorienté vers : Fonds de solidarité logement (FSL)."
    dossier.refresh_from_db()
    assert dossier.state == DossierState.REORIENTED
    assert dossier.reorientation_label == "Fonds de solidarité logement (FSL)"


@pytest.mark.django_db
def test_a_move_on_a_state_the_user_did_not_see_is_refused(referent: User) -> None:
    dossier = make_dossier(created_by=referent, state=DossierState.DIAGNOSIS)
    message = refused(
        referent, dossier, "withdraw", expected_state=DossierState.RECEPTION, reason="motif"
    )
    assert "vient d'être modifié par quelqu'un d'autre" in message
    assert "« diagnostic »" in message
    event = move(
        referent, dossier, "withdraw", expected_state=DossierState.DIAGNOSIS, reason="motif"
    )
    assert event.from_state == DossierState.DIAGNOSIS


@pytest.mark.django_db
def test_an_unknown_action_is_refused(referent: User) -> None:
    dossier = make_dossier(created_by=referent)
    assert "Action inconnue." in refused(referent, dossier, "teleport")


@pytest.mark.django_db
def test_no_active_role_no_move(referent: User) -> None:
    dossier = make_dossier(created_by=referent)
    with pytest.raises(Http404):
        services.dossier_transition(
            actor=referent, membership=None, dossier_id=dossier.pk, transition="start_diagnosis"
        )
    assert Dossier.objects.get(pk=dossier.pk).state == DossierState.RECEPTION


# --- editing clears the eligibility ----------------------------------------------------------


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


@pytest.mark.django_db
def test_bank_path_moves_are_logged_in_order(make_user, referent: User) -> None:  # type: ignore[no-untyped-def]
    """A dossier walked from transmission to closure keeps one event per move, in order."""
    adviser = make_user(Role.BANK_ADVISER)
    loan = make_loan(created_by=referent, adviser=adviser)  # accepted, then disbursed
    dossier = loan.dossier
    assert "pas entièrement remboursé" in refused(adviser, dossier, "record_repaid")
    paid_off_loan(adviser, loan)
    move(adviser, dossier, "record_repaid")
    move(referent, dossier, "close")
    events = list(
        DossierEvent.objects.filter(dossier=dossier).values_list("from_state", "to_state")
    )
    assert events == [
        ("transmitted_to_bank", "granted"),
        ("granted", "disbursed"),
        ("disbursed", "repaid"),
        ("repaid", "closed"),
    ]
