"""The bank statement import: a CSV of repayments previewed line by line, then confirmed all at
once through the loans service that records the bank's repayments.

The loans service (`repayments_record_batch`) is the one judge of a repayment: the preview runs
it on the statement's lines inside a savepoint that is always rolled back, so each line's
refusal is the service's own (unknown dossier, no loan, future date, amount above what is due,
reference conflict…) and nothing is written; a line it does not refuse is « already recorded »
when a repayment with its reference is already recorded on its dossier (the service would have
refused it as a conflict had its content differed), else new. The confirmation calls the same
service for real: all or nothing, idempotent by the bank's references, so a repayment sent first
through the API and then in a statement is recorded once, and the same file imported again
records nothing more.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from microcredit.accounts.models import Membership, User
from microcredit.core.enums import AuditAction
from microcredit.core.errors import Refused
from microcredit.core.services import audit_event_create
from microcredit.loans.enums import RecordedVia
from microcredit.loans.rules import RepaymentLine, line_label
from microcredit.loans.services import repayments_record_batch
from microcredit.servicing.enums import ImportState
from microcredit.servicing.models import StatementImport
from microcredit.servicing.rules.statements import (
    MAX_BYTES,
    LineStatus,
    Statement,
    StatementError,
    StatementLine,
    line_reason,
    parse_statement,
    read_statement,
)
from microcredit.servicing.selectors.statements import (
    STATEMENT_ROLES,
    earlier_imports_of_file,
    recorded_repayments,
    statement_import_for_member_or_404,
)

# How the repayments of a statement are recorded (Repayment.via).
VIA = RecordedVia.IMPORT
MAX_NAME_LENGTH = 150


@dataclass(frozen=True)
class PreviewLine:
    """One line of the statement and what confirming would do with it."""

    line: StatementLine
    status: LineStatus
    reasons: tuple[str, ...] = ()

    @property
    def number(self) -> int:
        return self.line.number

    @property
    def repayment(self) -> RepaymentLine:
        return self.line.repayment


@dataclass(frozen=True)
class Preview:
    statement_import: StatementImport
    lines: tuple[PreviewLine, ...]
    earlier: tuple[StatementImport, ...] = ()

    def _count(self, status: LineStatus) -> int:
        return sum(1 for line in self.lines if line.status == status)

    @property
    def new(self) -> int:
        return self._count(LineStatus.NEW)

    @property
    def already_recorded(self) -> int:
        return self._count(LineStatus.ALREADY_RECORDED) + self._count(LineStatus.DUPLICATE)

    @property
    def refused(self) -> int:
        return self._count(LineStatus.REFUSED)

    @property
    def total(self) -> Decimal:
        return sum((line.repayment.amount for line in self.lines), Decimal("0.00"))

    @property
    def new_total(self) -> Decimal:
        return sum(
            (line.repayment.amount for line in self.lines if line.status == LineStatus.NEW),
            Decimal("0.00"),
        )

    @property
    def can_confirm(self) -> bool:
        """All or nothing: a statement with one refused line is not confirmed."""
        return self.statement_import.state == ImportState.PREVIEWED and not self.refused


@dataclass(frozen=True)
class Confirmation:
    statement_import: StatementImport
    recorded: int
    already_recorded: int
    already_confirmed: bool = False


def _check_role(membership: Membership) -> None:
    if membership.role not in STATEMENT_ROLES or not membership.active:
        raise Refused(
            "Seuls le partenaire bancaire et l'agent ou la direction du CCAS importent les "
            "relevés de remboursements."
        )


def _read_upload(upload: UploadedFile[bytes]) -> bytes:
    if upload.size is not None and upload.size > MAX_BYTES:
        raise ValidationError(
            f"Le fichier dépasse {MAX_BYTES // 1024} Ko : découpez le relevé en plusieurs "
            "fichiers.",
            code="statement_too_large",
        )
    upload.seek(0)
    content: bytes = upload.read(MAX_BYTES + 1)
    return content


def _file_name(name: str | None) -> str:
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return (base or "releve.csv")[:MAX_NAME_LENGTH]


def _error_line(error: ValidationError) -> int | None:
    params = error.params if isinstance(error.params, dict) else {}
    line = params.get("line")
    return int(line) if line is not None else None


def _refusals(
    *, actor: User, membership: Membership, lines: Sequence[RepaymentLine], today: date
) -> dict[int, list[ValidationError]]:
    """The loans service's refusals of `lines`, by line (from 1), learnt by running it in a
    savepoint always rolled back: nothing is written. A refusal of the whole batch (the actor
    may not record repayments) is raised."""
    try:
        with transaction.atomic():
            repayments_record_batch(
                actor=actor, membership=membership, lines=lines, today=today, via=VIA
            )
            transaction.set_rollback(True)
    except ValidationError as refusal:
        by_line: dict[int, list[ValidationError]] = {}
        for error in refusal.error_list:
            line = _error_line(error)
            if line is None:
                raise
            by_line.setdefault(line, []).append(error)
        return by_line
    return {}


def _statuses(
    *, actor: User, membership: Membership, statement: Statement, today: date
) -> tuple[PreviewLine, ...]:
    refusals = _refusals(
        actor=actor, membership=membership, lines=statement.repayments, today=today
    )
    known = recorded_repayments(statement.repayments)
    seen: set[tuple[str, str]] = set()
    result: list[PreviewLine] = []
    for index, line in enumerate(statement.lines, start=1):
        repayment = line.repayment
        key = (repayment.reference, repayment.dossier_number)
        if index in refusals:
            reasons = tuple(
                line_reason(str(error.message), index=index, reference=repayment.reference)
                for error in refusals[index]
            )
            result.append(PreviewLine(line, LineStatus.REFUSED, reasons))
        elif key in known:
            result.append(PreviewLine(line, LineStatus.ALREADY_RECORDED))
        elif key in seen:
            result.append(PreviewLine(line, LineStatus.DUPLICATE))
        else:
            result.append(PreviewLine(line, LineStatus.NEW))
        seen.add(key)
    return tuple(result)


def _relabelled(refusal: ValidationError, statement: Statement) -> ValidationError:
    """The loans service's refusal with each line named by its place in the file."""
    errors = []
    for error in refusal.error_list:
        index = _error_line(error)
        if index is None or not 1 <= index <= len(statement.lines):
            errors.append(error)
            continue
        line = statement.lines[index - 1]
        reference = line.repayment.reference
        reason = line_reason(str(error.message), index=index, reference=reference)
        errors.append(
            ValidationError(
                f"{line_label(line.number, reference)} : {reason}",
                code=error.code,
                params={"line": line.number, "reference": reference},
            )
        )
    return ValidationError(errors)


@transaction.atomic
def statement_preview(
    *, actor: User, membership: Membership, upload: UploadedFile[bytes], today: date
) -> Preview:
    """Store the uploaded statement (PREVIEWED) and say what confirming it would do, line by
    line; nothing is recorded.

    Raises:
        Refused: the member may not import statements, or record repayments.
        ValidationError: the file cannot be read (empty, too large, a column missing, a line
            whose date or amount does not read); French messages naming the lines.
    """
    _check_role(membership)
    content = _read_upload(upload)
    try:
        statement = parse_statement(content)
    except StatementError as error:
        raise ValidationError(error.messages, code="invalid_statement") from error
    lines = _statuses(actor=actor, membership=membership, statement=statement, today=today)
    statement_import = StatementImport.objects.create(
        organisation_id=membership.organisation_id,
        original_name=_file_name(upload.name),
        sha256=hashlib.sha256(content).hexdigest(),
        encoding=statement.encoding,
        content=statement.text,
        lines=len(statement.lines),
        uploaded_by=actor,
    )
    preview = Preview(statement_import, lines, tuple(earlier_imports_of_file(statement_import)))
    audit_event_create(
        actor=actor,
        action=AuditAction.STATEMENT_IMPORT_PREVIEWED,
        obj=statement_import,
        new_values={
            "name": statement_import.original_name,
            "sha256": statement_import.sha256,
            "encoding": statement_import.encoding,
            "lines": statement_import.lines,
            "total": preview.total,
            "new": preview.new,
            "already_recorded": preview.already_recorded,
            "refused": preview.refused,
        },
    )
    return preview


@transaction.atomic
def statement_lines(*, actor: User, membership: Membership, import_id: int, today: date) -> Preview:
    """The preview of a stored import, as of `today` (writes nothing: the loans service runs
    in a savepoint rolled back). A confirmed import's lines are told recorded or not, without
    asking the service again. Http404 for another organisation's import."""
    _check_role(membership)
    statement_import = statement_import_for_member_or_404(membership, import_id)
    statement = read_statement(statement_import.content, encoding=statement_import.encoding)
    if statement_import.state == ImportState.CONFIRMED:
        known = recorded_repayments(statement.repayments)
        lines = tuple(
            PreviewLine(
                line,
                LineStatus.ALREADY_RECORDED
                if (line.repayment.reference, line.repayment.dossier_number) in known
                else LineStatus.NEW,
            )
            for line in statement.lines
        )
    else:
        lines = _statuses(actor=actor, membership=membership, statement=statement, today=today)
    return Preview(statement_import, lines, tuple(earlier_imports_of_file(statement_import)))


@transaction.atomic
def statement_confirm(
    *, actor: User, membership: Membership, import_id: int, today: date
) -> Confirmation:
    """Record the statement's repayments, all or nothing (`repayments_record_batch`); the
    references already recorded are not recorded twice. Confirming an import already confirmed
    records nothing more.

    Raises:
        Http404: the import is not of the member's organisation.
        Refused: the member may not import statements, or record repayments.
        ValidationError: a line is refused (one error per line, named by its place in the
            file, params {"line", "reference"}); nothing is recorded.
    """
    _check_role(membership)
    statement_import = statement_import_for_member_or_404(membership, import_id, for_update=True)
    if statement_import.state == ImportState.CONFIRMED:
        return Confirmation(statement_import, 0, 0, already_confirmed=True)
    statement = read_statement(statement_import.content, encoding=statement_import.encoding)
    try:
        result = repayments_record_batch(
            actor=actor,
            membership=membership,
            lines=statement.repayments,
            today=today,
            via=VIA,
        )
    except ValidationError as refusal:
        raise _relabelled(refusal, statement) from refusal
    statement_import.state = ImportState.CONFIRMED
    statement_import.recorded = len(result.recorded)
    statement_import.confirmed_at = timezone.now()
    statement_import.save(update_fields=["state", "recorded", "confirmed_at"])
    audit_event_create(
        actor=actor,
        action=AuditAction.STATEMENT_IMPORT_CONFIRMED,
        obj=statement_import,
        old_values={"state": ImportState.PREVIEWED},
        new_values={
            "state": ImportState.CONFIRMED,
            "recorded": statement_import.recorded,
            "already_recorded": len(result.already_recorded),
            "references": [r.reference for r in result.recorded],
        },
    )
    return Confirmation(statement_import, len(result.recorded), len(result.already_recorded))
