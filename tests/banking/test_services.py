"""The bank's services: decision, signed offer, disbursement creating the loan and its schedule."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone

from loan_engine import DeferralKind, LoanTerms, annual_percentage_rate, build_schedule
from microcredit.accounts.enums import Role
from microcredit.accounts.models import User
from microcredit.applicants.models import Applicant
from microcredit.banking import services
from microcredit.banking.enums import BankOutcome
from microcredit.banking.models import BankDecision, Disbursement
from microcredit.core.errors import TransitionRefused
from microcredit.core.models import AuditEvent
from microcredit.documents.models import Document
from microcredit.documents.services import document_upload
from microcredit.dossiers import services as dossier_services
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier, DossierEvent
from microcredit.loans.models import Loan, ScheduleLine, ScheduleVersion
from microcredit.loans.selectors import loan_schedule
from microcredit.programmes.models import ProgrammeVersion
from tests.factories import (
    make_applicant,
    make_granted_dossier,
    make_second_bank,
    make_transmitted_dossier,
    membership_of,
    pdf_bytes,
    saint_etienne_programme,
)

pytestmark = pytest.mark.django_db


def pdf(tag: str, name: str = "offre.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(tag), "application/pdf")


def counts() -> tuple[int, ...]:
    return (
        BankDecision.objects.count(),
        Disbursement.objects.count(),
        Loan.objects.count(),
        ScheduleVersion.objects.count(),
        ScheduleLine.objects.count(),
        DossierEvent.objects.count(),
        AuditEvent.objects.count(),
        Document.objects.count(),
    )


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


def disburse(adviser: User, dossier: Dossier, **overrides: object) -> Loan:
    today = timezone.localdate()
    values: dict[str, object] = {
        "cheque_number": "0012345",
        "date": today,
        "amount": Decimal("1200.00"),
        "today": today,
        **overrides,
    }
    return services.disbursement_record(
        actor=adviser,
        membership=membership_of(adviser),
        dossier_id=dossier.pk,
        **values,  # type: ignore[arg-type]
    )


def test_the_disbursement_needs_the_signed_offer(referent: User, adviser: User) -> None:
    dossier = make_granted_dossier(created_by=referent, adviser=adviser, offer=False)
    before = counts()
    with pytest.raises(ValidationError) as caught:
        disburse(adviser, dossier)
    assert caught.value.code == "offer_missing"
    assert counts() == before


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"cheque_number": " "}, "cheque_number", "required"),
        ({"cheque_number": "12/45"}, "cheque_number", "invalid_cheque_number"),
        ({"date": timezone.localdate() + timedelta(days=1)}, "date", "future_date"),
        ({"date": timezone.localdate() - timedelta(days=1)}, "date", "before_offer"),
        ({"amount": Decimal("1199.99")}, "amount", "amount_mismatch"),
        ({"payee_name": "Garage Dupont"}, "payee_change_reason",
         "payee_change_reason_required"),
    ],
)  # fmt: skip
def test_a_refused_disbursement_writes_nothing(
    referent: User, adviser: User, overrides: dict[str, object], field: str, code: str
) -> None:
    dossier = make_granted_dossier(created_by=referent, adviser=adviser)
    before = counts()
    with pytest.raises(ValidationError) as caught:
        disburse(adviser, dossier, **overrides)
    assert [e.code for e in caught.value.error_dict[field]] == [code]
    assert counts() == before
    dossier.refresh_from_db()
    assert dossier.state == DossierState.GRANTED


def test_a_payee_change_is_recorded_with_its_reason_and_document(
    referent: User, adviser: User
) -> None:
    dossier = make_granted_dossier(created_by=referent, adviser=adviser)
    disburse(
        adviser,
        dossier,
        payee_name="Auto-école du Pilat",
        payee_siret="552 100 554 00013",
        payee_change_reason="L'auto-école du devis a fermé.",
        payee_change_upload=pdf("nouveau-devis", "devis.pdf"),
    )
    disbursement = Disbursement.objects.get(dossier=dossier)
    assert disbursement.payee_changed
    assert disbursement.payee_name == "Auto-école du Pilat"
    assert disbursement.payee_siret == "55210055400013"
    assert disbursement.payee_change_document is not None
    assert disbursement.payee_change_document.kind == "payee_change"


def test_the_same_payee_written_differently_is_no_change(referent: User, adviser: User) -> None:
    dossier = make_granted_dossier(created_by=referent, adviser=adviser)
    disburse(adviser, dossier, payee_name="  auto-école  DU forez ")
    disbursement = Disbursement.objects.get(dossier=dossier)
    assert (disbursement.payee_name, disbursement.payee_changed) == ("Auto-école du Forez", False)


def test_a_dossier_cannot_be_disbursed_twice(referent: User, adviser: User) -> None:
    dossier = make_granted_dossier(created_by=referent, adviser=adviser)
    disburse(adviser, dossier)
    before = counts()
    with pytest.raises(TransitionRefused):
        disburse(adviser, dossier, cheque_number="999")
    assert counts() == before


def test_ccas_staff_cannot_use_the_bank_services(make_user, referent: User) -> None:  # type: ignore[no-untyped-def]
    dossier = make_transmitted_dossier(created_by=referent)
    director = make_user(Role.DIRECTOR, username="directrice")
    with pytest.raises(Http404):
        services.bank_refuse(
            actor=director,
            membership=membership_of(director),
            dossier_id=dossier.pk,
            reason="incomplete",
            text="",
        )
    assert not BankDecision.objects.exists()


# --- The payee: never the borrower, identified by name and SIRET --------------------------


@pytest.mark.parametrize(
    "payee",
    [
        "Jérôme Dupré-Martin",
        "DUPRÉ-MARTIN Jérôme",
        "  m.  jerome   dupre martin ",
        "Mme Dupre-Martin, Jérôme",
    ],
)
def test_the_cheque_is_never_made_out_to_the_borrower(
    referent: User, adviser: User, payee: str
) -> None:
    applicant = make_applicant(
        organisation=membership_of(referent).organisation,
        created_by=referent,
        first_name="Jérôme",
        last_name="Dupré-Martin",
    )
    dossier = make_granted_dossier(created_by=referent, adviser=adviser, applicant=applicant)
    before = counts()
    with pytest.raises(ValidationError) as caught:
        disburse(
            adviser,
            dossier,
            payee_name=payee,
            payee_siret="552 100 554 00013",
            payee_change_reason="L'emprunteur paiera lui-même le garage.",
        )
    [error] = caught.value.error_dict["payee_name"]
    assert error.code == "payee_is_borrower"
    assert "à l'ordre de l'emprunteur" in error.message
    assert counts() == before


def test_a_dossier_whose_payee_is_the_borrower_is_not_disbursed(
    referent: User, adviser: User
) -> None:
    applicant = make_applicant(
        organisation=membership_of(referent).organisation,
        created_by=referent,
        first_name="Nadia",
        last_name="Benali",
    )
    dossier = make_granted_dossier(
        created_by=referent, adviser=adviser, applicant=applicant, payee_name="BENALI Nadia"
    )
    with pytest.raises(ValidationError) as caught:
        disburse(adviser, dossier)
    assert [e.code for e in caught.value.error_dict["payee_name"]] == ["payee_is_borrower"]
    # Someone else of the same family name is not the borrower.
    loan = disburse(
        adviser,
        dossier,
        payee_name="Benali Optique",
        payee_siret="44306184100047",
        payee_change_reason="Le devis de l'opticien remplace celui du dossier.",
    )
    assert loan.dossier.disbursement.payee_name == "Benali Optique"


def test_the_dossiers_siret_is_copied_when_the_payee_is_unchanged(
    referent: User, adviser: User
) -> None:
    dossier = make_granted_dossier(
        created_by=referent, adviser=adviser, payee_siret="73282932000074"
    )
    disburse(adviser, dossier)
    disbursement = Disbursement.objects.get(dossier=dossier)
    assert (disbursement.payee_siret, disbursement.payee_changed) == ("73282932000074", False)
    assert disbursement.bank_id == membership_of(adviser).organisation_id


def test_a_siret_given_for_a_dossier_without_one_is_checked_and_recorded(
    referent: User, adviser: User
) -> None:
    dossier = make_granted_dossier(created_by=referent, adviser=adviser)
    assert dossier.payee_siret == ""
    with pytest.raises(ValidationError) as caught:
        disburse(adviser, dossier, payee_siret="732 829 320 00075")
    assert [e.code for e in caught.value.error_dict["payee_siret"]] == ["invalid_siret"]
    disburse(adviser, dossier, payee_siret="732 829 320 00074")
    disbursement = Disbursement.objects.get(dossier=dossier)
    assert (disbursement.payee_siret, disbursement.payee_changed) == ("73282932000074", False)


@pytest.mark.parametrize(
    ("values", "field", "code"),
    [
        ({"payee_name": "Garage du Pilat"}, "payee_siret", "payee_siret_required"),
        ({"payee_name": "Garage du Pilat", "payee_siret": "12345678901234"}, "payee_siret",
         "invalid_siret"),
        # The dossier's name with another SIRET is another payee: it needs a reason.
        ({"payee_siret": "55210055400013", "payee_change_reason": ""}, "payee_change_reason",
         "payee_change_reason_required"),
    ],
)  # fmt: skip
def test_a_new_payee_needs_a_valid_siret(
    referent: User, adviser: User, values: dict[str, str], field: str, code: str
) -> None:
    dossier = make_granted_dossier(
        created_by=referent, adviser=adviser, payee_siret="73282932000074"
    )
    before = counts()
    with pytest.raises(ValidationError) as caught:
        disburse(
            adviser,
            dossier,
            **{"payee_change_reason": "L'auto-école du devis a fermé.", **values},
        )
    assert [e.code for e in caught.value.error_dict[field]] == [code]
    assert counts() == before


# --- A cheque number is recorded once at a bank --------------------------------------------


def test_a_cheque_number_cannot_be_recorded_on_two_dossiers(
    make_user, referent: User, adviser: User, saint_etienne
) -> None:  # type: ignore[no-untyped-def]
    first = make_granted_dossier(created_by=referent, adviser=adviser)
    second = make_granted_dossier(created_by=referent, adviser=adviser)
    disburse(adviser, first, cheque_number="A-778 12")
    before = counts()
    for number in ("A-778 12", "a-778  12"):
        with pytest.raises(ValidationError) as caught:
            disburse(adviser, second, cheque_number=number)
        [error] = caught.value.error_dict["cheque_number"]
        assert error.code == "cheque_reused"
        assert f"déjà enregistré pour le dossier {first.number}" in error.message
        assert counts() == before
    # Another bank's cheque may bear the same number.
    bank_b, programme_b = make_second_bank(saint_etienne)
    adviser_b = make_user(Role.BANK_ADVISER, username="conseiller-b", organisation=bank_b)
    other = make_granted_dossier(created_by=referent, adviser=adviser_b, programme=programme_b)
    disburse(adviser_b, other, cheque_number="A-778 12")
    assert sorted(
        Disbursement.objects.filter(cheque_number="A-778 12").values_list("bank_id", flat=True)
    ) == sorted([membership_of(adviser).organisation_id, bank_b.pk])


def test_the_database_refuses_a_cheque_number_twice_at_a_bank(
    referent: User, adviser: User
) -> None:
    from django.db import IntegrityError, transaction

    loan = disburse(adviser, make_granted_dossier(created_by=referent, adviser=adviser))
    disbursement = Disbursement.objects.get(dossier=loan.dossier)
    other = make_granted_dossier(created_by=referent, adviser=adviser)
    with pytest.raises(IntegrityError), transaction.atomic():
        Disbursement.objects.create(
            dossier=other,
            bank_id=disbursement.bank_id,
            cheque_number=disbursement.cheque_number,
            date=disbursement.date,
            amount=disbursement.amount,
            payee_name="Auto-école du Forez",
            recorded_by=adviser,
        )


# --- The schedule starts on the cheque's day; the usury band of the amount -----------------

PARIS = ZoneInfo("Europe/Paris")


def test_the_schedule_is_anchored_on_the_cheque_date_not_on_the_decision(
    referent: User, adviser: User
) -> None:
    accepted = date(2028, 1, 12)
    cheque = date(2028, 1, 31)  # 19 days after the decision and the signed offer
    with time_machine.travel(datetime(2028, 1, 12, 10, 0, tzinfo=PARIS), tick=False):
        dossier = make_granted_dossier(created_by=referent, adviser=adviser)
    decision = BankDecision.objects.get(dossier=dossier)
    assert timezone.localdate(decision.decided_at) == decision.offer_signed_on == accepted
    with time_machine.travel(datetime(2028, 1, 31, 15, 0, tzinfo=PARIS), tick=False):
        loan = disburse(adviser, dossier, date=cheque, today=cheque)
    assert loan.disbursement_date == cheque
    lines = list(ScheduleLine.objects.filter(version__loan=loan).order_by("number"))
    # 31 Jan → 29 Feb (2028 is a leap year) → 31 Mar → 30 Apr → 31 May, from the anchor each
    # time; the 24th installment on 31/01/2030.
    assert [line.due_date for line in lines[:5]] == [
        date(2028, 2, 29),
        date(2028, 3, 31),
        date(2028, 4, 30),
        date(2028, 5, 31),
        date(2028, 6, 30),
    ]
    assert len(lines) == 24 and lines[-1].due_date == date(2030, 1, 31)
    # The first period's interest: 1 200 × 1.75 % / 12 = 1.75.
    assert lines[0].interest == Decimal("1.75")


def usury_bands_version(dossier: Dossier) -> ProgrammeVersion:
    """A version in force today with several amount bands (listed out of order), an older
    table and a future one that must not apply."""
    version = ProgrammeVersion.objects.filter(programme=dossier.programme).latest("valid_from")
    version.pk = None
    version.number += 1
    version.valid_from = timezone.localdate()
    version.usury_thresholds = [
        {"valid_from": "2020-01-01", "amount_up_to": "1000.00", "rate_percent": "30.00"},
        {"valid_from": "2026-01-01", "amount_up_to": "6000.00", "rate_percent": "1.00"},
        {"valid_from": "2026-01-01", "amount_up_to": "1000.00", "rate_percent": "1.50"},
        {"valid_from": "2026-01-01", "amount_up_to": "", "rate_percent": "1.00"},
        {"valid_from": "2026-01-01", "amount_up_to": "3000.00", "rate_percent": "2.00"},
        {"valid_from": "2099-01-01", "amount_up_to": "3000.00", "rate_percent": "1.00"},
    ]
    version.save()
    return version


@pytest.mark.parametrize(
    ("amount", "threshold", "granted"),
    [
        # The APR of 1.75 % without fees is about 1.76 % (LOAN_CONVENTIONS, APR): above 1.50 %,
        # under 2.00 %. Up to 1 000 € included: the 1.50 % band.
        ("900.00", "1.50", False),
        ("1000.00", "1.50", False),
        # Above 1 000 € and up to 3 000 €: the 2.00 % band, not the 6 000 € or unbounded ones.
        ("1000.01", "2.00", True),
        ("3000.00", "2.00", True),
    ],
)
def test_the_usury_threshold_is_the_one_of_the_amount_band(
    referent: User, adviser: User, amount: str, threshold: str, granted: bool
) -> None:
    dossier = make_transmitted_dossier(created_by=referent)
    usury_bands_version(dossier)

    def accept() -> BankDecision:
        return services.bank_accept(
            actor=adviser,
            membership=membership_of(adviser),
            dossier_id=dossier.pk,
            amount=Decimal(amount),
            months=24,
            deferral_months=0,
            deferral_kind="none",
            today=timezone.localdate(),
        )

    if granted:
        decision = accept()
        assert decision.usury_threshold_percent == Decimal(threshold)
        assert decision.apr_percent is not None and decision.apr_percent <= Decimal(threshold)
    else:
        with pytest.raises(ValidationError) as caught:
            accept()
        [error] = caught.value.error_dict["amount"]
        assert error.code == "usury_exceeded"
        assert f"{threshold.replace('.', ',')}\u00a0%" in error.message
        assert not BankDecision.objects.exists()
