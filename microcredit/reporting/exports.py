"""The bilan's rows as files: dossiers, loans and repayments, in CSV or XLSX (docs/exports.md).

An export is minimised by default: the dossier's number, its dates, states, purpose category,
amounts and durations, the commune's INSEE code, the household's type and activity (codes and
labels) and an age band instead of the birth date; never a name, an address, a phone number, an
e-mail address or free text (project description, justifications, payee). A nominative export
adds the applicant's last and first names, birth date, address, e-mail and phone; only roles
that may see names get it (`names_allowed`), and the view writes each export to the access log.

The rows come from the permission funnels (`access_dossiers_for_user`, `access_loans_for_user`)
as plain values, read in chunks (`.iterator()`): a fixed number of queries whatever the number
of rows, and a CSV streamed as it is read. Text cells that a spreadsheet would take for a
formula (=, +, -, @) get a leading apostrophe.
"""

from __future__ import annotations

import csv
import enum
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.db.models import F, QuerySet
from django.utils.translation import gettext as _
from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]
from openpyxl.styles import Font  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

from microcredit.accounts.enums import DOSSIER_STAFF_ROLES
from microcredit.accounts.models import Membership, User
from microcredit.applicants.enums import Activity, HouseholdType
from microcredit.dossiers.enums import DeferralKind, DossierState
from microcredit.dossiers.selectors import access_dossiers_for_user
from microcredit.loans.enums import EarlyRepaymentKeep, LoanState, RecordedVia
from microcredit.loans.models import Repayment
from microcredit.loans.selectors import access_loans_for_user
from microcredit.programmes.models import ProgrammeVersion
from microcredit.programmes.selectors import access_programmes_for_membership
from microcredit.reporting import rules
from microcredit.reporting.rules import Period
from microcredit.reporting.selectors import household_type

DOSSIERS = "dossiers"
LOANS = "prets"
REPAYMENTS = "remboursements"
DATASETS = (DOSSIERS, LOANS, REPAYMENTS)
FORMATS = ("csv", "xlsx")
CHUNK_SIZE = 2000
# The roles that may see the applicants' names (CCAS staff who work the dossiers): never the
# commission member, the bank adviser, the partner worker or the technical administrator.
NAME_ROLES = DOSSIER_STAFF_ROLES
# The first characters a spreadsheet reads as the start of a formula (with the tab and the
# carriage return that some of them strip first).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class Kind(enum.Enum):
    TEXT = "text"
    INT = "int"
    MONEY = "money"  # euros, 2 decimals
    RATE = "rate"  # a percent with up to 3 decimals
    DATE = "date"


@dataclass(frozen=True)
class Column:
    header: str
    kind: Kind
    value: Callable[[Mapping[str, Any]], Any]


@dataclass(frozen=True)
class Export:
    """One dataset ready to write: its columns and its rows, read when iterated."""

    dataset: str
    sheet_title: str
    columns: tuple[Column, ...]
    count: int
    nominative: bool
    _rows: Callable[[], Iterator[Mapping[str, Any]]]

    def headers(self) -> list[str]:
        return [column.header for column in self.columns]

    def rows(self) -> Iterator[list[Any]]:
        for row in self._rows():
            yield [column.value(row) for column in self.columns]


def names_allowed(membership: Membership) -> bool:
    """Whether the member's role may export the applicants' names."""
    return membership.role in NAME_ROLES


def neutralise(text: str) -> str:
    """A text cell a spreadsheet will not run as a formula (a leading apostrophe)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def age_bands() -> dict[str, str]:
    """The bilan's age bands (reporting.rules.AGE_BANDS): key → French label."""
    return {key: _(label) for key, label, _lowest, _highest in rules.AGE_BANDS}


def age_band(birth_date: date | None, on_date: date | None, labels: Mapping[str, str]) -> str:
    """« de 25 à 34 ans »: the band of the age on `on_date`, the bilan's (empty when a date is
    unknown)."""
    if birth_date is None or on_date is None:
        return ""
    return labels[rules.age_band(rules.completed_years(birth_date, on_date))]


# --- The queries ------------------------------------------------------------------------------


def _purpose_labels(membership: Membership) -> dict[tuple[int, str], str]:
    """(scheme id, category code) → its French label, the latest version's (one query)."""
    labels: dict[tuple[int, str], str] = {}
    versions = (
        ProgrammeVersion.objects.filter(programme__in=access_programmes_for_membership(membership))
        .order_by("valid_from", "number")
        .values_list("programme_id", "purposes")
    )
    for programme_id, purposes in versions:
        for purpose in purposes or []:
            labels[(programme_id, purpose["code"])] = purpose["label"]
    return labels


# The applicant's fields every export reads (the age band comes from the birth date, which a
# minimised export never shows), and those only a nominative one reads.
APPLICANT_FIELDS = ("birth_date", "commune_code", "activity")
NAME_FIELDS = ("last_name", "first_name", "address", "postcode", "commune_name", "email", "phone")
DOSSIER_FIELDS = (
    "number",
    "external_number",
    "programme_id",
    "application_date",
    "state",
    "requested_amount",
    "requested_months",
    "requested_deferral_months",
    "project_cost",
    "reorientation_label",
)
LOAN_FIELDS = (
    "disbursement_date",
    "state",
    "principal",
    "nominal_rate_percent",
    "apr_percent",
    "months",
    "deferral_months",
    "deferral_kind",
    "installment",
    "total_interest",
    "total_due",
)
REPAYMENT_FIELDS = ("date", "amount", "early_repayment", "early_repayment_keep", "via", "reference")


# --- The columns ------------------------------------------------------------------------------


def _get(key: str) -> Callable[[Mapping[str, Any]], Any]:
    return lambda row: row[key]


def _label(key: str, labels: Mapping[str, str]) -> Callable[[Mapping[str, Any]], str]:
    return lambda row: labels.get(row[key], row[key]) if row[key] else ""


def _profile_columns(purposes: Mapping[tuple[int, str], str], age_date: str) -> list[Column]:
    households = dict(HouseholdType.choices)
    activities = dict(Activity.choices)
    bands = age_bands()
    return [
        Column(_("Catégorie de projet (code)"), Kind.TEXT, _get("purpose")),
        Column(
            _("Catégorie de projet"),
            Kind.TEXT,
            lambda row: purposes.get((row["programme_id"], row["purpose"]), row["purpose"]),
        ),
        Column(_("Commune (code INSEE)"), Kind.TEXT, _get("a_commune_code")),
        Column(_("Composition du foyer (code)"), Kind.TEXT, _get("household_type")),
        Column(_("Composition du foyer"), Kind.TEXT, _label("household_type", households)),
        Column(_("Activité (code)"), Kind.TEXT, _get("a_activity")),
        Column(_("Activité"), Kind.TEXT, _label("a_activity", activities)),
        Column(
            _("Tranche d'âge"),
            Kind.TEXT,
            lambda row: age_band(row["a_birth_date"], row[age_date], bands),
        ),
    ]


def _name_columns() -> list[Column]:
    return [
        Column(_("Nom"), Kind.TEXT, _get("a_last_name")),
        Column(_("Prénom"), Kind.TEXT, _get("a_first_name")),
        Column(_("Date de naissance"), Kind.DATE, _get("a_birth_date")),
        Column(_("Adresse"), Kind.TEXT, _get("a_address")),
        Column(_("Code postal"), Kind.TEXT, _get("a_postcode")),
        Column(_("Commune"), Kind.TEXT, _get("a_commune_name")),
        Column(_("E-mail"), Kind.TEXT, _get("a_email")),
        Column(_("Téléphone"), Kind.TEXT, _get("a_phone")),
    ]


def _dossier_columns(purposes: Mapping[tuple[int, str], str], nominative: bool) -> list[Column]:
    states = dict(DossierState.choices)
    columns = [
        Column(_("Numéro du dossier"), Kind.TEXT, _get("number")),
        Column(_("Numéro dans l'historique importé"), Kind.TEXT, _get("external_number")),
        Column(_("Dispositif"), Kind.TEXT, _get("programme_name")),
        Column(_("Date de la demande"), Kind.DATE, _get("application_date")),
        Column(_("État (code)"), Kind.TEXT, _get("state")),
        Column(_("État"), Kind.TEXT, _label("state", states)),
        Column(_("Montant demandé (€)"), Kind.MONEY, _get("requested_amount")),
        Column(_("Durée demandée (mois)"), Kind.INT, _get("requested_months")),
        Column(_("Différé demandé (mois)"), Kind.INT, _get("requested_deferral_months")),
        Column(_("Coût du projet (€)"), Kind.MONEY, _get("project_cost")),
        Column(_("Réorienté vers"), Kind.TEXT, _get("reorientation_label")),
        Column(_("Date du décaissement"), Kind.DATE, _get("disbursement_date")),
        Column(_("Montant prêté (€)"), Kind.MONEY, _get("principal")),
        *_profile_columns(purposes, "application_date"),
    ]
    return columns + _name_columns() if nominative else columns


def _loan_columns(purposes: Mapping[tuple[int, str], str], nominative: bool) -> list[Column]:
    states = dict(LoanState.choices)
    deferrals = dict(DeferralKind.choices)
    columns = [
        Column(_("Numéro du dossier"), Kind.TEXT, _get("number")),
        Column(_("Dispositif"), Kind.TEXT, _get("programme_name")),
        Column(_("Banque"), Kind.TEXT, _get("bank_name")),
        Column(_("Date du décaissement"), Kind.DATE, _get("disbursement_date")),
        Column(_("État du prêt (code)"), Kind.TEXT, _get("state")),
        Column(_("État du prêt"), Kind.TEXT, _label("state", states)),
        Column(_("Montant prêté (€)"), Kind.MONEY, _get("principal")),
        Column(_("Taux nominal annuel (%)"), Kind.RATE, _get("nominal_rate_percent")),
        Column(_("TAEG (%)"), Kind.RATE, _get("apr_percent")),
        Column(_("Durée (mois)"), Kind.INT, _get("months")),
        Column(_("Différé (mois)"), Kind.INT, _get("deferral_months")),
        Column(_("Type de différé"), Kind.TEXT, _label("deferral_kind", deferrals)),
        Column(_("Mensualité (€)"), Kind.MONEY, _get("installment")),
        Column(_("Intérêts (€)"), Kind.MONEY, _get("total_interest")),
        Column(_("Montant total dû (€)"), Kind.MONEY, _get("total_due")),
        *_profile_columns(purposes, "disbursement_date"),
    ]
    return columns + _name_columns() if nominative else columns


def _repayment_columns(nominative: bool) -> list[Column]:
    keeps = dict(EarlyRepaymentKeep.choices)
    channels = dict(RecordedVia.choices)
    states = dict(LoanState.choices)
    yes, no = _("oui"), _("non")
    columns = [
        Column(_("Numéro du dossier"), Kind.TEXT, _get("number")),
        Column(_("Dispositif"), Kind.TEXT, _get("programme_name")),
        Column(_("Date du paiement"), Kind.DATE, _get("date")),
        Column(_("Montant (€)"), Kind.MONEY, _get("amount")),
        Column(
            _("Remboursement anticipé"),
            Kind.TEXT,
            lambda row: yes if row["early_repayment"] else no,
        ),
        Column(_("Choix de l'emprunteur"), Kind.TEXT, _label("early_repayment_keep", keeps)),
        Column(_("Canal"), Kind.TEXT, _label("via", channels)),
        Column(_("Référence de la banque"), Kind.TEXT, _get("reference")),
        Column(_("Date du décaissement"), Kind.DATE, _get("disbursement_date")),
        Column(_("Montant prêté (€)"), Kind.MONEY, _get("principal")),
        Column(_("État du prêt"), Kind.TEXT, _label("loan_state", states)),
    ]
    return columns + _name_columns() if nominative else columns


# --- An export --------------------------------------------------------------------------------


def _values(
    queryset: QuerySet[Any], plain: Sequence[str], applicant: str, nominative: bool, **named: Any
) -> QuerySet[Any]:
    """The rows as dicts: `plain` fields, `named` expressions, and the applicant's fields the
    export shows (names and contact details only when `nominative`: a minimised export never
    reads them)."""
    fields = APPLICANT_FIELDS + (NAME_FIELDS if nominative else ())
    named |= {f"a_{name}": F(f"{applicant}__{name}") for name in fields}
    return queryset.values(*plain, **named)


def export_build(
    *,
    dataset: str,
    user: User,
    membership: Membership,
    period: Period,
    programme_id: int | None = None,
    nominative: bool = False,
) -> Export:
    """The rows of `dataset` the member may see in `period` (and scheme), counted (one query);
    the purpose labels (one query); the rows themselves are read when the export is written
    (one query, in chunks)."""
    if dataset not in DATASETS:
        raise ValueError(f"Unknown dataset {dataset!r}.")
    if nominative and not names_allowed(membership):
        raise PermissionDenied(_("Votre rôle ne permet pas d’exporter les noms des personnes."))
    between = (period.start, period.end)
    rows: QuerySet[Any]
    if dataset == DOSSIERS:
        dossiers = access_dossiers_for_user(user, membership).filter(
            application_date__range=between
        )
        if programme_id is not None:
            dossiers = dossiers.filter(programme_id=programme_id)
        count = dossiers.count()
        rows = _values(
            dossiers.order_by("application_date", "id"),
            DOSSIER_FIELDS,
            "applicant",
            nominative,
            programme_name=F("programme__name"),
            purpose=F("purpose_category"),
            household_type=household_type("applicant"),
            disbursement_date=F("loan__disbursement_date"),
            principal=F("loan__principal"),
        )
        title = _("Dossiers")
        columns = _dossier_columns(_purpose_labels(membership), nominative)
    elif dataset == LOANS:
        loans = access_loans_for_user(user, membership).filter(disbursement_date__range=between)
        if programme_id is not None:
            loans = loans.filter(dossier__programme_id=programme_id)
        count = loans.count()
        rows = _values(
            loans.order_by("disbursement_date", "id"),
            LOAN_FIELDS,
            "dossier__applicant",
            nominative,
            number=F("dossier__number"),
            programme_id=F("dossier__programme_id"),
            programme_name=F("dossier__programme__name"),
            bank_name=F("bank__name"),
            purpose=F("dossier__purpose_category"),
            household_type=household_type("dossier__applicant"),
        )
        title = _("Prêts")
        columns = _loan_columns(_purpose_labels(membership), nominative)
    else:
        repayments = Repayment.objects.filter(
            loan__in=access_loans_for_user(user, membership), date__range=between
        )
        if programme_id is not None:
            repayments = repayments.filter(loan__dossier__programme_id=programme_id)
        count = repayments.count()
        rows = _values(
            repayments.order_by("date", "id"),
            REPAYMENT_FIELDS,
            "loan__dossier__applicant",
            nominative,
            number=F("loan__dossier__number"),
            programme_name=F("loan__dossier__programme__name"),
            disbursement_date=F("loan__disbursement_date"),
            principal=F("loan__principal"),
            loan_state=F("loan__state"),
        )
        title = _("Remboursements")
        columns = _repayment_columns(nominative)
    return Export(
        dataset=dataset,
        sheet_title=title,
        columns=tuple(columns),
        count=count,
        nominative=nominative,
        _rows=lambda: rows.iterator(chunk_size=CHUNK_SIZE),
    )


# --- The files --------------------------------------------------------------------------------

CSV_DELIMITER = ";"
BOM = "\ufeff"
XLSX_FORMATS = {Kind.MONEY: "#,##0.00", Kind.RATE: "0.00#", Kind.DATE: "DD/MM/YYYY"}


def filename(dataset: str, period: Period, organisation_slug: str, fmt: str) -> str:
    """« dossiers-2026-ccas-saint-etienne.xlsx » for a calendar year, else the period's dates
    (« prets-2026-01-01_2026-06-30-ccas-saint-etienne.csv »)."""
    start, end = period.start, period.end
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and start.year == end.year:
        when = str(start.year)
    else:
        when = f"{start.isoformat()}_{end.isoformat()}"
    return f"{dataset}-{when}-{organisation_slug}.{fmt}"


def _csv_text(value: Any, kind: Kind) -> str:
    """A cell as CSV text: French decimal comma, DD/MM/YYYY dates, neutralised text."""
    if value is None:
        return ""
    if kind is Kind.MONEY:
        return f"{Decimal(value):.2f}".replace(".", ",")
    if kind is Kind.RATE:
        return f"{Decimal(value).normalize():f}".replace(".", ",")
    if kind is Kind.DATE:
        return f"{value:%d/%m/%Y}"
    if kind is Kind.INT:
        return str(int(value))
    return neutralise(str(value))


class _Line:
    """A file-like object that hands back what csv.writer writes (one line at a time)."""

    def write(self, text: str) -> str:
        return text


def csv_chunks(export: Export) -> Iterator[str]:
    """The CSV file, line by line: a UTF-8 byte-order mark (for spreadsheets), the French
    headers, then the rows as they are read from the database."""
    writer = csv.writer(_Line(), delimiter=CSV_DELIMITER, lineterminator="\r\n")
    kinds = [column.kind for column in export.columns]
    yield BOM + writer.writerow([neutralise(header) for header in export.headers()])
    for row in export.rows():
        yield writer.writerow([_csv_text(v, kind) for v, kind in zip(row, kinds, strict=True)])


def _xlsx_cell(sheet: Any, value: Any, kind: Kind) -> Any:
    if value is None:
        return None
    if kind in XLSX_FORMATS:
        cell = WriteOnlyCell(sheet, value=Decimal(value) if kind is not Kind.DATE else value)
        cell.number_format = XLSX_FORMATS[kind]
        return cell
    if kind is Kind.INT:
        return int(value)
    # A text cell: never a formula (openpyxl would write one for a text starting with =).
    cell = WriteOnlyCell(sheet, value=neutralise(str(value)))
    cell.data_type = "s"
    return cell


def xlsx_write(export: Export, target: IO[bytes]) -> None:
    """The workbook, written row by row (openpyxl's write-only mode): one sheet named after
    the dataset, a bold header row, numbers as numbers and dates as dates."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=export.sheet_title)
    for index, column in enumerate(export.columns, start=1):
        width = 14 if column.kind is not Kind.TEXT else max(14, min(len(column.header) + 2, 40))
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for title in export.headers():
        cell = WriteOnlyCell(sheet, value=neutralise(title))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    kinds = [column.kind for column in export.columns]
    for row in export.rows():
        sheet.append([_xlsx_cell(sheet, v, kind) for v, kind in zip(row, kinds, strict=True)])
    workbook.save(target)
