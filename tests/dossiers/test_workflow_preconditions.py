"""The dossier's workflow: each precondition of a move, one at a time (eligibility, documents,
consent, bank partner, reasons, reorientation scheme, the state the user saw, an active role);
a refused move changes nothing. The bank path's moves are logged in order."""

from __future__ import annotations

import pytest
from django.http import Http404

from microcredit.accounts.enums import Role
from microcredit.accounts.models import User
from microcredit.core.errors import TransitionRefused
from microcredit.documents.models import Document
from microcredit.dossiers import services
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier, DossierEvent, EligibilityCheck
from microcredit.programmes.models import Programme
from microcredit.servicing.services.closing import bonification_waive, project_proof_waive
from tests.dossiers.helpers import move, paid_off_loan, refused
from tests.factories import make_dossier, make_loan, membership_of, saint_etienne_programme


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


@pytest.mark.django_db
def test_bank_path_moves_are_logged_in_order(make_user, referent: User) -> None:  # type: ignore[no-untyped-def]
    """A dossier walked from transmission to closure keeps one event per move, in order."""
    adviser = make_user(Role.BANK_ADVISER)
    loan = make_loan(created_by=referent, adviser=adviser)  # accepted, then disbursed
    dossier = loan.dossier
    assert "pas entièrement remboursé" in refused(adviser, dossier, "record_repaid")
    paid_off_loan(adviser, loan)
    move(adviser, dossier, "record_repaid")
    # Closing waits for the project's proof and the bonification (servicing), here waived.
    assert "justificatif du projet" in refused(referent, dossier, "close")
    waiver = {"actor": referent, "membership": membership_of(referent), "loan_id": loan.pk}
    project_proof_waive(**waiver, reason="Projet non réalisé.")
    bonification_waive(**waiver, reason="Projet non réalisé.")
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
