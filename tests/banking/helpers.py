"""Bank test helpers: an uploaded PDF, the row counts a refused service must leave unchanged,
and a disbursement recorded through the service with overridable values."""

from __future__ import annotations

from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from microcredit.accounts.models import User
from microcredit.banking import services
from microcredit.banking.models import BankDecision, Disbursement
from microcredit.core.models import AuditEvent
from microcredit.documents.models import Document
from microcredit.dossiers.models import Dossier, DossierEvent
from microcredit.loans.models import Loan, ScheduleLine, ScheduleVersion
from tests.factories import membership_of, pdf_bytes


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
