"""Bank test helpers: an uploaded PDF, the row counts a refused service must leave unchanged,
a disbursement recorded through the service with overridable values, and a page's text as a
browser shows it."""

from __future__ import annotations

import re
from decimal import Decimal
from html.parser import HTMLParser

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


class _Text(HTMLParser):
    """The text of a page's body, without its scripts and styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style", "template"}:
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style", "template"} and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """The page's text with its white space collapsed as a browser does (spaces, tabs and
    line breaks, not the no-break spaces, become one space)."""
    parser = _Text()
    parser.feed(html)
    return re.sub(r"[ \t\r\n\f]+", " ", "".join(parser.parts))
