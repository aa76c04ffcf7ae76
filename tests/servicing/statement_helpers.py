"""Helpers of the bank statement import tests: loans disbursed on a fixed day, statements
written as a bank's spreadsheet saves them, the service calls."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from microcredit.accounts.models import User
from microcredit.loans.models import Loan
from microcredit.servicing.services import statements as services
from tests.factories import make_loan, membership_of

PARIS = ZoneInfo("Europe/Paris")
DISBURSED = date(2027, 3, 10)  # the cheques' day
TODAY = date(2027, 4, 20)  # the import's day, after the first due date (10/04/2027)
HEADER = ("Référence", "N° de dossier", "Date", "Montant")


@contextmanager
def on(day: date) -> Iterator[None]:
    with time_machine.travel(datetime.combine(day, time(10, 0), tzinfo=PARIS), tick=False):
        yield


def loan_of(referent: User, adviser: User) -> Loan:
    """A loan of the adviser's bank (1,200 € over 24 months), disbursed on DISBURSED."""
    with on(DISBURSED):
        return make_loan(created_by=referent, adviser=adviser)  # type: ignore[no-any-return]


def statement(
    rows: Sequence[Sequence[str]],
    *,
    header: Sequence[str] = HEADER,
    delimiter: str = ";",
    encoding: str = "utf-8",
    newline: str = "\r\n",
) -> bytes:
    """A CSV file: `header` then `rows`, cells written as they are (quote them yourself)."""
    lines = [delimiter.join(header), *(delimiter.join(row) for row in rows)]
    return (newline.join(lines) + newline).encode(encoding)


def upload(content: bytes, name: str = "releve.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, "text/csv")


def preview(user: User, content: bytes, today: date = TODAY) -> services.Preview:
    return services.statement_preview(
        actor=user, membership=membership_of(user), upload=upload(content), today=today
    )


def confirm(user: User, import_id: int, today: date = TODAY) -> services.Confirmation:
    return services.statement_confirm(
        actor=user, membership=membership_of(user), import_id=import_id, today=today
    )


def statuses(result: services.Preview) -> list[str]:
    return [str(line.status) for line in result.lines]
