"""A bank statement (a CSV file of repayments) read into the loans' repayment lines.

Pure Python, no Django: the import service stores the file and hands the lines to the loans
service that records the bank's repayments (`loans.services.repayments_record_batch`), which
decides what is new, already recorded or refused.

The file, as the upload page documents it (`COLUMNS`):
- one header line, then one repayment per line; blank lines are skipped;
- the columns, in any order, named in French or English, with or without accents or case:
  « référence » (the bank's reference of the payment, unique per bank), « dossier » or
  « numéro de dossier », « date », « montant »; optionally « remboursement anticipé » (oui/non)
  and « choix » (what a partial early repayment keeps: « mensualité » or « date de fin »).
  Other columns (a label, a balance…) are ignored;
- dates as 06/12/2026 or 2026-12-06; amounts as 1 234,56 or 1234.56 (the platform's one reader
  of amounts, `core.text.parse_decimal`);
- separated by « ; », « , » or a tab (the header line tells which), in UTF-8 (with or without
  a BOM) or Latin-1 (Windows-1252, as spreadsheets save it in France);
- at most `MAX_BYTES` and `loans.rules.MAX_BATCH` repayments.
"""

from __future__ import annotations

import csv
import enum
import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from microcredit.core.text import fold, parse_decimal
from microcredit.loans.rules import (
    KEEP_END_DATE,
    KEEP_INSTALLMENT,
    MAX_BATCH,
    RepaymentLine,
    line_label,
)

MAX_BYTES = 256 * 1024
MAX_MESSAGES = 20

REFERENCE = "reference"
DOSSIER = "dossier"
DATE = "date"
AMOUNT = "amount"
EARLY = "early_repayment"
KEEP = "keep"
REQUIRED = (REFERENCE, DOSSIER, DATE, AMOUNT)

# The documented columns: (role, header to write, what it holds), in the example's order.
COLUMNS = (
    (REFERENCE, "référence", "la référence de la banque (unique pour chaque paiement)"),
    (DOSSIER, "dossier", "le numéro du dossier (ex. MC-2026-00042)"),
    (DATE, "date", "la date du paiement : 06/12/2026 ou 2026-12-06"),
    (AMOUNT, "montant", "le montant en euros : 1 234,56 ou 1234.56"),
    (EARLY, "remboursement anticipé", "facultatif : « oui » si l'emprunteur demande que "
     "l'excédent rembourse le prêt par anticipation (vide ou « non » sinon)"),
    (KEEP, "choix", "facultatif, pour un remboursement anticipé partiel : « mensualité » (garder "
     "la mensualité, durée réduite) ou « date de fin » (garder la date de fin, mensualité "
     "réduite) ; « mensualité » si vide"),
)  # fmt: skip
COLUMN_NAMES = {role: name for role, name, _ in COLUMNS}
EXAMPLE = (
    "référence;dossier;date;montant\n"
    "VIR-2026-0001;MC-2026-00042;06/12/2026;52,17\n"
    "VIR-2026-0002;MC-2026-00057;2026-12-07;1 234,56\n"
)

# Header words (folded: no accents, no case) → the column's role, the first match wins: « choix
# du remboursement anticipé » is the choice, « référence du dossier » the dossier.
_HEADER_WORDS = (
    (KEEP, {"choix", "keep", "garder", "conserver"}),
    (EARLY, {"anticipe", "anticipation", "early"}),
    (DOSSIER, {"dossier", "dossiers"}),
    (REFERENCE, {"reference", "ref"}),
    (DOSSIER, {"numero", "n", "no", "number"}),
    (DATE, {"date"}),
    (AMOUNT, {"montant", "amount"}),
)
_YES = {"oui", "o", "x", "1", "vrai", "yes", "y", "true"}
_NO = {"", "non", "n", "0", "faux", "no", "false"}
_KEEPS = {
    "": KEEP_INSTALLMENT,
    "mensualite": KEEP_INSTALLMENT,
    "garder la mensualite": KEEP_INSTALLMENT,
    "duree reduite": KEEP_INSTALLMENT,
    "installment": KEEP_INSTALLMENT,
    "date de fin": KEEP_END_DATE,
    "garder la date de fin": KEEP_END_DATE,
    "mensualite reduite": KEEP_END_DATE,
    "end date": KEEP_END_DATE,
}
_FRENCH_DATE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DELIMITERS = (";", ",", "\t")
_NAMES = {";": "point-virgule", ",": "virgule", "\t": "tabulation"}


class LineStatus(enum.StrEnum):
    """What the import would do with a line (the preview's status)."""

    NEW = "new"
    ALREADY_RECORDED = "already_recorded"
    DUPLICATE = "duplicate"
    REFUSED = "refused"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


_STATUS_LABELS = {
    LineStatus.NEW: "nouveau",
    LineStatus.ALREADY_RECORDED: "déjà enregistré",
    LineStatus.DUPLICATE: "répète une ligne précédente",
    LineStatus.REFUSED: "refusé",
}


class StatementError(ValueError):
    """The file cannot be read: French sentences, each naming its line when there is one."""

    def __init__(self, *messages: str) -> None:
        super().__init__(" ".join(messages))
        self.messages = list(messages)


@dataclass(frozen=True)
class StatementLine:
    """One repayment of the statement and its line in the file (the header is line 1)."""

    number: int
    repayment: RepaymentLine

    @property
    def label(self) -> str:
        return line_label(self.number, self.repayment.reference)


@dataclass(frozen=True)
class Statement:
    text: str
    encoding: str
    delimiter: str
    lines: tuple[StatementLine, ...]

    @property
    def repayments(self) -> list[RepaymentLine]:
        return [line.repayment for line in self.lines]

    @property
    def total(self) -> Decimal:
        return sum((line.repayment.amount for line in self.lines), Decimal("0.00"))


def decode(content: bytes) -> tuple[str, str]:
    """The file's text and encoding: UTF-8 (with its BOM: "utf-8-sig"), else Windows-1252,
    else Latin-1. StatementError for an empty, too large or binary file."""
    if len(content) > MAX_BYTES:
        raise StatementError(
            f"Le fichier dépasse {MAX_BYTES // 1024} Ko : découpez le relevé en plusieurs fichiers."
        )
    text = ""
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-8-sig" and not content.startswith(b"\xef\xbb\xbf"):
            encoding = "utf-8"
        break
    if "\x00" in text:
        raise StatementError(
            "Ce fichier n'est pas un fichier CSV (texte en UTF-8 ou en Latin-1) : enregistrez "
            "le relevé au format « CSV » depuis le tableur."
        )
    if not text.strip():
        raise StatementError("Le fichier est vide.")
    return text, encoding


def parse_statement(content: bytes) -> Statement:
    """The statement in the file's bytes (see the module's docstring)."""
    text, encoding = decode(content)
    return read_statement(text, encoding=encoding)


def read_statement(text: str, *, encoding: str) -> Statement:
    """The statement in `text` (the file decoded); StatementError naming the faulty lines."""
    rows = _Rows(text)
    header_number, header = next(rows, (0, []))
    if not any(header):
        raise StatementError("Le fichier est vide.")
    columns = _columns(header, header_number)
    lines: list[StatementLine] = []
    errors: list[str] = []
    for count, (number, row) in enumerate(rows, start=1):
        if count > MAX_BATCH:
            raise StatementError(
                f"Le relevé contient plus de {MAX_BATCH} remboursements : découpez-le en "
                "plusieurs fichiers."
            )
        try:
            lines.append(StatementLine(number, _line(number, row, columns, len(header))))
        except StatementError as error:
            errors += error.messages
    if errors:
        raise StatementError(*_bounded(errors))
    if not lines:
        raise StatementError(
            f"Le relevé ne contient aucun remboursement après sa ligne d'en-tête (ligne "
            f"{header_number})."
        )
    return Statement(text=text, encoding=encoding, delimiter=rows.delimiter, lines=tuple(lines))


def line_reason(message: str, *, index: int, reference: str) -> str:
    """A loans service's message about the batch's line `index`, without its « Ligne n
    (référence « … ») : » prefix (the statement names its lines by their place in the file)."""
    for prefix in (f"{line_label(index, reference)} : ", f"Ligne {index} : "):
        if message.startswith(prefix):
            reason = message.removeprefix(prefix)
            return reason[:1].lower() + reason[1:] if reason[1:2].islower() else reason
    return message


# --- Reading -----------------------------------------------------------------------------------


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ";"


class _Rows:
    """The file's non-blank rows, (line number, stripped cells), the delimiter from the first
    line (or a spreadsheet's « sep=; » line)."""

    def __init__(self, text: str) -> None:
        lines = text.splitlines(keepends=True)
        first = next((line for line in lines if line.strip()), "")
        self.skip_first = first.strip().lower().startswith("sep=") and len(first.strip()) == 5
        self.delimiter = first.strip()[4] if self.skip_first else _delimiter(first)
        self.reader = csv.reader(
            io.StringIO(text, newline=""), delimiter=self.delimiter, strict=True
        )

    def __iter__(self) -> _Rows:
        return self

    def __next__(self) -> tuple[int, list[str]]:
        while True:
            try:
                row = next(self.reader)
            except csv.Error as error:
                raise StatementError(
                    f"Ligne {self.reader.line_num} : elle ne se lit pas en CSV (guillemets "
                    "mal fermés ?)."
                ) from error
            cells = [cell.strip() for cell in row]
            if not any(cells):
                continue
            if self.skip_first:
                self.skip_first = False
                continue
            return self.reader.line_num, cells


def _role(name: str) -> str | None:
    words = set(fold(name).split())
    for role, keys in _HEADER_WORDS:
        if words & keys:
            return role
    return None


def _columns(header: list[str], number: int) -> dict[str, int]:
    """Each role's position in the header."""
    index: dict[str, int] = {}
    errors: list[str] = []
    for position, name in enumerate(header):
        role = _role(name)
        if role is None:
            continue
        if role in index:
            errors.append(
                f"En-tête (ligne {number}) : les colonnes « {header[index[role]]} » et "
                f"« {name} » désignent toutes deux « {COLUMN_NAMES[role]} » ; gardez-en une."
            )
            continue
        index[role] = position
    missing = [f"« {COLUMN_NAMES[role]} »" for role in REQUIRED if role not in index]
    if missing:
        found = " ; ".join(f"« {name[:40]} »" for name in header[:12])
        errors.append(
            f"En-tête (ligne {number}) : colonne{'s' if len(missing) > 1 else ''} manquante"
            f"{'s' if len(missing) > 1 else ''} : {', '.join(missing)}. Colonnes lues : {found}."
        )
    if errors:
        raise StatementError(*errors)
    return index


def _line(number: int, row: list[str], columns: dict[str, int], width: int) -> RepaymentLine:
    if len(row) != width:
        hint = ""
        if len(row) > width:
            hint = " (un montant à virgule doit être entre guillemets quand le séparateur est la "
            hint += "virgule)"
        raise StatementError(
            f"Ligne {number} : {len(row)} colonnes au lieu des {width} de l'en-tête{hint}."
        )

    def cell(role: str) -> str:
        return row[columns[role]] if role in columns else ""

    errors: list[str] = []
    reference, dossier = cell(REFERENCE), cell(DOSSIER)
    if not reference:
        errors.append(f"Ligne {number} : la référence de la banque est vide.")
    if not dossier:
        errors.append(f"Ligne {number} : le numéro de dossier est vide.")
    day = _date(cell(DATE), number, errors)
    amount = _amount(cell(AMOUNT), number, errors)
    early = _early(cell(EARLY), number, errors)
    keep = _keep(cell(KEEP), number, errors)
    if errors or day is None or amount is None:
        raise StatementError(*errors)
    return RepaymentLine(reference, dossier, day, amount, early, keep)


def _date(text: str, number: int, errors: list[str]) -> date | None:
    french, iso = _FRENCH_DATE.fullmatch(text), _ISO_DATE.fullmatch(text)
    try:
        if french:
            return date(int(french[3]), int(french[2]), int(french[1]))
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
    except ValueError:
        errors.append(f"Ligne {number} : la date « {text} » n'existe pas.")
        return None
    if not text:
        errors.append(f"Ligne {number} : la date est vide.")
    else:
        errors.append(f"Ligne {number} : « {text} » n'est pas une date (JJ/MM/AAAA ou AAAA-MM-JJ).")
    return None


def _amount(text: str, number: int, errors: list[str]) -> Decimal | None:
    if not text:
        errors.append(f"Ligne {number} : le montant est vide.")
        return None
    try:
        return parse_decimal(text.removesuffix("€").removesuffix("EUR").strip())
    except ValueError:
        errors.append(f"Ligne {number} : le montant « {text} » n'est pas un nombre.")
        return None


def _early(text: str, number: int, errors: list[str]) -> bool:
    value = fold(text)
    if value in _YES:
        return True
    if value not in _NO:
        errors.append(
            f"Ligne {number} : « {text} » ne dit pas si le remboursement est anticipé "
            "(« oui » ou « non »)."
        )
    return False


def _keep(text: str, number: int, errors: list[str]) -> str:
    keep = _KEEPS.get(fold(text))
    if keep is None:
        errors.append(
            f"Ligne {number} : choix « {text} » inconnu (« mensualité » : garder la mensualité, "
            "« date de fin » : garder la date de fin)."
        )
        return KEEP_INSTALLMENT
    return keep


def _bounded(messages: list[str]) -> list[str]:
    if len(messages) <= MAX_MESSAGES:
        return messages
    rest = len(messages) - MAX_MESSAGES
    return [*messages[:MAX_MESSAGES], f"… et {rest} autre{'s' if rest > 1 else ''} erreur(s)."]
