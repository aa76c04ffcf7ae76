"""Reads of the bank statements imported: an organisation's imports, the repayments already
recorded under a statement's references."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet
from django.http import Http404

from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership
from microcredit.loans.models import Repayment
from microcredit.loans.rules import RepaymentLine
from microcredit.servicing.models import StatementImport

# Who imports the bank's statements: the bank adviser, or the CCAS's agent or director.
STATEMENT_ROLES = frozenset({Role.BANK_ADVISER, Role.AGENT, Role.DIRECTOR})
PAGE_SIZE = 20


def access_statement_imports_for_member(
    membership: Membership | None,
) -> QuerySet[StatementImport]:
    """The imports of the member's organisation (the one that uploaded them), newest first."""
    if membership is None or membership.role not in STATEMENT_ROLES or not membership.active:
        return StatementImport.objects.none()
    return StatementImport.objects.filter(organisation_id=membership.organisation_id).order_by(
        "-uploaded_at", "-id"
    )


def statement_import_list(membership: Membership | None) -> QuerySet[StatementImport]:
    """The imports of the member's organisation with their uploader, without their content."""
    return (
        access_statement_imports_for_member(membership)
        .select_related("uploaded_by")
        .defer("content")
    )


def statement_import_for_member_or_404(
    membership: Membership | None, import_id: int, *, for_update: bool = False
) -> StatementImport:
    """The import if it belongs to the member's organisation; 404 otherwise (another bank's or
    CCAS's import is not shown to exist)."""
    imports = access_statement_imports_for_member(membership).select_related("uploaded_by")
    if for_update:
        imports = imports.select_for_update(of=("self",))
    found = imports.filter(pk=import_id).first()
    if found is None:
        raise Http404("Relevé introuvable.")
    return found


def earlier_imports_of_file(statement_import: StatementImport) -> list[StatementImport]:
    """The organisation's earlier imports of the same file (same SHA-256)."""
    return list(
        StatementImport.objects.filter(
            organisation_id=statement_import.organisation_id,
            sha256=statement_import.sha256,
            pk__lt=statement_import.pk,
        )
        .order_by("-uploaded_at", "-id")
        .defer("content")[:5]
    )


def recorded_repayments(lines: Iterable[RepaymentLine]) -> set[tuple[str, str]]:
    """The (reference, dossier number) pairs of `lines` that a recorded repayment already has
    (one query). A line the loans service does not refuse and whose pair is here is the same
    repayment: another content under a known reference is a conflict the service refuses."""
    lines = list(lines)
    references = {line.reference for line in lines}
    numbers = {line.dossier_number for line in lines}
    return set(
        Repayment.objects.filter(
            reference__in=references, loan__dossier__number__in=numbers
        ).values_list("reference", "loan__dossier__number")
    )
