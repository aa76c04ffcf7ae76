"""A scheme's history brought from a spreadsheet (issue #16, point 4): the pure rules.

No Django here. The file (CSV or XLSX) is read into a `RawTable` (the cells as text, each row with
its line as the spreadsheet numbers it: the header is line 1), then each row is checked against
a `Vocabulary` (the scheme's purposes, the activities, the household types, today) into a
`HistoryRow`. Every problem is a `Problem` (line, column, code, value): `microcredit.reporting
.history` turns it into a French sentence. `COLUMNS` is the one list of the template's columns:
the reader, the downloadable template and docs/import_history.md follow it.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from loan_engine import LoanEngineError, build_schedule, loan_terms
from microcredit.core.text import fold, parse_decimal

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
MAX_PROBLEMS = 50
MAX_MONTHS = 120
HEADER_LINE = 1

# The values of `issue` and `etat_pret`, as the file writes them.
REORIENTE = "reoriente"
ABANDON = "abandon"
REFUS_COMMISSION = "refus_commission"
REFUS_BANQUE = "refus_banque"
DECAISSE = "decaisse"
ISSUES = (REORIENTE, ABANDON, REFUS_COMMISSION, REFUS_BANQUE, DECAISSE)
EN_COURS = "en_cours"
REMBOURSE = "rembourse"
GARANTIE_APPELEE = "garantie_appelee"
LOAN_STATES = (EN_COURS, REMBOURSE, GARANTIE_APPELEE)
HOUSEHOLDS = (
    "personne_seule",
    "couple_sans_enfant",
    "couple_avec_enfants",
    "famille_monoparentale",
    "autre",
)

# When a column must be filled.
ALWAYS = "always"
OPTIONAL = "optional"
IF_DISBURSED = "if_disbursed"  # issue = decaisse
IF_CLAIMED = "if_claimed"  # etat_pret = garantie_appelee


@dataclass(frozen=True)
class Column:
    name: str
    needed: str
    kind: str  # text, date, amount, months, rate, choice
    example: str  # the first example row's value
    example_2: str  # the second's


COLUMNS: tuple[Column, ...] = (
    Column("numero", ALWAYS, "text", "2015-001", "2016-014"),
    Column("date_accueil", ALWAYS, "date", "12/03/2015", "2016-05-02"),
    Column("date_naissance", ALWAYS, "date", "04/11/1978", "1990-01-20"),
    Column("commune_insee", ALWAYS, "commune", "42218", "42218"),
    Column("composition_foyer", OPTIONAL, "choice", "famille_monoparentale", ""),
    Column("activite", OPTIONAL, "choice", "precarious", "demandeur·se d'emploi"),
    Column("categorie_projet", ALWAYS, "choice", "mobilite", "Logement"),
    Column("montant_demande", OPTIONAL, "amount", "2500", "1200,00"),
    Column("duree_demandee", OPTIONAL, "months", "36", "24"),
    Column("issue", ALWAYS, "choice", DECAISSE, REFUS_COMMISSION),
    Column("date_decaissement", IF_DISBURSED, "date", "20/04/2015", ""),
    Column("montant_prete", IF_DISBURSED, "amount", "2500,00", ""),
    Column("duree_mois", IF_DISBURSED, "months", "36", ""),
    Column("taux_nominal", IF_DISBURSED, "rate", "1,75", ""),
    Column("etat_pret", IF_DISBURSED, "choice", GARANTIE_APPELEE, ""),
    Column("date_appel_garantie", IF_CLAIMED, "date", "15/09/2016", ""),
    Column("capital_restant_du_appel", IF_CLAIMED, "amount", "1843,27", ""),
)
COLUMN_NAMES = tuple(c.name for c in COLUMNS)
REQUIRED = tuple(c.name for c in COLUMNS if c.needed == ALWAYS)
LOAN_COLUMNS = tuple(c.name for c in COLUMNS if c.needed == IF_DISBURSED)
CLAIM_COLUMNS = tuple(c.name for c in COLUMNS if c.needed == IF_CLAIMED)

_FRENCH_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2})?)?")
_INSEE = re.compile(r"(\d{5}|2[AB]\d{3})")
_DELIMITERS = (";", ",", "\t")


# --- Problems ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """What is wrong, where: `line` as the spreadsheet numbers it (0: the file as a whole),
    `column` a header ("" when the line as a whole is wrong), `code` the kind of problem (its
    sentence is in `microcredit.reporting.history.MESSAGES`), `value` the cell as read, `params`
    what the sentence needs besides."""

    line: int
    column: str
    code: str
    value: str = ""
    params: tuple[tuple[str, str], ...] = ()


class FileProblem(ValueError):
    """The file cannot be read at all (not a CSV or XLSX, empty, too large, no header)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.code)
        self.problem = problem


# --- Reading the file --------------------------------------------------------------------------


@dataclass(frozen=True)
class RawRow:
    line: int
    cells: Mapping[str, str]  # the template's columns only, stripped text ("" when absent)

    def __getitem__(self, name: str) -> str:
        return self.cells.get(name, "")


@dataclass(frozen=True)
class RawTable:
    """The file's rows as text, the header checked. `format` is "csv" or "xlsx"."""

    format: str
    rows: tuple[RawRow, ...]
    ignored_columns: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """A plain value to keep between the preview and the confirmation."""
        return {
            "format": self.format,
            "ignored": list(self.ignored_columns),
            "rows": [[row.line, [row[name] for name in COLUMN_NAMES]] for row in self.rows],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RawTable:
        rows = tuple(
            RawRow(int(line), dict(zip(COLUMN_NAMES, (str(v) for v in values), strict=True)))
            for line, values in data["rows"]
        )
        return cls(str(data["format"]), rows, tuple(str(c) for c in data.get("ignored", [])))


def read_file(content: bytes) -> RawTable:
    """The table of a CSV or XLSX file's bytes (told apart by their content, not their name)."""
    if len(content) > MAX_BYTES:
        raise FileProblem(Problem(0, "", "too_large", params=(("max", str(MAX_BYTES // 1024)),)))
    if not content.strip():
        raise FileProblem(Problem(0, "", "empty_file"))
    if content.startswith(b"PK\x03\x04"):
        return read_xlsx(content)
    if content.startswith(b"\xd0\xcf\x11\xe0") or b"\x00" in content[:4096]:
        raise FileProblem(Problem(0, "", "not_csv_or_xlsx"))
    return read_csv(content)


def decode(content: bytes) -> str:
    """UTF-8 (with or without its BOM), else Windows-1252."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252")
    except UnicodeDecodeError as error:
        raise FileProblem(Problem(0, "", "not_csv_or_xlsx")) from error


def read_csv(content: bytes) -> RawTable:
    text = decode(content)
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: first.count(d) for d in _DELIMITERS}
    delimiter = max(_DELIMITERS, key=lambda d: counts[d])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[int, list[str]]] = []
    line = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            raise FileProblem(Problem(reader.line_num, "", "bad_csv_line")) from error
        line += 1
        rows.append((reader.line_num, cells))
        if len(rows) > MAX_ROWS + 1:
            break
    return _table("csv", rows)


def read_xlsx(content: bytes) -> RawTable:
    """The first sheet of a workbook (openpyxl, read-only, the values the cells show)."""
    from openpyxl import load_workbook  # type: ignore[import-untyped]  # only for a workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise FileProblem(Problem(0, "", "not_csv_or_xlsx")) from error
    try:
        sheet = workbook.worksheets[0]
        rows: list[tuple[int, list[str]]] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            rows.append((number, [_cell_text(v) for v in values]))
            if len(rows) > MAX_ROWS + 1:
                break
    finally:
        workbook.close()
    return _table("xlsx", rows)


def _cell_text(value: object) -> str:
    """A workbook cell as the text a CSV would hold: dates in ISO form, whole numbers without
    « .0 », other numbers with a dot."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return str(Decimal(repr(value)))
    return str(value).strip()


def _table(format: str, rows: list[tuple[int, list[str]]]) -> RawTable:
    rows = [(number, [c.strip() for c in cells]) for number, cells in rows]
    filled = [(number, cells) for number, cells in rows if any(cells)]
    if not filled:
        raise FileProblem(Problem(0, "", "empty_file"))
    header_line, header = filled[0]
    positions: dict[str, int] = {}
    ignored: list[str] = []
    for position, name in enumerate(header):
        key = name.strip().lstrip("\ufeff")
        if key in COLUMN_NAMES:
            if key in positions:
                raise FileProblem(Problem(header_line, key, "duplicate_column"))
            positions[key] = position
        elif key:
            ignored.append(key)
    missing = [name for name in REQUIRED if name not in positions]
    if missing:
        raise FileProblem(
            Problem(header_line, ", ".join(missing), "missing_columns", params=(("n", "s"),))
        )
    body = filled[1:]
    if len(body) > MAX_ROWS:
        raise FileProblem(Problem(0, "", "too_many_rows", params=(("max", str(MAX_ROWS)),)))
    if not body:
        raise FileProblem(Problem(header_line, "", "no_rows"))
    table_rows = tuple(
        RawRow(
            number,
            {
                name: (cells[position] if position < len(cells) else "")
                for name, position in positions.items()
            },
        )
        for number, cells in body
    )
    return RawTable(format, table_rows, tuple(ignored))


# --- Checking the rows -------------------------------------------------------------------------


@dataclass(frozen=True)
class PurposeSet:
    """The purposes of one parameter version: folded code or label → code."""

    valid_from: date
    codes: Mapping[str, str]
    labels: tuple[str, ...]  # the codes, for the message


@dataclass(frozen=True)
class Vocabulary:
    today: date
    purposes: tuple[PurposeSet, ...]  # oldest version first
    activities: Mapping[str, str]  # folded code or label → Activity value
    households: Mapping[str, str]  # folded file code or label → HouseholdType value
    activity_codes: tuple[str, ...] = ()

    def purposes_on(self, day: date) -> PurposeSet | None:
        """The purposes of the version in force on `day`, else of the first version."""
        in_force = [p for p in self.purposes if p.valid_from <= day]
        if in_force:
            return in_force[-1]
        return self.purposes[0] if self.purposes else None


@dataclass(frozen=True)
class LoanFacts:
    disbursement_date: date
    principal: Decimal
    months: int
    rate_percent: Decimal
    state: str  # en_cours, rembourse, garantie_appelee
    claim_date: date | None = None
    claim_principal: Decimal | None = None
    last_due_date: date | None = None  # the schedule's last installment (the engine's)


@dataclass(frozen=True)
class HistoryRow:
    line: int
    numero: str
    application_date: date
    birth_date: date
    commune_code: str
    household: str  # HouseholdType value or ""
    activity: str  # Activity value or ""
    purpose: str  # the purpose's code
    requested_amount: Decimal | None
    requested_months: int | None
    issue: str
    loan: LoanFacts | None = None


@dataclass
class Checked:
    rows: list[HistoryRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def key(text: str) -> str:
    """How a code or label is compared: no accents, no case, words joined by « _ »."""
    return fold(text, separator="_")


def choice_map(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """(value, label) pairs → {folded value or label: value}."""
    mapping: dict[str, str] = {}
    for value, label in pairs:
        mapping.setdefault(key(value), value)
        mapping.setdefault(key(label), value)
    return mapping


def check_rows(table: RawTable, vocabulary: Vocabulary) -> Checked:
    """Every row checked; all the problems (bounded by the caller), in the file's order."""
    checked = Checked()
    seen: dict[str, int] = {}
    for row in table.rows:
        problems: list[Problem] = []
        result = _check_row(row, vocabulary, problems)
        numero = row["numero"]
        if numero:
            if numero in seen:
                problems.append(
                    Problem(
                        row.line,
                        "numero",
                        "duplicate_numero",
                        numero,
                        (("other", str(seen[numero])),),
                    )
                )
            else:
                seen[numero] = row.line
        if problems:
            checked.problems += problems
        elif result is not None:
            checked.rows.append(result)
    return checked


class _Row:
    """One row being checked: its cells read, its problems collected."""

    def __init__(self, raw: RawRow, problems: list[Problem]) -> None:
        self.raw = raw
        self.problems = problems

    def fail(self, column: str, code: str, **params: str) -> None:
        self.problems.append(
            Problem(self.raw.line, column, code, self.raw[column], tuple(params.items()))
        )

    def text(self, column: str, *, required: bool) -> str:
        value = self.raw[column]
        if not value and required:
            self.fail(column, "required")
        return value

    def date(self, column: str, *, required: bool, today: date) -> date | None:
        value = self.text(column, required=required)
        if not value:
            return None
        day = parse_date(value)
        if day is None:
            self.fail(column, "not_a_date")
            return None
        if day > today:
            self.fail(column, "date_in_future")
            return None
        if day.year < 1900:
            self.fail(column, "not_a_date")
            return None
        return day

    def amount(self, column: str, *, required: bool) -> Decimal | None:
        value = self.text(column, required=required)
        if not value:
            return None
        amount = parse_amount(value)
        if amount is None:
            self.fail(column, "not_an_amount")
            return None
        if amount <= 0:
            self.fail(column, "amount_not_positive")
            return None
        return amount

    def months(self, column: str, *, required: bool) -> int | None:
        value = self.text(column, required=required)
        if not value:
            return None
        if not value.isdigit():
            self.fail(column, "not_months")
            return None
        months = int(value)
        if not 1 <= months <= MAX_MONTHS:
            self.fail(column, "months_range", max=str(MAX_MONTHS))
            return None
        return months

    def choice(
        self, column: str, mapping: Mapping[str, str], allowed: Sequence[str], *, required: bool
    ) -> str:
        value = self.text(column, required=required)
        if not value:
            return ""
        found = mapping.get(key(value))
        if found is None:
            self.fail(column, "unknown_choice", allowed=", ".join(allowed))
            return ""
        return found


def _check_row(raw: RawRow, vocabulary: Vocabulary, problems: list[Problem]) -> HistoryRow | None:
    today = vocabulary.today
    row = _Row(raw, problems)
    numero = row.text("numero", required=True)
    if len(numero) > 50:
        row.fail("numero", "too_long", max="50")
    received = row.date("date_accueil", required=True, today=today)
    born = row.date("date_naissance", required=True, today=today)
    if received and born and born >= received:
        row.fail("date_naissance", "date_not_before", other="date_accueil")
    commune = row.text("commune_insee", required=True).upper()
    if commune and not _INSEE.fullmatch(commune):
        row.fail("commune_insee", "not_a_commune_code")
    household = row.choice("composition_foyer", vocabulary.households, HOUSEHOLDS, required=False)
    activity = row.choice(
        "activite", vocabulary.activities, vocabulary.activity_codes, required=False
    )
    purposes = vocabulary.purposes_on(received or today)
    purpose = ""
    if purposes is None:
        row.fail("categorie_projet", "no_purposes")
    else:
        purpose = row.choice("categorie_projet", purposes.codes, purposes.labels, required=True)
    requested_amount = row.amount("montant_demande", required=False)
    requested_months = row.months("duree_demandee", required=False)
    issues = {value: value for value in ISSUES}
    issue = row.choice("issue", issues, ISSUES, required=True)
    loan = None
    if issue == DECAISSE:
        loan = _check_loan(row, received, today)
    elif raw["issue"] and issue:
        for column in (*LOAN_COLUMNS, *CLAIM_COLUMNS):
            if raw[column]:
                row.fail(column, "only_if_disbursed")
    if problems or received is None or born is None:
        return None
    return HistoryRow(
        line=raw.line,
        numero=numero,
        application_date=received,
        birth_date=born,
        commune_code=commune,
        household=household,
        activity=activity,
        purpose=purpose,
        requested_amount=requested_amount,
        requested_months=requested_months,
        issue=issue,
        loan=loan,
    )


def _check_loan(row: _Row, received: date | None, today: date) -> LoanFacts | None:
    start = len(row.problems)
    disbursed = row.date("date_decaissement", required=True, today=today)
    if disbursed and received and disbursed < received:
        row.fail("date_decaissement", "date_not_after", other="date_accueil")
    principal = row.amount("montant_prete", required=True)
    months = row.months("duree_mois", required=True)
    rate = None
    rate_text = row.text("taux_nominal", required=True)
    if rate_text:
        rate = parse_rate(rate_text)
        if rate is None:
            row.fail("taux_nominal", "not_a_rate")
    states = {value: value for value in LOAN_STATES}
    state = row.choice("etat_pret", states, LOAN_STATES, required=True)
    claim_date = claim_principal = None
    if state == GARANTIE_APPELEE:
        claim_date = row.date("date_appel_garantie", required=True, today=today)
        if claim_date and disbursed and claim_date <= disbursed:
            row.fail("date_appel_garantie", "date_not_after", other="date_decaissement")
        claim_principal = row.amount("capital_restant_du_appel", required=True)
        if claim_principal is not None and principal is not None and claim_principal > principal:
            row.fail("capital_restant_du_appel", "above_principal")
    elif state:
        for column in CLAIM_COLUMNS:
            if row.raw[column]:
                row.fail(column, "only_if_claimed")
    if len(row.problems) > start or disbursed is None or principal is None:
        return None
    if months is None or rate is None:
        return None
    try:
        schedule = build_schedule(
            loan_terms(
                principal=principal,
                months=months,
                disbursement_date=disbursed,
                rate_percent=rate,
            )
        )
    except LoanEngineError as error:
        row.fail("montant_prete", "loan_terms", reason=str(error))
        return None
    return LoanFacts(
        disbursement_date=disbursed,
        principal=principal,
        months=months,
        rate_percent=rate,
        state=state,
        claim_date=claim_date,
        claim_principal=claim_principal,
        last_due_date=max(r.due_date for r in schedule.rows),
    )


def parse_date(text: str) -> date | None:
    """« 12/03/2015 » or « 2015-03-12 » (a time after the ISO date is ignored); None otherwise."""
    french = _FRENCH_DATE.fullmatch(text)
    iso = _ISO_DATE.fullmatch(text)
    try:
        if french:
            return date(int(french[3]), int(french[2]), int(french[1]))
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
    except ValueError:
        return None
    return None


def parse_amount(text: str) -> Decimal | None:
    """Euros with a comma or a dot, at most two decimals (« 1 234,56 », « 1234.5 », « 12 € »)."""
    cleaned = text.replace("€", "").strip()
    try:
        value = parse_decimal(cleaned)
    except (ValueError, InvalidOperation):
        return None
    if value != value.quantize(Decimal("0.01")):
        return None
    return value.quantize(Decimal("0.01"))


def parse_rate(text: str) -> Decimal | None:
    """A yearly rate in percent, 0 to less than 100, three decimals at most (« 1,75 » or
    « 1.75 % »)."""
    cleaned = text.replace("%", "").strip()
    try:
        value = parse_decimal(cleaned)
    except (ValueError, InvalidOperation):
        return None
    if not Decimal(0) <= value < Decimal(100) or value != value.quantize(Decimal("0.001")):
        return None
    return value.quantize(Decimal("0.001"))


# --- The template ------------------------------------------------------------------------------


def template_rows() -> list[list[str]]:
    """The header and two example rows, in the columns' order."""
    return [
        list(COLUMN_NAMES),
        [c.example for c in COLUMNS],
        [c.example_2 for c in COLUMNS],
    ]


def template_csv() -> bytes:
    """The template as a CSV file: « ; » between the cells, UTF-8 with a BOM (as a spreadsheet
    opens it with its accents)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerows(template_rows())
    return ("\ufeff" + out.getvalue()).encode("utf-8")
