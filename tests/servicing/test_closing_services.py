"""The project's proof (an invoice through the documents rules, or a waiver) and the closing of
the dossier, which waits for the proof and the bonification of a repaid loan (the hook
dossiers.hooks.closing_blockers, answered by servicing); who may record them."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from microcredit.accounts.enums import Role
from microcredit.accounts.models import User
from microcredit.core.errors import Refused, TransitionRefused
from microcredit.core.models import AuditEvent
from microcredit.documents.models import Document
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier
from microcredit.organisations.models import Organisation
from microcredit.servicing.enums import PaymentMode
from microcredit.servicing.models import Bonification, ProjectProof
from microcredit.servicing.services.closing import (
    bonification_record,
    bonification_waive,
    project_proof_record,
    project_proof_waive,
)
from tests.dossiers.helpers import move, refused
from tests.factories import membership_of
from tests.servicing.closing_helpers import AFTER, invoice, not_a_pdf, on, repaid_loan

pytestmark = pytest.mark.django_db


@pytest.fixture
def referent(make_user) -> User:  # type: ignore[no-untyped-def]
    return make_user(Role.REFERENT)


@pytest.fixture
def adviser(make_user) -> User:  # type: ignore[no-untyped-def]
    return make_user(Role.BANK_ADVISER, username="conseiller")


def _upload(user: User, loan_id: int, upload) -> ProjectProof:  # type: ignore[no-untyped-def]
    return project_proof_record(
        actor=user, membership=membership_of(user), loan_id=loan_id, upload=upload, today=AFTER
    )


def _nothing_recorded(documents: int, audits: int) -> None:
    assert not ProjectProof.objects.exists()
    assert Document.objects.count() == documents
    assert AuditEvent.objects.count() == audits


def test_the_invoice_is_filed_as_a_document_of_the_dossier(referent: User, adviser: User) -> None:
    loan = repaid_loan(referent, adviser)
    proof = _upload(referent, loan.pk, invoice())
    document = proof.document
    assert document is not None
    assert (document.dossier_id, document.kind, document.label) == (
        loan.dossier_id,
        "invoice",
        "Facture du projet",
    )
    assert (document.content_type, document.original_name) == ("application/pdf", "facture.pdf")
    assert len(document.sha256) == 64
    audit = AuditEvent.objects.filter(action="project_proof_recorded").get()
    assert audit.new_values["document"] == document.pk
    with pytest.raises(Refused, match="déjà enregistré"):
        _upload(referent, loan.pk, invoice("une autre"))


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (not_a_pdf(), "n'est pas un PDF"),
        (invoice(name="facture.png"), "ne correspond pas à son extension"),
    ],
)
def test_a_refused_file_changes_nothing(referent: User, adviser: User, upload, message) -> None:  # type: ignore[no-untyped-def]
    loan = repaid_loan(referent, adviser)
    documents, audits = Document.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        _upload(referent, loan.pk, upload)
    assert message in " ".join(error.value.message_dict["upload"])
    _nothing_recorded(documents, audits)


def test_a_file_already_filed_in_the_dossier_is_refused(referent: User, adviser: User) -> None:
    loan = repaid_loan(referent, adviser)
    # The signed offer (tests.factories) is already a document of the dossier.
    offer = Document.objects.get(dossier_id=loan.dossier_id, kind="signed_offer")
    documents, audits = Document.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        _upload(referent, loan.pk, invoice(f"offer-{loan.dossier_id}", name="offre.pdf"))
    assert error.value.message_dict["upload"] == ["Ce fichier est déjà déposé dans le dossier."]
    assert Document.objects.filter(sha256=offer.sha256).count() == 1
    _nothing_recorded(documents, audits)


def test_a_waiver_needs_a_reason(referent: User, adviser: User) -> None:
    loan = repaid_loan(referent, adviser)
    membership = membership_of(referent)
    for waive in (project_proof_waive, bonification_waive):
        with pytest.raises(ValidationError) as error:
            waive(actor=referent, membership=membership, loan_id=loan.pk, reason="  ")
        assert error.value.message_dict == {"reason": ["Indiquez le motif de la dispense."]}
    assert not ProjectProof.objects.exists() and not Bonification.objects.exists()
    proof = project_proof_waive(
        actor=referent, membership=membership, loan_id=loan.pk, reason=" Projet abandonné. "
    )
    assert (proof.document, proof.waived_reason) == (None, "Projet abandonné.")


def test_only_a_repaid_dossier_records_its_proof(referent: User, adviser: User) -> None:
    loan = repaid_loan(referent, adviser, record_repaid=False)  # paid, not yet « remboursé »
    with pytest.raises(Refused, match="une fois le prêt entièrement remboursé"):
        _upload(referent, loan.pk, invoice())
    assert not ProjectProof.objects.exists()


def test_who_records_the_proof(make_user, referent: User, adviser: User) -> None:  # type: ignore[no-untyped-def]
    loan = repaid_loan(referent, adviser)
    director = make_user(Role.DIRECTOR, username="directrice")
    agent = make_user(Role.AGENT, username="agent")
    roanne = Organisation.objects.create(kind="ccas", name="CCAS de Roanne", slug="roanne")
    other = make_user(Role.REFERENT, username="roanne", organisation=roanne)
    for user in (agent, adviser):
        with pytest.raises(Refused, match="Seuls le référent et la direction"):
            project_proof_waive(
                actor=user, membership=membership_of(user), loan_id=loan.pk, reason="Motif."
            )
    with pytest.raises(Http404):  # another CCAS does not see the loan
        project_proof_waive(
            actor=other, membership=membership_of(other), loan_id=loan.pk, reason="Motif."
        )
    assert not ProjectProof.objects.exists()
    project_proof_waive(
        actor=director, membership=membership_of(director), loan_id=loan.pk, reason="Motif."
    )
    assert ProjectProof.objects.get().recorded_by == director


def test_closing_waits_for_the_proof_and_the_bonification(referent: User, adviser: User) -> None:
    loan = repaid_loan(referent, adviser)
    dossier = loan.dossier
    message = refused(referent, dossier, "close")
    assert "Le justificatif du projet (la facture) n'est pas enregistré" in message
    assert "La bonification n'est pas enregistrée" in message
    with on(AFTER):
        _upload(referent, loan.pk, invoice())
    message = refused(referent, dossier, "close")
    assert "justificatif" not in message and "La bonification n'est pas enregistrée" in message
    with on(AFTER):
        bonification_record(
            actor=referent,
            membership=membership_of(referent),
            loan_id=loan.pk,
            paid_on=AFTER,
            mode=PaymentMode.CHEQUE,
            today=AFTER,
        )
    with on(AFTER):
        move(referent, dossier, "close")
    assert Dossier.objects.get(pk=dossier.pk).state == DossierState.CLOSED
    with pytest.raises(Refused, match="clôturé"):  # nothing changes after the closing
        project_proof_waive(
            actor=referent, membership=membership_of(referent), loan_id=loan.pk, reason="x"
        )


def test_after_a_guarantee_claim_the_dossier_closes_without_proof(
    referent: User, adviser: User
) -> None:
    loan = repaid_loan(referent, adviser, record_repaid=False)
    Dossier.objects.filter(pk=loan.dossier_id).update(state=DossierState.GUARANTEE_CALLED)
    with pytest.raises(TransitionRefused):  # the bank adviser does not close
        move(adviser, loan.dossier, "close")
    move(referent, loan.dossier, "close")
    assert Dossier.objects.get(pk=loan.dossier_id).state == DossierState.CLOSED
    assert not ProjectProof.objects.exists() and not Bonification.objects.exists()
