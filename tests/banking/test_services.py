"""The bank's services: decision and signed offer, from reception to the disbursement creating
the loan and its schedule; terms, usury, refusal and offer checks."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from loan_engine import DeferralKind, LoanTerms, annual_percentage_rate, build_schedule
from microcredit.accounts.enums import Role
from microcredit.accounts.models import User
from microcredit.applicants.models import Applicant
from microcredit.banking import services
from microcredit.banking.enums import BankOutcome
from microcredit.banking.models import BankDecision, Disbursement
from microcredit.core.errors import TransitionRefused
from microcredit.documents.services import document_upload
from microcredit.dossiers import services as dossier_services
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier, DossierEvent
from microcredit.loans.models import ScheduleLine, ScheduleVersion
from microcredit.loans.selectors import loan_schedule
from microcredit.programmes.models import ProgrammeVersion
from tests.banking.helpers import counts, pdf
from tests.factories import (
    make_applicant,
    make_granted_dossier,
    make_transmitted_dossier,
    membership_of,
    pdf_bytes,
    saint_etienne_programme,
)

pytestmark = pytest.mark.django_db


def _to_committee(referent: User) -> Dossier:
    """Accueil → prêt pour la commission, through the dossier services."""
    membership = membership_of(referent)
    applicant: Applicant = make_applicant(organisation=membership.organisation, created_by=referent)
    programme = saint_etienne_programme()
    dossier = dossier_services.dossier_create(
        actor=referent,
        membership=membership,
        applicant=applicant,
        programme=programme,
        values={
            "application_date": timezone.localdate(),
            "purpose_category": "mobilite",
            "purpose_subcategory": "permis_de_conduire",
            "project_description": "Permis B pour un emploi d'aide à domicile.",
            "project_cost": Decimal("1450.00"),
            "payee_name": "Auto-école du Forez",
            "payee_address": "3 place Jean Jaurès, 42000 Saint-Étienne",
            "requested_amount": Decimal("1200.00"),
            "requested_months": 24,
            "requested_deferral_months": 0,
            "requested_deferral_kind": "none",
            "no_ordinary_credit": True,
            "no_ordinary_credit_evidence": "Refus de la banque habituelle.",
        },
    )

    def move(name: str) -> None:
        dossier_services.dossier_transition(
            actor=referent, membership=membership, dossier_id=dossier.pk, transition=name
        )

    move("start_diagnosis")
    dossier_services.dossier_check_eligibility(
        actor=referent, membership=membership, dossier_id=dossier.pk
    )
    move("start_instruction")
    version = ProgrammeVersion.objects.filter(programme=programme).latest("valid_from")
    for spec in version.required_documents_for("mobilite"):
        document_upload(
            actor=referent,
            membership=membership,
            dossier_id=dossier.pk,
            kind=spec["code"],
            upload=pdf(spec["code"], "piece.pdf"),
        )
    document_upload(
        actor=referent,
        membership=membership,
        dossier_id=dossier.pk,
        kind="consent",
        upload=pdf("consent", "consentement.pdf"),
    )
    dossier_services.dossier_consent_record(
        actor=referent,
        membership=membership,
        dossier_id=dossier.pk,
        consent_date=timezone.localdate(),
        today=timezone.localdate(),
    )
    move("submit_to_committee")
    dossier.refresh_from_db()
    return dossier


def test_from_reception_to_disbursement_the_schedule_is_the_engines(
    make_user, referent: User, adviser: User
) -> None:  # type: ignore[no-untyped-def]
    dossier = _to_committee(referent)
    assert dossier.state == DossierState.READY_FOR_COMMITTEE
    director = make_user(Role.DIRECTOR, username="directrice")
    dossier_services.dossier_transition(
        actor=director,
        membership=membership_of(director),
        dossier_id=dossier.pk,
        transition="transmit_to_bank",
        flow="commission",
    )
    today = timezone.localdate()
    bank = membership_of(adviser)
    # The bank changes the terms within the parameters: 1 000 € over 18 months after a
    # 2-month partial deferral.
    decision = services.bank_accept(
        actor=adviser,
        membership=bank,
        dossier_id=dossier.pk,
        amount=Decimal("1000.00"),
        months=18,
        deferral_months=2,
        deferral_kind="interest_only",
        today=today,
        expected_state=DossierState.TRANSMITTED_TO_BANK,
    )
    provisional = build_schedule(
        LoanTerms(Decimal("1000.00"), Decimal("0.0175"), 18, today, 2, DeferralKind.INTEREST_ONLY)
    )
    assert decision.outcome == BankOutcome.ACCEPTED
    assert decision.installment == provisional.installment
    assert decision.apr_percent == annual_percentage_rate(provisional)
    assert decision.usury_threshold_percent is not None
    assert decision.apr_percent <= decision.usury_threshold_percent
    assert decision.event.transition == "bank_accept"
    services.bank_offer_record(
        actor=adviser,
        membership=bank,
        dossier_id=dossier.pk,
        signed_on=today,
        upload=pdf("offre-signee"),
        today=today,
    )
    loan = services.disbursement_record(
        actor=adviser,
        membership=bank,
        dossier_id=dossier.pk,
        cheque_number="0012345",
        date=today,
        amount=Decimal("1000.00"),
        today=today,
    )
    dossier.refresh_from_db()
    assert dossier.state == DossierState.DISBURSED
    expected = build_schedule(
        LoanTerms(Decimal("1000.00"), Decimal("0.0175"), 18, today, 2, DeferralKind.INTEREST_ONLY)
    )
    version = ScheduleVersion.objects.get(loan=loan)
    assert (version.number, version.reason) == (1, "Échéancier initial")
    stored = list(ScheduleLine.objects.filter(version=version).order_by("number"))
    assert len(stored) == len(expected.rows) == 20
    for line, row in zip(stored, expected.rows, strict=True):
        assert (
            line.number,
            line.due_date,
            line.kind,
            line.payment,
            line.interest,
            line.principal,
            line.capitalised,
            line.balance,
        ) == (
            row.number,
            row.due_date,
            row.kind,
            row.payment,
            row.interest,
            row.principal,
            row.capitalised,
            row.balance,
        )
    assert loan.installment == expected.installment
    assert loan.total_interest == expected.total_interest
    assert loan.total_due == expected.total_due
    assert loan.apr_percent == annual_percentage_rate(expected)
    assert loan.deferral_kind == "interest_only"
    # The schedule rebuilt from the stored lines is the engine's, field for field.
    assert loan_schedule(loan).rows == expected.rows
    disbursement = Disbursement.objects.get(dossier=dossier)
    assert (disbursement.payee_name, disbursement.payee_changed) == ("Auto-école du Forez", False)
    transitions = list(
        DossierEvent.objects.filter(dossier=dossier).values_list("transition", flat=True)
    )
    assert transitions[-3:] == ["transmit_to_bank", "bank_accept", "disburse"]


def test_a_capitalised_deferral_is_stored_as_the_engine_computes_it(
    referent: User, adviser: User
) -> None:
    dossier = make_granted_dossier(
        created_by=referent,
        adviser=adviser,
        requested_deferral_months=3,
        requested_deferral_kind="capitalised",
    )
    today = timezone.localdate()
    loan = services.disbursement_record(
        actor=adviser,
        membership=membership_of(adviser),
        dossier_id=dossier.pk,
        cheque_number="A-778 12",
        date=today,
        amount=Decimal("1200.00"),
        today=today,
    )
    expected = build_schedule(
        LoanTerms(Decimal("1200.00"), Decimal("0.0175"), 24, today, 3, DeferralKind.CAPITALISED)
    )
    assert loan_schedule(loan).rows == expected.rows
    assert loan.total_due == expected.total_due


def low_usury_version(dossier: Dossier) -> ProgrammeVersion:
    """A version in force today whose usury table (1,00 %) the scheme's rate exceeds."""
    version = ProgrammeVersion.objects.filter(programme=dossier.programme).latest("valid_from")
    version.pk = None
    version.number += 1
    version.valid_from = timezone.localdate()
    version.usury_thresholds = [
        {"valid_from": "2020-01-01", "amount_up_to": "", "rate_percent": "1.00"}
    ]
    version.save()
    return version


def test_an_apr_above_the_usury_threshold_is_refused_and_nothing_is_written(
    referent: User, adviser: User
) -> None:
    dossier = make_transmitted_dossier(created_by=referent)
    low_usury_version(dossier)
    before = counts()
    with pytest.raises(ValidationError) as caught:
        services.bank_accept(
            actor=adviser,
            membership=membership_of(adviser),
            dossier_id=dossier.pk,
            amount=Decimal("1200.00"),
            months=24,
            deferral_months=0,
            deferral_kind="none",
            today=timezone.localdate(),
        )
    error = caught.value.error_dict["amount"][0]
    assert error.code == "usury_exceeded"
    assert "1,76\u00a0%" in error.message and "1,00\u00a0%" in error.message
    assert counts() == before
    dossier.refresh_from_db()
    assert dossier.state == DossierState.TRANSMITTED_TO_BANK


@pytest.mark.parametrize(
    ("terms", "field", "code"),
    [
        ({"amount": Decimal("3000.01")}, "amount", "amount_out_of_range"),
        ({"amount": Decimal("299.99")}, "amount", "amount_out_of_range"),
        ({"months": 2}, "months", "months_out_of_range"),
        ({"months": 37}, "months", "months_out_of_range"),
        ({"deferral_months": 13, "deferral_kind": "interest_only"}, "deferral_months",
         "deferral_out_of_range"),
        ({"deferral_months": 2, "deferral_kind": "none"}, "deferral_kind",
         "deferral_kind_required"),
        ({"deferral_months": 2, "deferral_kind": "weekly"}, "deferral_kind",
         "invalid_deferral_kind"),
    ],
)  # fmt: skip
def test_terms_outside_the_parameters_are_refused(
    referent: User, adviser: User, terms: dict[str, object], field: str, code: str
) -> None:
    dossier = make_transmitted_dossier(created_by=referent)
    values: dict[str, object] = {
        "amount": Decimal("1200.00"),
        "months": 24,
        "deferral_months": 0,
        "deferral_kind": "none",
        **terms,
    }
    before = counts()
    with pytest.raises(ValidationError) as caught:
        services.bank_accept(
            actor=adviser,
            membership=membership_of(adviser),
            dossier_id=dossier.pk,
            today=timezone.localdate(),
            **values,  # type: ignore[arg-type]
        )
    assert [e.code for e in caught.value.error_dict[field]] == [code]
    assert counts() == before


def test_a_deferral_kind_the_version_forbids_is_refused(referent: User, adviser: User) -> None:
    dossier = make_transmitted_dossier(created_by=referent)
    ProgrammeVersion.objects.filter(programme=dossier.programme).update(
        allow_capitalised_deferral=False
    )
    with pytest.raises(ValidationError) as caught:
        services.bank_accept(
            actor=adviser,
            membership=membership_of(adviser),
            dossier_id=dossier.pk,
            amount=Decimal("1200.00"),
            months=24,
            deferral_months=2,
            deferral_kind="capitalised",
            today=timezone.localdate(),
        )
    assert caught.value.error_dict["deferral_kind"][0].code == "deferral_kind_not_allowed"


def test_a_stale_expected_state_is_refused(referent: User, adviser: User) -> None:
    dossier = make_transmitted_dossier(created_by=referent)
    with pytest.raises(TransitionRefused):
        services.bank_accept(
            actor=adviser,
            membership=membership_of(adviser),
            dossier_id=dossier.pk,
            amount=Decimal("1200.00"),
            months=24,
            deferral_months=0,
            deferral_kind="none",
            today=timezone.localdate(),
            expected_state=DossierState.READY_FOR_COMMITTEE,
        )
    assert not BankDecision.objects.exists()


def test_a_refusal_needs_a_listed_reason_and_a_text_for_other(
    referent: User, adviser: User
) -> None:
    dossier = make_transmitted_dossier(created_by=referent)
    bank = membership_of(adviser)
    before = counts()
    with pytest.raises(ValidationError) as caught:
        services.bank_refuse(
            actor=adviser, membership=bank, dossier_id=dossier.pk, reason="other", text=" "
        )
    assert caught.value.error_dict["text"][0].code == "required"
    with pytest.raises(ValidationError) as caught:
        services.bank_refuse(
            actor=adviser, membership=bank, dossier_id=dossier.pk, reason="mood", text="x"
        )
    assert caught.value.error_dict["reason"][0].code == "invalid_reason"
    assert counts() == before
    decision = services.bank_refuse(
        actor=adviser,
        membership=bank,
        dossier_id=dossier.pk,
        reason="repayment_capacity",
        text="Reste à vivre trop faible.",
    )
    dossier.refresh_from_db()
    assert dossier.state == DossierState.REFUSED_BY_BANK
    assert decision.outcome == BankOutcome.REFUSED
    assert decision.event.reason == (
        "Capacité de remboursement insuffisante. Reste à vivre trop faible."
    )


def test_the_offer_date_and_file_are_checked(referent: User, adviser: User) -> None:
    dossier = make_granted_dossier(created_by=referent, adviser=adviser, offer=False)
    bank = membership_of(adviser)
    today = timezone.localdate()
    before = counts()
    for signed_on, upload, field, code in [
        (today + timedelta(days=1), pdf("a"), "signed_on", "future_date"),
        (today - timedelta(days=1), pdf("b"), "signed_on", "before_decision"),
        (today, SimpleUploadedFile("offre.pdf", b"MZ\x90\x00 not a pdf"), "upload", "invalid_file"),
        (today, SimpleUploadedFile("offre.png", pdf_bytes("c")), "upload", "invalid_file"),
    ]:
        with pytest.raises(ValidationError) as caught:
            services.bank_offer_record(
                actor=adviser,
                membership=bank,
                dossier_id=dossier.pk,
                signed_on=signed_on,
                upload=upload,
                today=today,
            )
        assert caught.value.error_dict[field][0].code == code
    assert counts() == before
    decision = services.bank_offer_record(
        actor=adviser,
        membership=bank,
        dossier_id=dossier.pk,
        signed_on=today,
        upload=pdf("ok"),
        today=today,
    )
    assert decision.offer_signed_on == today
    assert decision.offer_document is not None
    assert decision.offer_document.kind == "signed_offer"
